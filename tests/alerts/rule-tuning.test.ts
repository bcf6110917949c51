// Engineers tune a camera zone's crowd rule from operators' false alarms: the system proposes a higher
// threshold for the hours the false alarms come at, previews what it would have done to the period's
// alerts (spared false alarms, missed real ones) from each alert's stored count, and changes the camera's
// rule only when an engineer applies it, audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addCamera, addDistrict } from './support/fixtures.ts';

let test: TestDatabase;
let api: TestApi;
let raiser: ReturnType<typeof createAlertRaiser>;
let busStop: string;

const square = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]];
const analysis = {
  zones: [
    { id: 'bus-stop', polygon: square, rules: [{ kind: 'crowd', minPersons: 6, seconds: 10 }] },
    { id: 'road', polygon: [[0, 0], [1, 0], [1, 0.4], [0, 0.4]], rules: [{ kind: 'stalled_vehicle', seconds: 20 }] },
  ],
  lines: [],
};
const post = (path: string, role: 'operator' | 'engineer', body?: unknown) => api.request('POST', path, { role, body: body ?? {} });
const storedRule = async () => (await test.db.query(`SELECT analysis FROM cameras WHERE id = $1`, [busStop])).rows[0].analysis.zones[0].rules[0];

/** A crowd alert of the bus stop raised at `hour`:10 city time (UTC+7), its zone having held `sustained` persons, resolved. */
async function judged(hour: number, sustained: number | null, falseAlarm: boolean): Promise<void> {
  const { alertId } = await raiser.raise({
    sourceType: 'camera',
    sourceId: busStop,
    kind: 'crowd',
    zoneId: 'bus-stop',
    severity: 'major',
    title: { vi: 'Đám đông', en: 'Crowd' },
    evidence: { data: sustained === null ? { count: 7 } : { count: 6, sustainedCount: sustained } },
  });
  if (sustained === null) await test.db.query(`UPDATE alerts SET evidence = '{}' WHERE id = $1`, [alertId]);
  await test.db.query(`UPDATE alerts SET first_seen_at = date_trunc('day', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh' + make_interval(hours => $2, mins => 10) WHERE id = $1`, [alertId, hour]);
  expect((await post(`/api/alerts/${alertId}/acknowledge`, 'operator')).status).toBe(200);
  const resolved = await post(`/api/alerts/${alertId}/resolve`, 'operator', falseAlarm ? { falseAlarm: { reason: 'normal_here' } } : { note: 'Đã giải tỏa' });
  expect(resolved.status).toBe(200);
}

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
  raiser = createAlertRaiser({ db: test.db });
  busStop = await addCamera(test.db, await addDistrict(test.db));
  await test.db.query(`UPDATE cameras SET name = 'Trạm xe buýt Bến Thành', analysis = $2 WHERE id = $1`, [busStop, JSON.stringify(analysis)]);
  // The evening queue at the bus stop: 7 false alarms of 8 to 11 persons from 17:00 to 19:00, one real
  // crowd of 15 at 17:xx; two real daytime crowds of 7 at 10:xx; one false alarm stored without a count.
  for (const sustained of [8, 9, 9, 10, 11]) await judged(17, sustained, true);
  for (const sustained of [9, 9]) await judged(18, sustained, true);
  await judged(17, 15, false);
  await judged(10, 7, false);
  await judged(10, 7, false);
  await judged(18, null, true);
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('rule tuning from false alarms', () => {
  it('proposes crowd at 12 instead of 6 from 17:00 to 19:00, with what it would have done', async () => {
    expect((await api.request('GET', '/api/alerts/rule-proposals')).status).toBe(401);
    expect((await api.request('GET', '/api/alerts/rule-proposals', { role: 'operator' })).status).toBe(403);
    const answer = await (await api.request('GET', '/api/alerts/rule-proposals?days=30', { role: 'engineer' })).json();
    expect(answer.timeZone).toBe('Asia/Ho_Chi_Minh');
    expect(answer.proposals).toEqual([
      {
        cameraId: busStop,
        cameraName: 'Trạm xe buýt Bến Thành',
        zoneId: 'bus-stop',
        kind: 'crowd',
        from: '17:00',
        to: '19:00',
        threshold: 12,
        currentThreshold: 6,
        preview: { falseAlarms: 7, suppressedFalseAlarms: 7, realAlerts: 1, missedRealAlerts: 0, uncounted: 1 },
      },
    ]);
  });

  it('previews any change an engineer tries', async () => {
    const change = { cameraId: busStop, zoneId: 'bus-stop', kind: 'crowd', from: '09:00', to: '19:00', threshold: 16 };
    const answer = await (await post('/api/alerts/rule-changes/preview', 'engineer', { change })).json();
    expect(answer.preview).toEqual({ falseAlarms: 7, suppressedFalseAlarms: 7, realAlerts: 3, missedRealAlerts: 3, uncounted: 1 });
  });

  it('refuses bad changes with a clear error, changing nothing', async () => {
    const good = { cameraId: busStop, zoneId: 'bus-stop', kind: 'crowd', from: '17:00', to: '19:00', threshold: 12 };
    const cases: Array<[unknown, number, RegExp]> = [
      [{ ...good, to: null }, 400, /both from and to/],
      [{ ...good, to: '17:00' }, 400, /different start and end/],
      [{ ...good, from: '25:00' }, 400, /clock time/],
      [{ ...good, threshold: 0 }, 400, /threshold/],
      [{ ...good, kind: 'wrong_way' }, 400, /kind/],
      [{ ...good, zoneId: 'road' }, 404, /crowd rule in zone road/],
      [{ ...good, cameraId: 'no-such-camera' }, 404, /camera no-such-camera/],
    ];
    for (const [change, status, message] of cases) {
      const response = await post('/api/alerts/rule-changes', 'engineer', { change });
      expect(response.status, JSON.stringify(change)).toBe(status);
      expect((await response.json()).error.message).toMatch(message);
    }
    expect((await post('/api/alerts/rule-changes', 'operator', { change: good })).status).toBe(403);
    expect(await storedRule()).toEqual({ kind: 'crowd', minPersons: 6, seconds: 10 });
  });

  it('applies the proposal only on an engineer\'s request: the rule holds 12 in those hours, audited, and it is proposed no more', async () => {
    const change = { cameraId: busStop, zoneId: 'bus-stop', kind: 'crowd', from: '17:00', to: '19:00', threshold: 12 };
    const applied = await post('/api/alerts/rule-changes', 'engineer', { change });
    expect(applied.status).toBe(200);
    expect(await storedRule()).toEqual({ kind: 'crowd', minPersons: 6, seconds: 10, schedule: [{ from: '17:00', to: '19:00', minPersons: 12 }] });
    const audit = await test.db.query(`SELECT username, details FROM audit_log WHERE action = 'tune_rule' AND entity_type = 'camera' AND entity_id = $1`, [busStop]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].details).toMatchObject({
      zoneId: 'bus-stop',
      from: '17:00',
      to: '19:00',
      threshold: 12,
      before: { minPersons: 6 },
      after: { schedule: [{ from: '17:00', to: '19:00', minPersons: 12 }] },
      preview: { suppressedFalseAlarms: 7, missedRealAlerts: 0 },
    });
    expect((await (await api.request('GET', '/api/alerts/rule-proposals', { role: 'engineer' })).json()).proposals).toEqual([]);
    // The same hours again replace the entry rather than adding one; all day changes the rule's own threshold.
    expect((await post('/api/alerts/rule-changes', 'engineer', { change: { ...change, threshold: 13 } })).status).toBe(200);
    expect((await post('/api/alerts/rule-changes', 'engineer', { change: { ...change, from: null, to: null, threshold: 7 } })).status).toBe(200);
    expect(await storedRule()).toEqual({ kind: 'crowd', minPersons: 7, seconds: 10, schedule: [{ from: '17:00', to: '19:00', minPersons: 13 }] });
  });
});
