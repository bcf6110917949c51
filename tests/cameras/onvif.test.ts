// ONVIF against a simulated Profile S device on loopback: WS-Discovery over real UDP multicast, SOAP
// with WS-Security digest over HTTP, through the api routes an engineer uses to register cameras.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedOnvifDevice } from '../../ingest/onvif/simulated-device.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startOnvifTestDevice } from '../support/onvif.ts';

let test: TestDatabase;
let api: TestApi;
let device: SimulatedOnvifDevice;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  device = await startOnvifTestDevice();
});

afterAll(async () => {
  await device?.stop();
  await api?.stop();
  await test?.drop();
});

describe('ONVIF', () => {
  it('discovers the device by WS-Discovery and lists its profiles with RTSP URLs, without echoing credentials', async () => {
    const found = await api.request('POST', '/api/cameras/onvif/discover', { role: 'engineer', body: { timeoutMs: 1500 } });
    expect(found.status).toBe(200);
    const { devices } = await found.json();
    const ours = devices.find((entry: { urn: string }) => entry.urn === device.urn);
    expect(ours).toMatchObject({ xaddrs: [device.deviceServiceUrl], name: 'Nút giao Hàng Xanh', hardware: 'CityOpsSimulator' });

    const read = await api.request('POST', '/api/cameras/onvif/streams', {
      role: 'engineer',
      body: { deviceUrl: ours.xaddrs[0], username: 'onvif-admin', password: 'camera-secret' },
    });
    expect(read.status).toBe(200);
    const streams = await read.json();
    expect(streams).toMatchObject({ manufacturer: 'CityOps', model: 'Nút giao Hàng Xanh', firmwareVersion: '1' });
    expect(streams.profiles).toEqual([
      { token: 'main', name: 'Main stream', encoding: 'H264', width: 1920, height: 1080, fps: 25, rtspUrl: 'rtsp://127.0.0.1:8554/cam-main' },
      { token: 'sub', name: 'Sub stream', encoding: 'H265', width: 640, height: 360, fps: 15, rtspUrl: 'rtsp://127.0.0.1:8554/cam-sub' },
    ]);
    expect(JSON.stringify(streams)).not.toContain('camera-secret');

    // The engineer registers the camera with the URL found, credentials given separately.
    const created = await api.request('POST', '/api/cameras', {
      role: 'engineer',
      body: { id: 'hang-xanh-1', name: 'Hàng Xanh', rtspUrl: streams.profiles[0].rtspUrl, username: 'onvif-admin', password: 'camera-secret' },
    });
    expect(created.status).toBe(201);
    const audit = await test.db.query(`SELECT details FROM audit_log WHERE action = 'onvif_read'`);
    expect(audit.rowCount).toBe(1);
    expect(JSON.stringify(audit.rows)).not.toContain('camera-secret');
  });

  it('says so when the device refuses the credentials, and only engineers may ask', async () => {
    const refused = await api.request('POST', '/api/cameras/onvif/streams', {
      role: 'admin',
      body: { deviceUrl: device.deviceServiceUrl, username: 'onvif-admin', password: 'wrong' },
    });
    expect(refused.status).toBe(422);
    expect((await refused.json()).error).toMatchObject({ code: 'onvif_auth_failed', field: 'password' });
    expect((await api.request('POST', '/api/cameras/onvif/streams', { role: 'engineer', body: { deviceUrl: 'ftp://x/' } })).status).toBe(400);
    expect((await api.request('POST', '/api/cameras/onvif/discover', { role: 'operator', body: {} })).status).toBe(403);
  });
});
