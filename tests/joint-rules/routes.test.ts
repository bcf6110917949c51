// The joint rules over the API: the command room reads them, engineers and admins write them, every change
// is audited; a rule is checked on save with the field named; the dry run shows what a rule would match now
// and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { registerSensor, runTag } from '../sensors/helpers.ts';

const tag = runTag();
const gauge = `gauge-${tag}`;
const unplaced = `unplaced-${tag}`;
const GAUGE = { lat: 10.7723, lon: 106.7105 };
let test: TestDatabase;
let api: TestApi;

const validRule = (overrides: Record<string, unknown> = {}) => ({
  name: `Ngập đường ${tag}`,
  severity: 'critical',
  alertKind: 'flooded_road',
  sensorId: gauge,
  sensorCondition: 'level',
  minLevel: 2,
  cameraAlertKinds: ['stalled_vehicle', 'congestion'],
  radiusM: 500,
  windowMinutes: 30,
  ...overrides,
});

const refusal = async (body: unknown) => {
  const response = await api.request('POST', '/api/joint-rules', { role: 'engineer', body });
  return { status: response.status, ...((await response.json()) as { error: { code: string; field?: string; message: string } }).error };
};

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  // A gauge with levels I and II only (no level III), and a sensor nobody has placed on the map.
  await registerSensor(test.db, { id: gauge, name: 'Trạm triều Phú An', kind: 'tide_level', ...GAUGE, level1: 1.5, level2: 1.6, expectedIntervalSeconds: 3600 });
  await registerSensor(test.db, { id: unplaced, kind: 'water_level', level1: 1, level2: 2, level3: 3, expectedIntervalSeconds: 3600 });
});

afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('joint rule routes', () => {
  it('lets engineers create, change and delete a rule, each change audited; operators and viewers read; field teams do not', async () => {
    const created = await api.request('POST', '/api/joint-rules', { role: 'engineer', body: validRule() });
    expect(created.status).toBe(201);
    const { rule } = (await created.json()) as { rule: { id: number; radiusM: number; sensorAlertKinds: string[] } };
    expect(rule).toMatchObject({ radiusM: 500, sensorAlertKinds: [], enabled: true, sensorKind: null });

    expect((await api.request('POST', '/api/joint-rules', { role: 'operator', body: validRule({ name: 'other' }) })).status).toBe(403);
    expect((await api.request('GET', '/api/joint-rules', { role: 'field' })).status).toBe(403);
    expect((await api.request('GET', '/api/joint-rules')).status).toBe(401);
    for (const role of ['operator', 'viewer'] as const) {
      const listed = await api.request('GET', '/api/joint-rules', { role });
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { rules: { id: number }[] }).rules.map((listedRule) => listedRule.id)).toEqual([rule.id]);
    }

    const changed = await api.request('PUT', `/api/joint-rules/${rule.id}`, { role: 'engineer', body: validRule({ radiusM: 800, enabled: false }) });
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as { rule: { radiusM: number; enabled: boolean } }).rule).toMatchObject({ radiusM: 800, enabled: false });
    expect((await api.request('DELETE', `/api/joint-rules/${rule.id}`, { role: 'operator' })).status).toBe(403);
    expect((await api.request('DELETE', `/api/joint-rules/${rule.id}`, { role: 'admin' })).status).toBe(204);
    expect((await api.request('DELETE', `/api/joint-rules/${rule.id}`, { role: 'admin' })).status).toBe(404);

    const audit = await test.db.query(`SELECT action, username, entity_id, details FROM audit_log WHERE entity_type = 'joint_rule' ORDER BY id`);
    expect(audit.rows.map((entry) => `${entry.action}:${entry.username}`)).toEqual(['create:engineer-user', 'update:engineer-user', 'delete:admin-user']);
    expect(audit.rows[1]).toMatchObject({ entity_id: String(rule.id), details: { before: { radiusM: 500, enabled: true }, after: { radiusM: 800, enabled: false } } });
  });

  it('refuses a rule it cannot evaluate, naming the field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ sensorId: 'no-such-sensor' }, 'sensorId', /unknown sensor no-such-sensor/],
      [{ sensorId: unplaced }, 'sensorId', /has no location/],
      [{ sensorId: null }, 'sensorId', /one sensor or a sensor kind/],
      [{ sensorKind: 'tide_level' }, 'sensorId', /one sensor or a sensor kind/],
      [{ minLevel: 3 }, 'minLevel', /no alarm level III/],
      [{ minLevel: null }, 'minLevel', /alarm level/],
      [{ sensorCondition: 'alert', sensorAlertKinds: [] }, 'sensorAlertKinds', /sensor condition/],
      [{ cameraAlertKinds: [] }, 'cameraAlertKinds', /camera condition/],
      [{ radiusM: 0 }, 'radiusM', /more than 0 m/],
      [{ radiusM: 5001 }, 'radiusM', /at most 5000 m/],
      [{ windowMinutes: 0 }, 'windowMinutes', /at least 1 minute/],
      [{ windowMinutes: 1441 }, 'windowMinutes', /at most 1440 minutes/],
      [{ name: '  ' }, 'name', /needs a name/],
    ];
    for (const [overrides, field, message] of cases) {
      const answer = await refusal(validRule(overrides));
      expect({ overrides, status: answer.status, field: answer.field }).toEqual({ overrides, status: 400, field });
      expect(answer.message).toMatch(message);
    }
    expect(await refusal(validRule({ name: 'twice' }))).toMatchObject({ status: 201 });
    expect(await refusal(validRule({ name: 'twice' }))).toMatchObject({ status: 409, field: 'name' });
    expect((await test.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'joint_rule' AND action = 'create'`)).rows[0].n).toBe(2);
  });

  it('answers a dry run with what the rule would match now, and raises nothing', async () => {
    const camera = `cam-${tag}`;
    await test.db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon) VALUES ($1, 'Cầu Sài Gòn', 'rtsp://127.0.0.1/x', $2, $3)`, [camera, GAUGE.lat + 0.0027, GAUGE.lon]);
    await test.db.query(`INSERT INTO sensor_state (sensor_id, level, status, last_value, last_ts) VALUES ($1, 2, 'level2', 1.63, now())`, [gauge]);
    const stalled = await createAlertRaiser({ db: test.db }).raise({ sourceType: 'camera', sourceId: camera, kind: 'stalled_vehicle', severity: 'minor', title: { vi: 'Xe dừng', en: 'Stalled vehicle' } });

    const dryRun = async (body: unknown) => {
      const response = await api.request('POST', '/api/joint-rules/dry-run', { role: 'operator', body });
      expect(response.status).toBe(200);
      return (await response.json()) as { matches: { sensor: { sensorId: string; level: number }; cameras: { alertId: number; distanceM: number }[] }[]; sensorsLookedAt: number };
    };
    const near = await dryRun(validRule());
    expect(near.sensorsLookedAt).toBe(1);
    expect(near.matches).toEqual([{ sensor: expect.objectContaining({ sensorId: gauge, level: 2, value: 1.63 }), cameras: [expect.objectContaining({ alertId: stalled.alertId, distanceM: 300 })] }]);
    expect((await dryRun(validRule({ radiusM: 250 }))).matches).toEqual([]);
    expect((await dryRun(validRule({ sensorId: null, sensorKind: 'tide_level' }))).matches).toHaveLength(1);
    expect((await dryRun(validRule({ sensorId: null, sensorKind: 'water_level' }))).matches).toEqual([]);

    const invalid = await api.request('POST', '/api/joint-rules/dry-run', { role: 'operator', body: validRule({ radiusM: 9000 }) });
    expect(invalid.status).toBe(400);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM alerts WHERE kind IN ('flooded_road', 'joint_rule')`)).rows[0].n).toBe(0);
  });
});
