// ONVIF against a simulated Profile S device on loopback: WS-Discovery over real UDP multicast, SOAP
// with WS-Security digest over HTTP, through the api routes an engineer uses to register cameras.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../core/metrics.ts';
import { SimulatedOnvifDevice } from '../../ingest/onvif/simulated-device.ts';
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

  it('contacts only discovered devices or registered camera hosts, at an ONVIF path, and answers failures with a code only', async () => {
    // Any other listener on the api host (a database, an admin port) must not be reachable through the api.
    let connections = 0;
    const other: Server = createServer((socket) => {
      connections++;
      socket.end('SSH-2.0-OpenSSH_9.6\r\n');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherPort = (other.address() as { port: number }).port;
    try {
      const scan = await api.request('POST', '/api/cameras/onvif/streams', { role: 'engineer', body: { deviceUrl: `http://127.0.0.1:${otherPort}/onvif/device_service` } });
      expect(scan.status).toBe(403);
      expect((await scan.json()).error).toMatchObject({ code: 'onvif_target_not_allowed', field: 'deviceUrl' });
      const notOnvifPath = await api.request('POST', '/api/cameras/onvif/streams', { role: 'engineer', body: { deviceUrl: `http://127.0.0.1:${device.port}/admin` } });
      expect(notOnvifPath.status).toBe(400);
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }

    // A discovered device that stopped answering: a generic error with a code, not the socket's text.
    const gone = new SimulatedOnvifDevice({ name: 'gone', discovery: true, profiles: [] });
    await gone.start();
    const found = await api.request('POST', '/api/cameras/onvif/discover', { role: 'engineer', body: { timeoutMs: 1500 } });
    const goneUrl = (await found.json()).devices.find((entry: { urn: string }) => entry.urn === gone.urn).xaddrs[0];
    await gone.stop();
    const failed = await api.request('POST', '/api/cameras/onvif/streams', { role: 'engineer', body: { deviceUrl: goneUrl } });
    expect(failed.status).toBe(502);
    const text = await failed.text();
    expect(JSON.parse(text).error.code).toBe('onvif_failed');
    expect(text).not.toMatch(/ECONNREFUSED|socket|127\.0\.0\.1/);
  });

  it('reads every discovery reply defensively: a scope that is not percent-encoding is skipped and counted, not a 500', async () => {
    const skippedBefore = await skippedParts();
    const odd = new SimulatedOnvifDevice({ name: 'odd', discovery: true, profiles: [], scopes: 'onvif://www.onvif.org/name/% onvif://www.onvif.org/hardware/%E0%A4%A onvif://www.onvif.org/location/ok' });
    await odd.start();
    try {
      const found = await api.request('POST', '/api/cameras/onvif/discover', { role: 'engineer', body: { timeoutMs: 1500 } });
      expect(found.status).toBe(200);
      const { devices } = await found.json();
      expect(devices.find((entry: { urn: string }) => entry.urn === odd.urn)).toMatchObject({ name: null, hardware: null, location: 'ok', xaddrs: [odd.deviceServiceUrl] });
      // The well-formed device is still listed beside it.
      expect(devices.find((entry: { urn: string }) => entry.urn === device.urn)).toMatchObject({ name: 'Nút giao Hàng Xanh' });
      expect(await skippedParts()).toBeGreaterThanOrEqual(skippedBefore + 2);
    } finally {
      await odd.stop();
    }
  });
});

async function skippedParts(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_onvif_discovery_skipped_total')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}
