// Operators mark a resolved alert as a false alarm with a reason; engineers see, per camera and rule,
// how many resolved alerts were false and at which hours of the day (city time).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addCamera, addDistrict } from './support/fixtures.ts';

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let busStop: string;
let bridge: string;

const raise = async (cameraId: string, kind: 'crowd' | 'stalled_vehicle') =>
  (
    await raiser.raise({
      sourceType: 'camera',
      sourceId: cameraId,
      kind,
      zoneId: `zone-${Math.random()}`,
      severity: 'major',
      title: { vi: 'Đám đông', en: 'Crowd' },
    })
  ).alertId;
const post = (path: string, role: 'operator' | 'field' | 'engineer', body?: unknown) => api.request('POST', path, { role, body: body ?? {} });

/** Raised at `hour`:10 city time (UTC+7) today, acknowledged, resolved, as a false alarm when `reason` is given. */
async function judged(cameraId: string, kind: 'crowd' | 'stalled_vehicle', hour: number, reason?: string): Promise<number> {
  const id = await raise(cameraId, kind);
  await test.db.query(`UPDATE alerts SET first_seen_at = date_trunc('day', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh' + make_interval(hours => $2, mins => 10) WHERE id = $1`, [id, hour]);
  expect((await post(`/api/alerts/${id}/acknowledge`, 'operator')).status).toBe(200);
  const resolved = await post(`/api/alerts/${id}/resolve`, 'operator', reason ? { note: 'Xe buýt đón khách', falseAlarm: { reason } } : { note: 'Đã xử lý' });
  expect(resolved.status).toBe(200);
  return id;
}

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
  raiser = createAlertRaiser({ db: test.db });
  const districtId = await addDistrict(test.db);
  busStop = await addCamera(test.db, districtId);
  bridge = await addCamera(test.db, districtId);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('false alarms', () => {
  it('are marked when resolving, with a reason, shown on the alert and audited', async () => {
    const id = await judged(busStop, 'crowd', 17, 'normal_here');
    const detail = await (await api.request('GET', `/api/alerts/${id}`, { role: 'operator' })).json();
    expect(detail.alert).toMatchObject({ state: 'resolved', falseAlarmReason: 'normal_here' });
    const audit = await test.db.query(`SELECT details FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 AND action = 'resolve'`, [String(id)]);
    expect(audit.rows[0].details).toMatchObject({ falseAlarm: 'normal_here', toState: 'resolved' });
    const real = await judged(bridge, 'stalled_vehicle', 8);
    expect((await (await api.request('GET', `/api/alerts/${real}`, { role: 'operator' })).json()).alert.falseAlarmReason).toBeNull();
  });

  it('refuses an unknown reason and a verdict on anything but a resolve, changing nothing', async () => {
    const id = await raise(bridge, 'crowd');
    expect((await post(`/api/alerts/${id}/acknowledge`, 'operator')).status).toBe(200);
    const unknown = await post(`/api/alerts/${id}/resolve`, 'operator', { falseAlarm: { reason: 'bored' } });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/falseAlarm\.reason/);
    const row = await test.db.query(`SELECT state, false_alarm_reason FROM alerts WHERE id = $1`, [id]);
    expect(row.rows[0]).toEqual({ state: 'acknowledged', false_alarm_reason: null });
  });

  it('give engineers the precision of each camera and rule, by hour of the day in city time', async () => {
    // The bus stop's crowd rule: 4 false alarms in the evening rush (17:xx, 18:xx), one real at 9:xx.
    await judged(busStop, 'crowd', 17, 'normal_here');
    await judged(busStop, 'crowd', 18, 'normal_here');
    await judged(busStop, 'crowd', 18, 'wrong_object');
    await judged(busStop, 'crowd', 9);
    await judged(bridge, 'stalled_vehicle', 8);
    expect((await api.request('GET', '/api/alerts/precision')).status).toBe(401);
    expect((await api.request('GET', '/api/alerts/precision', { role: 'operator' })).status).toBe(403);
    const answer = await (await api.request('GET', '/api/alerts/precision?days=7', { role: 'engineer' })).json();
    expect(answer).toMatchObject({ days: 7, timeZone: 'Asia/Ho_Chi_Minh' });
    const [worst, ...rest] = answer.rows;
    expect(worst).toMatchObject({ sourceType: 'camera', sourceId: busStop, kind: 'crowd', resolved: 5, falseAlarms: 4, precision: 0.2 });
    expect(worst.falseAlarmsByHour[17]).toBe(2);
    expect(worst.falseAlarmsByHour[18]).toBe(2);
    expect(worst.resolvedByHour[9]).toBe(1);
    expect(worst.falseAlarmsByHour.reduce((sum: number, n: number) => sum + n, 0)).toBe(4);
    expect(rest).toEqual([expect.objectContaining({ sourceId: bridge, kind: 'stalled_vehicle', resolved: 2, falseAlarms: 0, precision: 1 })]);
  });
});
