// The dispatch policies over the REST API against a real database and api role: an engineer's change
// sets the deadlines of the next team assigned, bad input is refused naming the field, only the roles
// that tune link rules may change them, every change is audited, and the default stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../../contract/roles.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';

let test: TestDatabase;
let api: TestApi;

const call = async (method: string, path: string, role: UserRole, body?: unknown) => {
  const response = await api.request(method, path, { role, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};
const policy = (overrides: Record<string, unknown> = {}) => ({ kind: 'fire', severity: null, acknowledgeSeconds: 240, arriveSeconds: 1200, stepSeconds: 30, ladder: ['remind', 'next_team'], requiresPhoto: false, ...overrides });

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('dispatch policies', () => {
  it('an engineer changes the fire policy: the next team assigned gets its deadlines and ladder; audited', async () => {
    const listed = await call('GET', '/api/dispatch-policies', 'viewer');
    expect(listed.status).toBe(200);
    expect(listed.body.policies[0]).toMatchObject({ kind: '*', severity: null, acknowledgeSeconds: 300 });
    const fire = listed.body.policies.find((row: { kind: string; severity: string | null }) => row.kind === 'fire' && row.severity === null);
    expect(fire).toMatchObject({ acknowledgeSeconds: 60, arriveSeconds: 600 });

    const changed = await call('PUT', '/api/dispatch-policies', 'engineer', policy());
    expect(changed).toMatchObject({ status: 200, body: { created: false, policy: { id: fire.id, acknowledgeSeconds: 240, ladder: ['remind', 'next_team'] } } });

    const incident = await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy nhà', lat: 10.8, lon: 106.7 });
    const team = await call('POST', '/api/teams', 'admin', { name: 'Đội PCCC 1' });
    const assigned = await call('POST', `/api/incidents/${incident.body.incident.id}/assign`, 'operator', { teamId: team.body.team.id });
    expect(assigned.status).toBe(200);
    const { assignedAt, acknowledgeBy, arriveBy } = assigned.body.assignment;
    expect((Date.parse(acknowledgeBy) - Date.parse(assignedAt)) / 1000).toBeCloseTo(240, 0);
    expect((Date.parse(arriveBy) - Date.parse(assignedAt)) / 1000).toBeCloseTo(1200, 0);
    const row = (await test.db.query(`SELECT step_seconds, ladder FROM incident_assignments WHERE id = $1`, [assigned.body.assignment.id])).rows[0];
    expect(row).toEqual({ step_seconds: 30, ladder: ['remind', 'next_team'] });

    const created = await call('PUT', '/api/dispatch-policies', 'admin', policy({ kind: 'crowd', severity: 'critical', acknowledgeSeconds: 30 }));
    expect(created).toMatchObject({ status: 200, body: { created: true, policy: { kind: 'crowd', severity: 'critical' } } });
    const audit = await test.db.query(`SELECT action, entity_id, details FROM audit_log WHERE entity_type = 'dispatch_policy' ORDER BY id`);
    expect(audit.rows.map((entry) => entry.action)).toEqual(['update', 'create']);
    expect(audit.rows[0]).toMatchObject({ entity_id: String(fire.id), details: { before: { acknowledgeSeconds: 60 }, after: { acknowledgeSeconds: 240 } } });

    expect((await call('DELETE', `/api/dispatch-policies/${created.body.policy.id}`, 'engineer')).status).toBe(204);
    expect((await test.db.query(`SELECT action, details FROM audit_log WHERE entity_type = 'dispatch_policy' ORDER BY id DESC LIMIT 1`)).rows[0]).toMatchObject({ action: 'delete', details: { kind: 'crowd' } });
  });

  it('refuses bad input naming the field', async () => {
    const refusals: [Record<string, unknown>, string, RegExp][] = [
      [{ acknowledgeSeconds: 2 }, 'acknowledgeSeconds', /at least 5 seconds/],
      [{ arriveSeconds: 10 * 604800 }, 'arriveSeconds', /at most a week/],
      [{ acknowledgeSeconds: 900, arriveSeconds: 600 }, 'arriveSeconds', /before the acknowledge deadline/],
      [{ ladder: [] }, 'ladder', /at least one step/],
      [{ ladder: ['remind', 'remind'] }, 'ladder', /at most once/],
      [{ ladder: ['next_team', 'remind'] }, 'ladder', /in the order remind, supervisor, next_team/],
      [{ ladder: ['call_mayor'] }, 'ladder.0', /a ladder step/],
      [{ kind: 'volcano' }, 'kind', /incident kind or \*/],
      [{ severity: 'huge' }, 'severity', /./],
    ];
    for (const [change, field, message] of refusals) {
      const refused = await call('PUT', '/api/dispatch-policies', 'engineer', policy(change));
      expect(refused.status, JSON.stringify(change)).toBe(400);
      expect(refused.body.error.field).toBe(field);
      expect(refused.body.error.message).toMatch(message);
    }
    expect((await test.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'dispatch_policy' AND details::text LIKE '%volcano%'`)).rows[0].n).toBe(0);
  });

  it('lets only admins and engineers change them, and keeps the default', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      expect((await call('PUT', '/api/dispatch-policies', role, policy())).status).toBe(403);
    }
    expect((await call('GET', '/api/dispatch-policies', 'field')).status).toBe(403);
    const { policies } = (await call('GET', '/api/dispatch-policies', 'viewer')).body;
    const fallback = policies.find((row: { kind: string; severity: string | null }) => row.kind === '*' && row.severity === null);
    expect((await call('DELETE', `/api/dispatch-policies/${fallback.id}`, 'operator')).status).toBe(403);
    const kept = await call('DELETE', `/api/dispatch-policies/${fallback.id}`, 'engineer');
    expect(kept.status).toBe(409);
    expect(kept.body.error).toMatchObject({ code: 'conflict', field: 'kind' });
    expect(kept.body.error.message).toContain('cannot be deleted');
    expect((await test.db.query(`SELECT count(*)::int AS n FROM dispatch_policies WHERE kind = '*' AND severity IS NULL`)).rows[0].n).toBe(1);
    // ... but it can be changed.
    expect((await call('PUT', '/api/dispatch-policies', 'engineer', policy({ kind: '*', acknowledgeSeconds: 420 }))).body.policy).toMatchObject({ id: fallback.id, acknowledgeSeconds: 420 });
    expect((await call('DELETE', '/api/dispatch-policies/999999', 'engineer')).status).toBe(404);
  });
});
