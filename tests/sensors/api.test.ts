// Sensor data routes on the real api role: series downsampling, latest states, CSV export, dead letters,
// and who may call what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { commitReadingBatch } from '../../ingest/sensors/reading-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { registerSensor, runTag } from './helpers.ts';

let test: TestDatabase;
let api: TestApi;
const tag = runTag();
const gauge = `gauge-${tag}`;
const idle = `idle-${tag}`;
const hour = Date.UTC(2025, 9, 1, 0, 0);

beforeAll(async () => {
  test = await createTestDatabase();
  await registerSensor(test.db, { id: gauge, kind: 'water_level', level1: 1.4, level2: 1.55, level3: 1.7 });
  await registerSensor(test.db, { id: idle, kind: 'rainfall' });
  // Two hours, one reading a minute: value = minute index / 100 (0.00 … 1.19).
  const readings = Array.from({ length: 120 }, (_, i) => ({ sensorId: gauge, tsMs: hour + i * 60_000, value: i / 100, seq: i, battery: null, dedupeBySeq: false }));
  await commitReadingBatch(test.db, {
    readings,
    deadLetters: [
      { id: randomUUID(), receivedAtMs: Date.now(), topic: `cityops/sensors/${gauge}/reading`, sensorId: gauge, reason: 'out_of_range', detail: 'value 99 outside', payload: Buffer.from('{"value":99}'), payloadBytes: 12 },
      { id: randomUUID(), receivedAtMs: Date.now(), topic: `cityops/sensors/${gauge}/reading`, sensorId: gauge, reason: 'malformed_json', detail: 'not JSON', payload: Buffer.from([0x7b, 0xff]), payloadBytes: 2 },
    ],
  });
  await test.db.query(`INSERT INTO sensor_state (sensor_id, last_value, last_ts, last_seen_at, status, level) VALUES ($1, 1.19, $2, now(), 'level1', 1)`, [
    gauge,
    new Date(hour + 119 * 60_000),
  ]);
  api = await startTestApi(test);
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

const range = `from=${new Date(hour).toISOString()}&to=${new Date(hour + 2 * 3600_000).toISOString()}`;

describe('sensor data API', () => {
  it('downsamples a series to min / avg / max / sum per bucket', async () => {
    const response = await api.request('GET', `/api/sensors/${gauge}/readings?${range}&buckets=4`, { role: 'viewer' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.bucketSeconds).toBe(1800);
    expect(body.unit).toBe('m');
    expect(body.points).toHaveLength(4);
    expect(body.points[0]).toMatchObject({ bucket: new Date(hour).toISOString(), min: 0, max: 0.29, count: 30 });
    expect(body.points[0].avg).toBeCloseTo(0.145, 9);
    // 0.00 + 0.01 + … + 0.29: the total a rain gauge's chart shows per bucket.
    expect(body.points[0].sum).toBeCloseTo(4.35, 9);
    expect(body.points[3]).toMatchObject({ min: 0.9, max: 1.19, count: 30 });
  });

  it('gives the latest state of every sensor, unknown for one never heard from', async () => {
    const response = await api.request('GET', '/api/sensors/latest', { role: 'operator' });
    expect(response.status).toBe(200);
    const { sensors } = await response.json();
    expect(sensors.find((sensor: { id: string }) => sensor.id === gauge)).toMatchObject({ state: 'level1', lastValue: 1.19, ts: new Date(hour + 119 * 60_000).toISOString() });
    expect(sensors.find((sensor: { id: string }) => sensor.id === idle)).toMatchObject({ state: 'unknown', lastValue: null });
  });

  it('exports the readings as CSV, raw or bucketed', async () => {
    const raw = await api.request('GET', `/api/sensors/${gauge}/readings.csv?${range}`, { role: 'viewer' });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toMatch(/text\/csv/);
    expect(raw.headers.get('content-disposition')).toContain(`${gauge}_2025-10-01_2025-10-01.csv`);
    const lines = (await raw.text()).trim().split('\n');
    expect(lines[0]).toBe('sensor_id,ts,value,seq,battery,received_at');
    expect(lines).toHaveLength(121);
    expect(lines[1]).toMatch(new RegExp(`^${gauge},2025-10-01 00:00:00\\+00,0,0,,`));
    const bucketed = await (await api.request('GET', `/api/sensors/${gauge}/readings.csv?${range}&bucketSeconds=3600`, { role: 'viewer' })).text();
    const [header, ...buckets] = bucketed.trim().split('\n');
    expect(header).toBe('sensor_id,bucket,min,avg,max,count,sum');
    const parsed = buckets.map((line) => line.split(','));
    expect(parsed.map((fields) => [fields[0], fields[1], Number(fields[2]), Number(fields[4]), Number(fields[5])])).toEqual([
      [gauge, '2025-10-01 00:00:00+00', 0, 0.59, 60],
      [gauge, '2025-10-01 01:00:00+00', 0.6, 1.19, 60],
    ]);
    expect(Number(parsed[0][3])).toBeCloseTo(0.295, 9);
    expect(Number(parsed[1][3])).toBeCloseTo(0.895, 9);
    expect(Number(parsed[0][6])).toBeCloseTo(17.7, 9);
  });

  it('lists dead letters with reason and payload for engineers only', async () => {
    const response = await api.request('GET', `/api/sensors/dead-letters?sensorId=${gauge}`, { role: 'engineer' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.countsByReason).toEqual({ out_of_range: 1, malformed_json: 1 });
    expect(body.deadLetters.find((letter: { reason: string }) => letter.reason === 'out_of_range')).toMatchObject({ payloadText: '{"value":99}', payloadBytes: 12, detail: 'value 99 outside' });
    expect((await api.request('GET', '/api/sensors/dead-letters?reason=out_of_range', { role: 'engineer' })).status).toBe(200);
    expect((await api.request('GET', '/api/sensors/dead-letters', { role: 'operator' })).status).toBe(403);
  });

  it('needs a login and a command-room role', async () => {
    expect((await api.request('GET', '/api/sensors/latest')).status).toBe(401);
    expect((await api.request('GET', `/api/sensors/${gauge}/readings`)).status).toBe(401);
    expect((await api.request('GET', `/api/sensors/${gauge}/readings.csv`)).status).toBe(401);
    expect((await api.request('GET', `/api/sensors/${gauge}/readings`, { role: 'field' })).status).toBe(403);
  });

  it('refuses bad queries with the field named', async () => {
    const reversed = await api.request('GET', `/api/sensors/${gauge}/readings?from=2025-10-02T00:00:00Z&to=2025-10-01T00:00:00Z`, { role: 'viewer' });
    expect(reversed.status).toBe(400);
    expect((await reversed.json()).error.field).toBe('from');
    expect((await api.request('GET', `/api/sensors/${gauge}/readings?from=yesterday`, { role: 'viewer' })).status).toBe(400);
    expect((await api.request('GET', `/api/sensors/${gauge}/readings?buckets=0`, { role: 'viewer' })).status).toBe(400);
    expect((await api.request('GET', `/api/sensors/${gauge}/readings?bucketSeconds=1&from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`, { role: 'viewer' })).status).toBe(400);
    expect((await api.request('GET', '/api/sensors/dead-letters?reason=bogus', { role: 'engineer' })).status).toBe(400);
    expect((await api.request('GET', `/api/sensors/nobody-${tag}/readings`, { role: 'viewer' })).status).toBe(404);
    expect((await api.request('GET', `/api/sensors/nobody-${tag}/readings.csv`, { role: 'viewer' })).status).toBe(404);
  });
});
