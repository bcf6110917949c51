// A simulated ONVIF camera answering WS-Discovery on loopback (real UDP multicast, real SOAP with
// WS-Security digest), shared by the api test of ONVIF and the engineer's browser test.
import { SimulatedOnvifDevice } from '../../ingest/onvif/simulated-device.ts';

export const ONVIF_TEST_CREDENTIALS = { username: 'onvif-admin', password: 'camera-secret' };

/**
 * Two profiles: the main stream announces its RTSP URL with the credentials in it (as many cameras
 * do) so tests can check they are stripped; the sub stream without.
 */
export async function startOnvifTestDevice(name = 'Nút giao Hàng Xanh'): Promise<SimulatedOnvifDevice> {
  const { username, password } = ONVIF_TEST_CREDENTIALS;
  const device = new SimulatedOnvifDevice({
    name,
    discovery: true,
    credentials: ONVIF_TEST_CREDENTIALS,
    profiles: [
      { token: 'main', name: 'Main stream', width: 1920, height: 1080, fps: 25, encoding: 'H264', rtspUrl: `rtsp://${username}:${password}@127.0.0.1:8554/cam-main` },
      { token: 'sub', name: 'Sub stream', width: 640, height: 360, fps: 15, encoding: 'H265', rtspUrl: 'rtsp://127.0.0.1:8554/cam-sub' },
    ],
  });
  await device.start();
  return device;
}
