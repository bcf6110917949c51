// The parking routes through the real api role and PostgreSQL: every parking zone of the enabled cameras
// with its spaces and the latest minute's figures (none when the last sample is older than
// PARKING_FRESH_MINUTES), a zone's minute series; a session and a command-room role for both; a parking
// rule with a bad capacity refused on save with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParkingSeriesView, ParkingZoneView } from '../../contract/parking.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';

const MINUTE_MS = 60_000;
const square = [[0, 0], [1, 0], [1, 1], [0, 1]];
let test: TestDatabase;
let api: TestApi;
const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
const minutesAgo = (minutes: number) => new Date(now - minutes * MINUTE_MS);

async function insertCamera(id: string, zones: unknown[], enabled = true) {
  await test.db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon, enabled, analysis) VALUES ($1, $2, 'rtsp://127.0.0.1:1/x', 10.7712, 106.6933, $3, $4)`, [
    id,
    `Camera ${id}`,
    enabled,
    { zones, lines: [] },
  ]);
}

async function insertSample(cameraId: string, zoneId: string, minute: Date, occupied: number, capacity: number) {
  await test.db.query(`INSERT INTO parking_occupancy (camera_id, zone_id, minute, occupied, capacity, frames) VALUES ($1, $2, $3, $4, $5, 120)`, [cameraId, zoneId, minute, occupied, capacity]);
}

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await insertCamera('pk-a', [
    { id: 'lot', name: 'Bãi A', polygon: square, rules: [{ kind: 'parking', capacity: 10 }] },
    { id: 'kerb', polygon: square, rules: [{ kind: 'parking', capacity: 4 }, { kind: 'illegal_parking', minutes: 30 }] },
    { id: 'road', polygon: square, rules: [{ kind: 'stalled_vehicle', seconds: 30 }] },
  ]);
  await insertCamera('pk-stale', [{ id: 'yard', polygon: square, rules: [{ kind: 'parking', capacity: 5 }] }]);
  await insertCamera('pk-off', [{ id: 'lot', polygon: square, rules: [{ kind: 'parking', capacity: 8 }] }], false);
  await insertCamera('pk-none', [{ id: 'road', polygon: square, rules: [] }]);
  await insertSample('pk-a', 'lot', minutesAgo(20), 2, 10);
  await insertSample('pk-a', 'lot', minutesAgo(3), 7, 10);
  await insertSample('pk-a', 'lot', minutesAgo(2), 6, 10);
  // Double parking: more vehicles than spaces.
  await insertSample('pk-a', 'kerb', minutesAgo(2), 6, 4);
  await insertSample('pk-stale', 'yard', minutesAgo(30), 3, 5);
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('GET /api/parking', () => {
  it('needs a session and a command-room role', async () => {
    expect((await api.request('GET', '/api/parking')).status).toBe(401);
    expect((await api.request('GET', '/api/parking', { role: 'field' })).status).toBe(403);
  });

  it('lists every parking zone of the enabled cameras with the latest minute: spaces, taken, free, at the camera', async () => {
    const response = await api.request('GET', '/api/parking', { role: 'viewer' });
    expect(response.status).toBe(200);
    const zones = (await response.json()) as ParkingZoneView[];
    expect(zones).toEqual([
      { cameraId: 'pk-a', cameraName: 'Camera pk-a', zoneId: 'lot', zoneName: 'Bãi A', lat: 10.7712, lon: 106.6933, capacity: 10, occupied: 6, free: 4, at: minutesAgo(2).toISOString() },
      { cameraId: 'pk-a', cameraName: 'Camera pk-a', zoneId: 'kerb', zoneName: null, lat: 10.7712, lon: 106.6933, capacity: 4, occupied: 6, free: 0, at: minutesAgo(2).toISOString() },
      // Its last sample is 30 minutes old: no figure is shown as if it were now.
      { cameraId: 'pk-stale', cameraName: 'Camera pk-stale', zoneId: 'yard', zoneName: null, lat: 10.7712, lon: 106.6933, capacity: 5, occupied: null, free: null, at: null },
    ]);
  });
});

describe('GET /api/parking/:cameraId/:zoneId/series', () => {
  const path = (query: Record<string, string>) => `/api/parking/pk-a/lot/series?${new URLSearchParams(query)}`;

  it('needs a session and a command-room role', async () => {
    expect((await api.request('GET', '/api/parking/pk-a/lot/series')).status).toBe(401);
    expect((await api.request('GET', '/api/parking/pk-a/lot/series', { role: 'field' })).status).toBe(403);
  });

  it("gives the zone's minute samples in [from, to), oldest first", async () => {
    const response = await api.request('GET', path({ from: minutesAgo(60).toISOString(), to: minutesAgo(2).toISOString() }), { role: 'operator' });
    expect(response.status).toBe(200);
    const series = (await response.json()) as ParkingSeriesView;
    expect(series.samples).toEqual([
      { minute: minutesAgo(20).toISOString(), occupied: 2, capacity: 10, frames: 120 },
      { minute: minutesAgo(3).toISOString(), occupied: 7, capacity: 10, frames: 120 },
    ]);
    const lastDay = (await (await api.request('GET', '/api/parking/pk-a/lot/series', { role: 'viewer' })).json()) as ParkingSeriesView;
    expect(lastDay.samples).toHaveLength(3);
  });

  it('refuses a reversed or too long period and an unknown camera, saying why', async () => {
    const reversed = await api.request('GET', path({ from: minutesAgo(1).toISOString(), to: minutesAgo(5).toISOString() }), { role: 'viewer' });
    expect(reversed.status).toBe(400);
    expect(await reversed.json()).toMatchObject({ error: { code: 'invalid', field: 'from', message: 'from must be before to' } });
    const tooLong = await api.request('GET', path({ from: minutesAgo(8 * 24 * 60).toISOString() }), { role: 'viewer' });
    expect(tooLong.status).toBe(400);
    expect((await api.request('GET', '/api/parking/nope/lot/series', { role: 'viewer' })).status).toBe(404);
  });
});

describe('a parking rule on save', () => {
  it('is refused with a capacity that is not a whole number of spaces, with the reason and the field', async () => {
    const zones = (capacity: unknown) => ({ analysis: { zones: [{ id: 'lot', polygon: square, rules: [{ kind: 'parking', capacity }] }], lines: [] } });
    const refused = await api.request('PATCH', '/api/cameras/pk-none', { role: 'engineer', body: zones(0) });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { message: string; field?: string } };
    expect(error.message).toContain('capacity must be at least 1 space');
    expect(error.field).toContain('capacity');
    expect((await api.request('PATCH', '/api/cameras/pk-none', { role: 'engineer', body: zones(12) })).status).toBe(200);
    const zonesNow = (await (await api.request('GET', '/api/parking', { role: 'viewer' })).json()) as ParkingZoneView[];
    expect(zonesNow.find((zone) => zone.cameraId === 'pk-none')).toMatchObject({ zoneId: 'lot', capacity: 12, occupied: null });
  });
});
