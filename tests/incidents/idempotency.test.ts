// Incident, hotline, dispatch and field requests resent with the same Idempotency-Key (a phone's outbox
// that never got the answer, a desk that retried): the first answer comes back, marked replayed, and the
// change, its timeline line and its audit row exist once. The same key for another request is 422.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { addUser } from '../alerts/support/people.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let api: TestApi;

type Field = { id: number; cookie: string };
type Who = Field | 'operator' | 'admin';
let nextSpot = 0;
const spot = () => ({ lat: 10.72 + 0.05 * nextSpot, lon: 106.62 + 0.05 * nextSpot++ });
const key = () => `key-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const send = async (method: string, path: string, who: Who, body?: unknown, idempotencyKey?: string) => {
  const response = await api.request(method, path, {
    ...(typeof who === 'string' ? { role: who } : { cookie: who.cookie }),
    body,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });
  const text = await response.text();
  return { status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', body: text ? JSON.parse(text) : undefined };
};
/** The same request twice with one key: the second is the first's answer, replayed. */
async function twice(method: string, path: string, who: Who, body?: unknown) {
  const sharedKey = key();
  const first = await send(method, path, who, body, sharedKey);
  const again = await send(method, path, who, body, sharedKey);
  expect(first.replayed).toBe(false);
  expect(again).toEqual({ ...first, replayed: true });
  return first;
}
const count = async (sql: string, ...params: unknown[]) => Number((await test.db.query(sql, params)).rows[0].count);
const auditCount = (incidentId: number, action: string) => count(`SELECT count(*) FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 AND action = $2`, String(incidentId), action);
const eventCount = (incidentId: number, type: string) => count(`SELECT count(*) FROM incident_events WHERE incident_id = $1 AND type = $2`, incidentId, type);

let member: Field;
let teamId: number;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  member = await addUser(test.db, api, 'field-idem', 'field');
  const created = await send('POST', '/api/teams', 'admin', { name: 'Đội chữa cháy 1' });
  teamId = created.body.team.id;
  await send('PUT', `/api/teams/${teamId}/members/${member.id}`, 'admin');
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('Idempotency-Key on incident requests', () => {
  it('logs a resent hotline call and opens a resent incident once', async () => {
    const call = await twice('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy chợ', callerNumber: '0909123456', ...spot() });
    expect(call.status).toBe(201);
    expect(call.body.call.callerNumber).toBe('0909123456');
    expect(await count(`SELECT count(*) FROM hotline_calls WHERE incident_id = $1`, call.body.incident.id)).toBe(1);
    // The caller's number is not copied into the key's record.
    expect(await count(`SELECT count(*) FROM idempotent_requests WHERE answer::text LIKE '%0909123456%'`)).toBe(0);

    const opened = await twice('POST', '/api/incidents', 'operator', { kind: 'crowd', severity: 'minor', ...spot() });
    expect(opened.status).toBe(201);
    expect(await count(`SELECT count(*) FROM incidents WHERE id >= $1`, opened.body.incident.id)).toBe(1);
  });

  it('applies a resent assign, acknowledge, arrive, note and resolve once, each answered with its first answer', async () => {
    const logged = await send('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy kho', ...spot() });
    const incidentId: number = logged.body.incident.id;

    const assigned = await twice('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId });
    expect(assigned.status).toBe(200);
    // Without the key the same request is a new one: refused, the team is already there.
    expect((await send('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId })).status).toBe(409);
    expect((await twice('POST', `/api/incidents/${incidentId}/acknowledge`, member)).body.assignment.acknowledgedAt).not.toBeNull();
    expect((await twice('POST', `/api/incidents/${incidentId}/arrive`, member)).body.assignment.arrivedAt).not.toBeNull();

    // Three copies at once: one note.
    const noteKey = key();
    const notes = await Promise.all([1, 2, 3].map(() => send('POST', `/api/incidents/${incidentId}/notes`, 'operator', { note: 'Đã khoanh vùng' }, noteKey)));
    expect(notes.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(notes.filter((answer) => answer.replayed)).toHaveLength(2);

    // Resolve with a photo (multipart), twice.
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#a30' } }).jpeg().toBuffer();
    const resolveKey = key();
    const resolve = async () => {
      const form = new FormData();
      form.append('note', 'Đã dập lửa');
      form.append('photo', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'proof.jpg');
      const response = await fetch(`${api.baseUrl}/api/incidents/${incidentId}/resolve`, { method: 'POST', headers: { cookie: member.cookie, 'idempotency-key': resolveKey }, body: form });
      return { status: response.status, replayed: response.headers.get('idempotent-replayed'), body: await response.json() };
    };
    const resolved = await resolve();
    expect(resolved).toMatchObject({ status: 200, replayed: null, body: { incident: { state: 'resolved' } } });
    expect(await resolve()).toEqual({ ...resolved, replayed: 'true' });

    expect(await auditCount(incidentId, 'assign')).toBe(1);
    expect(await auditCount(incidentId, 'team_acknowledge')).toBe(1);
    expect(await auditCount(incidentId, 'team_arrive')).toBe(1);
    expect(await auditCount(incidentId, 'note')).toBe(1);
    expect(await auditCount(incidentId, 'resolve')).toBe(1);
    expect(await eventCount(incidentId, 'note')).toBe(1);
    expect(await count(`SELECT count(*) FROM incident_photos WHERE incident_id = $1`, incidentId)).toBe(1);
  });

  it('answers a resent duty switch and position report as the first time', async () => {
    const duty = await twice('PUT', '/api/field/duty', member, { onDuty: true });
    expect(duty.body).toEqual({ onDuty: true });
    expect(await count(`SELECT count(*) FROM audit_log WHERE entity_type = 'user' AND entity_id = $1 AND action = 'duty_start'`, String(member.id))).toBe(1);

    const report = { ...spot(), accuracyM: 10, measuredAt: new Date().toISOString() };
    expect((await twice('POST', '/api/field/position', member, report)).body).toEqual({ stored: true });
    // Without the key, the same report is a new one: older than or as old as the stored one, ignored.
    expect((await send('POST', '/api/field/position', member, report)).body).toMatchObject({ stored: false });
  });

  it('refuses a key reused for another request or body, and a malformed key; a key is its user\'s own', async () => {
    const logged = await send('POST', '/api/hotline/calls', 'operator', { line: '113', kind: 'public_order', said: 'Đánh nhau', ...spot() });
    const incidentId: number = logged.body.incident.id;
    const reused = key();
    expect((await send('POST', `/api/incidents/${incidentId}/notes`, 'operator', { note: 'một' }, reused)).status).toBe(200);
    const otherBody = await send('POST', `/api/incidents/${incidentId}/notes`, 'operator', { note: 'hai' }, reused);
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.error.code).toBe('idempotency_key_reused');
    expect((await send('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'closed' }, reused)).status).toBe(422);
    expect((await send('POST', '/api/incidents', 'operator', { kind: 'crowd', severity: 'minor', ...spot() }, reused)).status).toBe(422);
    expect(await eventCount(incidentId, 'note')).toBe(1);
    expect((await send('POST', `/api/incidents/${incidentId}/notes`, 'operator', { note: 'ba' }, 'bad key!')).status).toBe(400);
    // The admin's request with the operator's key is a request of its own.
    const admin = await send('POST', `/api/incidents/${incidentId}/notes`, 'admin', { note: 'một' }, reused);
    expect(admin).toMatchObject({ status: 200, replayed: false });
    // A refused request leaves its key free: corrected, it is applied.
    const retried = key();
    expect((await send('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'open', note: 'x' }, retried)).status).toBe(409);
    expect(await send('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'on_scene' }, retried)).toMatchObject({ status: 200, replayed: false });
  });
});
