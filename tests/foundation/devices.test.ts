import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { cameraStreamUrl } from '../../devices/camera-repository.ts';

const CAMERA_PASSWORD = 'Cam3ra-S3cret!';
const DEVICE_PASSWORD = 'mqtt-device-secret-42';
/** Typed into a URL's query, as Dahua- and XMEye-style cameras take it. */
const QUERY_PASSWORD = 'Qu3ry S3cret&';

let test: TestDatabase;
let api: TestApi;
const logLines: string[] = [];
beforeAll(async () => {
  test = await createTestDatabase();
  const logStream = new PassThrough();
  logStream.on('data', (chunk) => logLines.push(chunk.toString()));
  api = await startTestApi(test, { LOG_LEVEL: 'trace' }, { logDestination: logStream });
  await api.request('PUT', '/api/districts/quan-1', { role: 'engineer', body: { name: 'Quận 1' } });
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

const camera = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Camera ${id}`,
  rtspUrl: 'rtsp://10.1.2.3:554/Streaming/Channels/101',
  username: 'viewer',
  password: CAMERA_PASSWORD,
  lat: 10.7712,
  lon: 106.6933,
  bearing: 90,
  districtId: 'quan-1',
  detectFps: 2,
  analysis: { zones: [{ id: 'road', polygon: [[0, 0.3], [1, 0.3], [1, 1], [0, 1]], rules: [{ kind: 'wrong_way', direction: [-1, 0] }] }], lines: [{ id: 'l1', from: [0.5, 0], to: [0.5, 1] }] },
  ...extra,
});

describe('camera registry', () => {
  it('registers a camera, stores the password encrypted and never returns it', async () => {
    const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-a') });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(CAMERA_PASSWORD);
    expect(JSON.parse(text).camera).toMatchObject({ id: 'cam-a', hasPassword: true, username: 'viewer', districtId: 'quan-1' });
    const stored = await test.db.query(`SELECT rtsp_password_encrypted, rtsp_url FROM cameras WHERE id = 'cam-a'`);
    expect(stored.rows[0].rtsp_password_encrypted).toMatch(/^v1:/);
    expect(stored.rows[0].rtsp_password_encrypted).not.toContain(CAMERA_PASSWORD);
    // Only camera-ingest decrypts it, to build the URL ffmpeg connects to.
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-a')).toBe(
      `rtsp://viewer:${encodeURIComponent(CAMERA_PASSWORD)}@10.1.2.3:554/Streaming/Channels/101`,
    );
    for (const path of ['/api/cameras', '/api/cameras/cam-a']) {
      expect(await (await api.request('GET', path, { role: 'viewer' })).text()).not.toContain(CAMERA_PASSWORD);
    }
  });

  it('moves credentials typed into the RTSP URL out of it', async () => {
    const response = await api.request('POST', '/api/cameras', {
      role: 'admin',
      body: camera('cam-b', { rtspUrl: `rtsp://admin:${encodeURIComponent(CAMERA_PASSWORD)}@10.1.2.4/stream1`, username: undefined, password: undefined }),
    });
    expect(response.status).toBe(201);
    const body = await response.json();
    expect(body.camera.rtspUrl).toBe('rtsp://10.1.2.4/stream1');
    expect(body.camera).toMatchObject({ username: 'admin', hasPassword: true });
  });

  it('moves credentials in the URL query out of it, stores them encrypted, returns only their names', async () => {
    const typed = `rtsp://10.1.2.5:554/cam/realmonitor?channel=1&user=admin&password=${encodeURIComponent(QUERY_PASSWORD)}&subtype=0`;
    const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-q', { rtspUrl: typed, username: undefined, password: undefined }) });
    expect(response.status).toBe(201);
    const text = await response.text();
    const secrets = [QUERY_PASSWORD, encodeURIComponent(QUERY_PASSWORD), 'password=', 'user=admin'];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.parse(text).camera).toMatchObject({
      rtspUrl: 'rtsp://10.1.2.5:554/cam/realmonitor?channel=1&subtype=0',
      queryCredentialNames: ['user', 'password'],
      hasPassword: false,
    });
    const stored = await test.db.query(`SELECT rtsp_url, rtsp_query_credentials_encrypted FROM cameras WHERE id = 'cam-q'`);
    expect(stored.rows[0].rtsp_url).toBe('rtsp://10.1.2.5:554/cam/realmonitor?channel=1&subtype=0');
    expect(stored.rows[0].rtsp_query_credentials_encrypted).toMatch(/^v1:/);
    for (const secret of secrets) expect(stored.rows[0].rtsp_query_credentials_encrypted).not.toContain(secret);
    for (const path of ['/api/cameras', '/api/cameras/cam-q']) {
      const listed = await (await api.request('GET', path, { role: 'viewer' })).text();
      for (const secret of secrets) expect(listed).not.toContain(secret);
    }
    // Re-attached, in their places, only for camera-ingest to connect.
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-q')).toBe(typed);

    // The edit form saves back the URL it was shown: the credentials stay.
    const saved = await api.request('PATCH', '/api/cameras/cam-q', { role: 'engineer', body: { name: 'Cầu Kênh Tẻ', rtspUrl: 'rtsp://10.1.2.5:554/cam/realmonitor?channel=1&subtype=0' } });
    expect(saved.status).toBe(200);
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-q')).toBe(typed);
    // New ones in a new URL replace them; a null password clears every credential.
    const changed = await api.request('PATCH', '/api/cameras/cam-q', { role: 'engineer', body: { rtspUrl: 'rtsp://10.1.2.5:554/live?pwd=n3w-one&channel=2' } });
    const changedText = await changed.text();
    expect(changedText).not.toContain('n3w-one');
    expect(JSON.parse(changedText).camera).toMatchObject({ rtspUrl: 'rtsp://10.1.2.5:554/live?channel=2', queryCredentialNames: ['pwd'] });
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-q')).toBe('rtsp://10.1.2.5:554/live?pwd=n3w-one&channel=2');
    const cleared = await api.request('PATCH', '/api/cameras/cam-q', { role: 'engineer', body: { password: null } });
    expect((await cleared.json()).camera).toMatchObject({ queryCredentialNames: [], hasPassword: false });
    expect(await cameraStreamUrl(test.db, api.secretBox, 'cam-q')).toBe('rtsp://10.1.2.5:554/live?channel=2');
  });

  it('answers 409 for a duplicate id and 400 naming the field for invalid input', async () => {
    expect((await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-a') })).status).toBe(409);
    const notRtsp = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-c', { rtspUrl: 'http://10.0.0.1/video' }) });
    expect(notRtsp.status).toBe(400);
    expect((await notRtsp.json()).error.field).toBe('rtspUrl');
    const badLat = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-c', { lat: 123 }) });
    expect((await badLat.json()).error).toMatchObject({ code: 'invalid', field: 'lat' });
  });

  it('rejects zones whose polygon crosses itself and lines of zero length', async () => {
    const bowtie = camera('cam-d', { analysis: { zones: [{ id: 'z', polygon: [[0, 0], [1, 1], [1, 0], [0, 1]], rules: [] }], lines: [] } });
    const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: bowtie });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toMatch(/cross/);
    const dot = camera('cam-d', { analysis: { zones: [], lines: [{ id: 'l', from: [0.5, 0.5], to: [0.5, 0.5] }] } });
    const line = await api.request('POST', '/api/cameras', { role: 'engineer', body: dot });
    expect(line.status).toBe(400);
    expect((await line.json()).error.message).toMatch(/zero length/);
  });

  it('bounds every list in a camera body: a 100,000-point zone gets a 400 naming the field and the maximum', { timeout: 60_000 }, async () => {
    // A valid (convex) 100,000-point zone: the old all-pairs self-intersection check compared every pair of
    // edges, minutes of blocked event loop.
    const circle = (points: number) => Array.from({ length: points }, (_, i) => [0.5 + 0.4 * Math.cos((2 * Math.PI * i) / points), 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / points)]);
    const huge = circle(100_000);
    const zoneBody = camera('cam-huge', { analysis: { zones: [{ id: 'z', polygon: huge, rules: [] }], lines: [] } });
    for (const [method, path, body] of [
      ['POST', '/api/cameras', zoneBody],
      ['PATCH', '/api/cameras/cam-a', { analysis: zoneBody.analysis }],
    ] as const) {
      const response = await api.request(method, path, { role: 'engineer', body });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: 'invalid', field: 'analysis.zones.0.polygon', message: expect.stringContaining('at most 1000 points') });
    }
    const square = (id: string) => ({ id, polygon: [[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1]], rules: [] });
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ zones: Array.from({ length: 51 }, (_, i) => square(`z${i}`)), lines: [] }, 'analysis.zones', /at most 50 zones/],
      [{ zones: [], lines: Array.from({ length: 51 }, (_, i) => ({ id: `l${i}`, from: [0, 0], to: [1, 1] })) }, 'analysis.lines', /at most 50 counting lines/],
      [{ zones: [{ ...square('z'), rules: Array.from({ length: 21 }, () => ({ kind: 'crowd', minPersons: 3, seconds: 5 })) }], lines: [] }, 'analysis.zones.0.rules', /at most 20 rules/],
      [
        { zones: Array.from({ length: 3 }, (_, k) => ({ id: `z${k}`, polygon: circle(1000) })), lines: [] },
        'analysis.zones',
        /at most 2000 points/,
      ],
    ];
    for (const [analysis, field, message] of cases) {
      const response = await api.request('POST', '/api/cameras', { role: 'engineer', body: camera('cam-list', { analysis }) });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
    }
    // A district boundary and a sensor's rule settings are bounded too (fixed depth, counted points and keys).
    const deep = await api.request('PUT', '/api/districts/quan-9', { role: 'engineer', body: { name: 'Q9', geometry: { type: 'Polygon', coordinates: [[[[[[1]]]]]] } } });
    expect(deep.status).toBe(400);
    const ruleKeys = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
    const sensor = await api.request('POST', '/api/sensors', { role: 'engineer', body: { id: 'rules-many', name: 'x', kind: 'rainfall', rules: ruleKeys } });
    expect(sensor.status).toBe(400);
    expect((await sensor.json()).error.message).toMatch(/at most 50 rule settings/);
    const nested = await api.request('POST', '/api/sensors', { role: 'engineer', body: { id: 'rules-deep', name: 'x', kind: 'rainfall', rules: { a: [[[[1]]]] } } });
    expect(nested.status).toBe(400);
  });

  it('keeps the password when a patch leaves it out, and audits the change without values', async () => {
    const response = await api.request('PATCH', '/api/cameras/cam-a', { role: 'engineer', body: { name: 'Ngã sáu Phù Đổng', detectFps: 1 } });
    expect(response.status).toBe(200);
    expect((await response.json()).camera).toMatchObject({ name: 'Ngã sáu Phù Đổng', detectFps: 1, hasPassword: true });
    const audit = await test.db.query(`SELECT username, action, details, source_address FROM audit_log WHERE entity_type = 'camera' AND entity_id = 'cam-a' ORDER BY id`);
    expect(audit.rows.map((row) => row.action)).toEqual(['create', 'update']);
    expect(audit.rows[1]).toMatchObject({ username: 'engineer-user', details: { fields: ['name', 'detectFps'] } });
    expect(audit.rows[1].source_address).toBe('127.0.0.1');
  });

  it('does not let an operator change devices', async () => {
    const response = await api.request('POST', '/api/cameras', { role: 'operator', body: camera('cam-z') });
    expect(response.status).toBe(403);
  });
});

describe('sensor registry', () => {
  it('registers a tide gauge with alarm levels and keeps the device password secret', async () => {
    const response = await api.request('POST', '/api/sensors', {
      role: 'engineer',
      body: { id: 'tide-phu-an', name: 'Phú An', kind: 'tide_level', lat: 10.77, lon: 106.71, districtId: 'quan-1', level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03, mqttPassword: DEVICE_PASSWORD },
    });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(DEVICE_PASSWORD);
    expect(JSON.parse(text).sensor).toMatchObject({ unit: 'm', mqttUsername: 'tide-phu-an', hasMqttPassword: true, level2: 1.6 });
  });

  it('refuses alarm levels out of order', async () => {
    const response = await api.request('POST', '/api/sensors', {
      role: 'engineer',
      body: { id: 'tide-x', name: 'X', kind: 'tide_level', level1: 1.7, level2: 1.6 },
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.field).toBe('level2');
  });
});

describe('bulk import', () => {
  const csv = (rows: string[]) => ['type,id,name,rtsp_url,lat,lon,district,kind,level1,level2,level3', ...rows].join('\n');

  it('imports nothing and lists every bad row when any row is wrong', async () => {
    const response = await api.request('POST', '/api/devices/import', {
      role: 'engineer',
      headers: { 'content-type': 'text/csv' },
      body: csv([
        'camera,cam-100,Cam 100,rtsp://10.0.0.100/s,10.78,106.70,quan-1,,,,',
        'camera,cam-101,Cam 101,ftp://nope,10.78,106.70,quan-1,,,,',
        'sensor,rain-1,Rain,,10.80,106.65,quan-1,rainfall,20,50,100',
        'sensor,bad-1,Bad,,95,106.65,quan-1,volcano,,,',
        'camera,cam-100,Again,rtsp://10.0.0.100/s,10.78,106.70,quan-1,,,,',
      ]),
    });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('import_rejected');
    expect(error.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 2, field: 'rtspUrl' }),
        expect.objectContaining({ row: 4, field: 'lat' }),
        expect.objectContaining({ row: 4, field: 'kind' }),
        expect.objectContaining({ row: 5, field: 'id', message: expect.stringMatching(/duplicate of row 1/) }),
      ]),
    );
    expect((await test.db.query(`SELECT 1 FROM cameras WHERE id = 'cam-100'`)).rowCount).toBe(0);
    expect((await test.db.query(`SELECT 1 FROM sensors WHERE id = 'rain-1'`)).rowCount).toBe(0);
  });

  it('imports hundreds of devices from CSV in one go, each audited', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 300; i++) rows.push(`camera,bulk-${i},Bulk ${i},rtsp://10.2.${Math.floor(i / 250)}.${i % 250}/s,${10.7 + i / 10000},106.7,quan-1,,,,`);
    for (let i = 0; i < 200; i++) rows.push(`sensor,bulk-s-${i},Sensor ${i},,10.8,106.6,quan-1,water_level,1.4,1.55,1.7`);
    const response = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body: csv(rows) });
    expect(response.status).toBe(200);
    expect((await response.json()).imported).toEqual({ cameras: 300, sensors: 200, updated: 0 });
    const audited = await test.db.query(`SELECT count(*) AS n FROM audit_log WHERE details->>'via' = 'bulk_import'`);
    expect(audited.rows[0].n).toBe(500);
  });

  it('refuses rows for existing ids unless asked to update them', async () => {
    const body = csv(['sensor,bulk-s-1,Renamed,,10.8,106.6,quan-1,water_level,1.4,1.55,1.7']);
    const refused = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.rows[0]).toMatchObject({ row: 1, id: 'bulk-s-1', message: expect.stringMatching(/already exists/) });
    const updated = await api.request('POST', '/api/devices/import?onExisting=update', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body });
    expect((await updated.json()).imported).toEqual({ cameras: 0, sensors: 1, updated: 1 });
    expect((await test.db.query(`SELECT name FROM sensors WHERE id = 'bulk-s-1'`)).rows[0].name).toBe('Renamed');
  });

  it('updates only what the rows say: columns left out or empty keep the stored values', async () => {
    await test.db.query(`UPDATE cameras SET detect_fps = 5, enabled = false, fov_degrees = 90, bearing = 45, name_en = 'Bulk two' WHERE id = 'bulk-2'`);
    const body = ['type,id,name,rtsp_url,lat,lon,range_meters,name_en', 'camera,bulk-2,Bulk hai,rtsp://10.2.0.2/s,10.7002,106.7,80,'].join('\n');
    const updated = await api.request('POST', '/api/devices/import?onExisting=update', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body });
    expect(updated.status).toBe(200);
    const camera = await test.db.query(`SELECT name, name_en, detect_fps, enabled, fov_degrees, bearing, range_meters FROM cameras WHERE id = 'bulk-2'`);
    expect(camera.rows[0]).toEqual({ name: 'Bulk hai', name_en: 'Bulk two', detect_fps: 5, enabled: false, fov_degrees: 90, bearing: 45, range_meters: 80 });
  });

  it('imports GeoJSON points, taking lat/lon from the geometry', async () => {
    const response = await api.request('POST', '/api/devices/import', {
      role: 'engineer',
      headers: { 'content-type': 'application/geo+json' },
      body: {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', geometry: { type: 'Point', coordinates: [106.7409, 10.6953] }, properties: { type: 'sensor', id: 'tide-nha-be', name: 'Nhà Bè', kind: 'tide_level', level1: 1.5, level2: 1.6, level3: 1.7 } },
          { type: 'Feature', geometry: { type: 'Point', coordinates: [106.7113, 10.8016] }, properties: { type: 'camera', id: 'cam-hang-xanh', name: 'Hàng Xanh', rtsp_url: 'rtsp://10.9.9.9/live' } },
        ],
      },
    });
    expect(response.status).toBe(200);
    const sensor = await (await api.request('GET', '/api/sensors/tide-nha-be', { role: 'viewer' })).json();
    expect(sensor.sensor).toMatchObject({ lat: 10.6953, lon: 106.7409, unit: 'm' });
  });

  it('bounds a file: at most 10,000 rows and 20,000 zone points, refused before any row is checked', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 10_001; i++) rows.push(`sensor,many-${i},S ${i},,10.8,106.6,quan-1,rainfall,,,`);
    const tooMany = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body: csv(rows) });
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.rows).toEqual([expect.objectContaining({ field: '(file)', message: expect.stringMatching(/at most 10000 rows/) })]);
    const ring = Array.from({ length: 1000 }, (_, i) => [0.5 + 0.4 * Math.cos((2 * Math.PI * i) / 1000), 0.5 + 0.4 * Math.sin((2 * Math.PI * i) / 1000)]);
    const features = Array.from({ length: 21 }, (_, k) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [106.7, 10.7] },
      properties: { type: 'camera', id: `zones-${k}`, name: 'Z', rtsp_url: 'rtsp://10.9.9.9/live', analysis: { zones: [{ id: 'z', polygon: ring }] } },
    }));
    const heavy = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'application/geo+json' }, body: { type: 'FeatureCollection', features } });
    expect(heavy.status).toBe(400);
    expect((await heavy.json()).error.rows).toEqual([expect.objectContaining({ field: 'analysis', message: expect.stringMatching(/at most 20000 zone points/) })]);
  });

  it('reports an unreadable file clearly', async () => {
    const response = await api.request('POST', '/api/devices/import', { role: 'engineer', headers: { 'content-type': 'text/csv' }, body: 'type,id\n"unterminated' });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('invalid_file');
  });
});

describe('secrets in logs', () => {
  it('never writes a camera password, device password or session token to the log', async () => {
    const login = await api.login('admin-user', TEST_PASSWORD);
    const token = login.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    const all = logLines.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [CAMERA_PASSWORD, encodeURIComponent(CAMERA_PASSWORD), QUERY_PASSWORD, encodeURIComponent(QUERY_PASSWORD), 'n3w-one', DEVICE_PASSWORD, TEST_PASSWORD, token]) {
      expect(all).not.toContain(secret);
    }
  });
});
