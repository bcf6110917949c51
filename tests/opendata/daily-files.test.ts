// The open data daily files: a fixed day is exported by calling the export (no waiting for midnight), its
// files hold that day's rows only, with the licence, and the API lists and serves them under the same
// rate limit. The api role's task writes yesterday on its first run, and catches up after a gap.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLogger } from '../../core/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';
import { addCamera, addDistrict, uniqueId } from '../alerts/support/fixtures.ts';
import { createDailyExport, daysToExport, exportDay, type DailyFilesDeps } from '../../dashboard/server/open-data/daily-files.ts';
import { openDataMeta } from '../../dashboard/server/open-data/entity-type.ts';
import { addReport } from './support/reports.ts';

const DAY = '2026-11-30';
const at = (time: string) => new Date(`${DAY}T${time}Z`);
const NEXT_DAY = new Date('2026-12-01T00:30:00Z');
const DATASETS = ['traffic-counts', 'crowd-counts', 'water-levels', 'rainfall', 'salinity', 'alerts', 'report-counts'];

let test: TestDatabase;
let api: TestApi;
let dir: string;
let deps: DailyFilesDeps;
let cameraId: string;
let districtId: string;
let alertOfTheDay: number;
let address = 0;
const get = (url: string, from = `198.51.100.${++address}`) => api.request('GET', url, { headers: { 'x-forwarded-for': from } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cityops-open-daily-'));
  test = await createTestDatabase();
  api = await startTestApi(test, { TRUST_PROXY: 'loopback', OPEN_DATA_DAILY_DIR: dir, OPEN_DATA_REQUESTS_PER_MINUTE: '20' }, { skipLogins: true });
  deps = { db: test.db, caps: test.caps, meta: openDataMeta(api.config), dir };
  districtId = await addDistrict(test.db);
  await test.db.query(`UPDATE districts SET name_en = $2 WHERE id = $1`, [districtId, `${districtId} District`]);
  cameraId = await addCamera(test.db, districtId);
  const counts: Array<[Date, string, string, number]> = [
    [at('08:05:00'), 'car', '+', 12],
    [at('08:06:00'), 'person', '-', 7],
    [at('23:59:00'), 'bus', '+', 2],
    [NEXT_DAY, 'car', '+', 99], // the day after: not in the file
  ];
  for (const [minute, vehicleClass, direction, count] of counts) {
    await test.db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ($1, 'l1', $2, $3, $4, $5)`, [cameraId, minute, vehicleClass, direction, count]);
  }
  const [tide, rain, salt] = [uniqueId('tide'), uniqueId('rain'), uniqueId('salt')];
  await test.db.query(
    `INSERT INTO sensors (id, name, kind, unit, lat, lon) VALUES ($1, 'Tide', 'tide_level', 'm', 10.77, 106.71), ($2, 'Rain', 'rainfall', 'mm', 10.8, 106.6), ($3, 'Salt', 'salinity', 'g/L', 10.7, 106.74)`,
    [tide, rain, salt],
  );
  for (const [sensor, ts, value] of [[tide, at('10:10:00'), 1.5], [rain, at('10:10:00'), 4], [salt, at('10:10:00'), 2.5], [tide, NEXT_DAY, 9]] as const) {
    await test.db.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ($1, $2, $3)`, [sensor, ts, value]);
  }
  // A public alert raised that day and resolved since (a day's file lists what was raised, not what is open now).
  const raiser = createAlertRaiser({ db: test.db });
  alertOfTheDay = (await raiser.raise({ sourceType: 'camera', sourceId: cameraId, kind: 'congestion', severity: 'major', title: { vi: 'Ùn tắc', en: 'Congestion' } })).alertId;
  await test.db.query(`UPDATE alerts SET first_seen_at = $2, last_seen_at = $2, state = 'closed', closed_at = now() WHERE id = $1`, [alertOfTheDay, at('07:00:00')]);
  await addReport(test.db, { category: 'flooding', lat: 10.7769, lon: 106.7009, districtId, receivedAt: at('09:00:00') });
  await addReport(test.db, { category: 'flooding', lat: 10.7769, lon: 106.7009, districtId, receivedAt: at('21:00:00') });
  await addReport(test.db, { category: 'flooding', lat: 10.7769, lon: 106.7009, districtId, receivedAt: at('21:30:00'), rejectedReason: 'trùng' });
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a day exported', () => {
  it("writes each dataset of the day as CSV and JSON, that day's rows only, with the licence", async () => {
    const written = await exportDay(deps, DAY);
    expect(written).toBe(path.join(dir, DAY));
    for (const name of DATASETS) for (const format of ['csv', 'json']) expect(existsSync(path.join(written, `${name}.${format}`)), `${name}.${format}`).toBe(true);
    const traffic = readFileSync(path.join(written, 'traffic-counts.csv'), 'utf8').trim().split('\r\n');
    expect(traffic).toEqual([
      'hour,camera_id,lat,lon,vehicle_type,direction,count,licence',
      `${DAY}T08:00:00.000Z,${cameraId},10.7769,106.7009,car,forward,12,CC-BY-4.0`,
      `${DAY}T23:00:00.000Z,${cameraId},10.7769,106.7009,bus,forward,2,CC-BY-4.0`,
    ]);
    const crowd = JSON.parse(readFileSync(path.join(written, 'crowd-counts.json'), 'utf8'));
    expect(crowd).toMatchObject({ dataset: 'crowd-counts', licence: 'CC-BY-4.0', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/', from: `${DAY}T00:00:00.000Z`, to: '2026-12-01T00:00:00.000Z' });
    expect(crowd.rows).toEqual([{ hour: `${DAY}T08:00:00.000Z`, camera_id: cameraId, lat: 10.7769, lon: 106.7009, people: 7, people_towards: 0, people_away: 7, congested: false }]);
    const water = JSON.parse(readFileSync(path.join(written, 'water-levels.json'), 'utf8'));
    expect(water.rows.map((row: { level_avg_m: number }) => row.level_avg_m)).toEqual([1.5]);
    expect(JSON.parse(readFileSync(path.join(written, 'rainfall.json'), 'utf8')).rows).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(written, 'salinity.json'), 'utf8')).rows).toHaveLength(1);
    const alerts = JSON.parse(readFileSync(path.join(written, 'alerts.json'), 'utf8'));
    expect(alerts.rows.map((row: { id: string }) => row.id)).toEqual([`urn:ngsi-ld:Alert:${alertOfTheDay}`]);
    expect(readFileSync(path.join(written, 'report-counts.csv'), 'utf8').trim().split('\r\n')).toEqual([
      'day,category,district_id,district,district_en,reports,licence',
      `${DAY},flooding,${districtId},District ${districtId},${districtId} District,2,CC-BY-4.0`, // the rejected one left out
    ]);
  });

  it('replaces a day written again, whole', async () => {
    await test.db.query(`INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES ($1, 'l1', $2, 'truck', '-', 3)`, [cameraId, at('12:00:00')]);
    await exportDay(deps, DAY);
    expect(readFileSync(path.join(dir, DAY, 'traffic-counts.csv'), 'utf8')).toContain(',lorry,backward,3,');
    expect(existsSync(path.join(dir, DAY))).toBe(true);
  });
});

describe('the daily files over HTTP', () => {
  it('lists the days and datasets with the licence, and serves the files as written', async () => {
    const index = await get('/api/open/daily');
    expect(index.status).toBe(200);
    expect(index.headers.get('link')).toContain('rel="license"');
    const body = await index.json();
    expect(body).toMatchObject({ licence: 'CC-BY-4.0', licenceUrl: 'https://creativecommons.org/licenses/by/4.0/' });
    expect(body.days.map((day: { date: string }) => day.date)).toEqual([DAY]);
    expect(body.days[0].datasets.map((dataset: { name: string }) => dataset.name)).toEqual(DATASETS);
    const traffic = body.days[0].datasets[0];
    expect(traffic.csv).toEqual({ url: `/api/open/daily/${DAY}/traffic-counts.csv`, bytes: expect.any(Number) });

    const csv = await get(traffic.csv.url);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`traffic-counts-${DAY}.csv`);
    expect(await csv.text()).toBe(readFileSync(path.join(dir, DAY, 'traffic-counts.csv'), 'utf8'));
    const json = await get(`/api/open/daily/${DAY}/report-counts.json`);
    expect((await json.json()).rows).toEqual([{ day: DAY, category: 'flooding', district_id: districtId, district: `District ${districtId}`, district_en: `${districtId} District`, reports: 2 }]);

    for (const missing of ['2026-11-29/traffic-counts.csv', `${DAY}/users.csv`, `${DAY}/traffic-counts.xml`, `..%2F..%2Fsecret.key/x.csv`, `${DAY}/..%2F${DAY}%2Ftraffic-counts.csv`]) {
      const answer = await get(`/api/open/daily/${missing}`);
      // A name off the list is not found; a path too long for a date is refused before it is looked at.
      expect(missing.includes('..') ? [400, 404] : [404], missing).toContain(answer.status);
      await answer.text();
    }
    expect((await api.request('DELETE', `/api/open/daily/${DAY}/traffic-counts.csv`, { headers: { 'x-forwarded-for': '198.51.100.250' } })).status).toBe(405);
  });

  it('is under the same rate limit as the rest of the open data', async () => {
    const from = '203.0.113.9';
    let refused = -1;
    for (let i = 0; i < 41 && refused < 0; i++) {
      const response = await get(i % 2 ? '/api/open/daily' : `/api/open/daily/${DAY}/alerts.json`, from);
      await response.text();
      if (response.status === 429) refused = i;
    }
    expect(refused).toBeGreaterThanOrEqual(20);
  });
});

describe('the api role task', () => {
  it('writes yesterday on its first run, then the days since the newest one, at most a week', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cityops-open-daily-'));
    try {
      const now = new Date('2026-12-03T02:00:00Z');
      expect(await daysToExport(empty, now)).toEqual(['2026-12-02']);
      // Just after midnight the day is not over long enough: late readings may still come in.
      expect(await daysToExport(empty, new Date('2026-12-03T00:20:00Z'))).toEqual(['2026-12-01']);
      expect(await daysToExport(dir, now)).toEqual(['2026-12-01', '2026-12-02']); // DAY is the newest written
      expect(await daysToExport(dir, new Date('2027-01-20T02:00:00Z'))).toHaveLength(7);

      const task = createDailyExport({ ...deps, dir: empty }, createLogger('silent', 'test'), 60_000);
      await task.start();
      const yesterday = new Date(Date.now() - 3_600_000 - 86_400_000).toISOString().slice(0, 10);
      await waitFor(`the task to write ${yesterday}`, () => existsSync(path.join(empty, yesterday, 'report-counts.json')));
      await task.stop();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
