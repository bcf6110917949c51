// Dispatch through the REST API and live sockets: field phones' positions, teams ranked for an incident,
// one assignment at a time (two dispatchers: one wins), the team's phone told live, deadlines that climb
// the escalation ladder (also after a restart), a team deleted while assigned.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { addUser } from '../alerts/support/people.ts';
import { collect, connectSocket, nextEvent } from '../alerts/support/sockets.ts';
import type { AssignmentMessage, EscalationNotice } from '../../contract/incidents.ts';

let test: TestDatabase;
let api: TestApi;
const sockets: Socket[] = [];

/** Metres north of a point, in degrees of latitude. */
const north = (metres: number) => metres / 111_195;
let nextSpot = 0;
const spot = () => ({ lat: 10.70 + 0.05 * nextSpot, lon: 106.60 + 0.05 * nextSpot++ });

type Field = { id: number; cookie: string };
const as = (who: Field | 'operator' | 'admin' | 'viewer') => (typeof who === 'string' ? { role: who } : { cookie: who.cookie });
const call = async (method: string, path: string, who: Field | 'operator' | 'admin' | 'viewer', body?: unknown) => {
  const response = await api.request(method, path, { ...as(who), body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

async function team(name: string, members: Field[], incidentKinds: string[] = []): Promise<number> {
  const created = await call('POST', '/api/teams', 'admin', { name, incidentKinds });
  expect(created.status).toBe(201);
  for (const member of members) expect((await call('PUT', `/api/teams/${created.body.team.id}/members/${member.id}`, 'admin')).status).toBe(200);
  return created.body.team.id;
}
async function fieldUser(name: string): Promise<Field> {
  return addUser(test.db, api, `${name}-${Math.random().toString(36).slice(2, 8)}`, 'field');
}
async function onDutyAt(user: Field, place: { lat: number; lon: number }) {
  expect((await call('PUT', '/api/field/duty', user, { onDuty: true })).status).toBe(200);
  const reported = await call('POST', '/api/field/position', user, { ...place, accuracyM: 8 });
  expect(reported).toMatchObject({ status: 200, body: { stored: true } });
}
async function fire(place: { lat: number; lon: number }) {
  const logged = await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy kho', ...place });
  expect(logged.status).toBe(201);
  return logged.body.incident.id as number;
}
async function socketFor(who: Field | 'operator'): Promise<Socket> {
  const socket = await connectSocket(api.baseUrl, { cookie: typeof who === 'string' ? api.cookieFor(who) : who.cookie });
  sockets.push(socket);
  return socket;
}
const timelineTypes = async (incidentId: number) => (await call('GET', `/api/incidents/${incidentId}`, 'operator')).body.timeline.map((entry: { type: string }) => entry.type);

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await api?.stop();
  await test?.drop();
});

describe('field positions', () => {
  it('are kept while on duty, refuse impossible jumps and stale reports, and are forgotten off duty', async () => {
    const user = await fieldUser('pos');
    const place = spot();
    const offDuty = await call('POST', '/api/field/position', user, place);
    expect(offDuty.status).toBe(409);
    expect(offDuty.body.error.message).toContain('off duty');

    await call('PUT', '/api/field/duty', user, { onDuty: true });
    const t0 = Date.now() - 60_000;
    expect((await call('POST', '/api/field/position', user, { ...place, measuredAt: new Date(t0).toISOString() })).body.stored).toBe(true);
    // 20 km in 30 s is 2,400 km/h: refused, counted, the last position kept.
    const jump = await call('POST', '/api/field/position', user, { lat: place.lat + north(20_000), lon: place.lon, measuredAt: new Date(t0 + 30_000).toISOString() });
    expect(jump.status).toBe(400);
    expect(jump.body.error.message).toMatch(/km\/h\): kept the last one/);
    // 300 m in 30 s (36 km/h) is a team driving.
    expect((await call('POST', '/api/field/position', user, { lat: place.lat + north(300), lon: place.lon, measuredAt: new Date(t0 + 30_000).toISOString() })).body.stored).toBe(true);
    // An outbox flush of an older report does not move the team back.
    expect((await call('POST', '/api/field/position', user, { ...place, measuredAt: new Date(t0 + 10_000).toISOString() })).body).toMatchObject({ stored: false });
    const row = (await test.db.query(`SELECT lat, rejected_jumps FROM field_positions WHERE user_id = $1`, [user.id])).rows[0];
    expect(row).toMatchObject({ lat: place.lat + north(300), rejected_jumps: 1 });

    await call('PUT', '/api/field/duty', user, { onDuty: false });
    expect((await test.db.query(`SELECT lat, measured_at FROM field_positions WHERE user_id = $1`, [user.id])).rows[0]).toEqual({ lat: null, measured_at: null });
  });
});

describe('dispatching a team', () => {
  it('ranks teams that handle the kind, free, nearest first; assigns; the phone shows it; a second dispatcher is told', async () => {
    const place = spot();
    const [near, far, flood, unplaced] = await Promise.all([fieldUser('near'), fieldUser('far'), fieldUser('flood'), fieldUser('unplaced')]);
    const nearTeam = await team(`Near ${place.lat}`, [near], ['fire']);
    const farTeam = await team(`Far ${place.lat}`, [far], ['fire', 'traffic_accident']);
    const floodTeam = await team(`Flood ${place.lat}`, [flood], ['flooding']);
    await team(`Unplaced ${place.lat}`, [unplaced]);
    await onDutyAt(near, { lat: place.lat + north(300), lon: place.lon });
    await onDutyAt(far, { lat: place.lat + north(1200), lon: place.lon });
    await onDutyAt(flood, { lat: place.lat + north(100), lon: place.lon });
    const incidentId = await fire(place);

    const dispatch = await call('GET', `/api/incidents/${incidentId}/dispatch`, 'operator');
    expect(dispatch.status).toBe(200);
    const mine = dispatch.body.candidates.filter((candidate: { name: string }) => candidate.name.endsWith(String(place.lat)));
    expect(mine.map((candidate: { name: string }) => candidate.name.split(' ')[0])).toEqual(['Near', 'Far', 'Unplaced', 'Flood']);
    expect(mine[0]).toMatchObject({ handlesKind: true, distanceM: 300, bearingDeg: 180 });
    expect(dispatch.body.policy).toMatchObject({ acknowledgeSeconds: 60, arriveSeconds: 600 });

    const phone = await socketFor(near);
    const shown = nextEvent<AssignmentMessage>(phone, 'incident:assignment', (message) => message.incident.id === incidentId);
    const assigned = await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId: nearTeam });
    expect(assigned.status).toBe(200);
    const message = await shown;
    expect(message).toMatchObject({ assignment: { teamId: nearTeam, acknowledgedAt: null }, incident: { id: incidentId, state: 'dispatched' } });
    expect((await call('GET', '/api/field/incidents', near)).body.assigned.map((item: AssignmentMessage) => item.incident.id)).toEqual([incidentId]);
    expect((await call('GET', `/api/incidents/${incidentId}`, near)).status).toBe(200);
    expect((await call('GET', `/api/incidents/${incidentId}`, flood)).status).toBe(403);

    const second = await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId: farTeam });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain('operator-user assigned Near');
    expect((await call('POST', `/api/incidents/${incidentId}/acknowledge`, flood)).status).toBe(403);
    void floodTeam;
  });

  it('two dispatchers assigning at the same moment: exactly one wins', async () => {
    const incidentId = await fire(spot());
    const [a, b] = await Promise.all([fieldUser('a'), fieldUser('b')]);
    const teamA = await team(`Race A ${incidentId}`, [a]);
    const teamB = await team(`Race B ${incidentId}`, [b]);
    const answers = await Promise.all([teamA, teamB].map((teamId) => call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect((await test.db.query(`SELECT count(*)::int AS n FROM incident_assignments WHERE incident_id = $1`, [incidentId])).rows[0].n).toBe(1);
  });

  it('a missed deadline reminds the team, alerts the supervisors, proposes the next team; then acknowledged, arrived, resolved', async () => {
    const place = spot();
    const [slow, backup] = await Promise.all([fieldUser('slow'), fieldUser('backup')]);
    const slowTeam = await team(`Slow ${place.lat}`, [slow], ['fire']);
    const backupTeam = await team(`Backup ${place.lat}`, [backup], ['fire']);
    await onDutyAt(slow, { lat: place.lat + north(200), lon: place.lon });
    await onDutyAt(backup, { lat: place.lat + north(900), lon: place.lon });
    const incidentId = await fire(place);
    const phone = await socketFor(slow);
    const room = await socketFor('operator');
    const phoneNotices = collect<EscalationNotice>(phone, 'incident:escalation');
    const roomNotices = collect<EscalationNotice>(room, 'incident:escalation');
    const assigned = await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId: slowTeam });
    // The acknowledgement deadline (60 s for a fire) passed long ago: every step of the ladder falls due.
    await test.db.query(`UPDATE incident_assignments SET acknowledge_by = now() - interval '10 minutes' WHERE id = $1`, [assigned.body.assignment.id]);

    const proposal = await waitFor('the next team proposed', () => roomNotices.find((notice) => notice.incidentId === incidentId && notice.step === 'next_team'));
    expect(proposal.proposedTeam).toMatchObject({ teamId: backupTeam, distanceM: 900 });
    expect(roomNotices.filter((notice) => notice.incidentId === incidentId).map((notice) => notice.step)).toEqual(['remind', 'supervisor', 'next_team']);
    expect(phoneNotices.filter((notice) => notice.incidentId === incidentId).map((notice) => notice.step)).toEqual(['remind']);
    expect(await timelineTypes(incidentId)).toEqual(['opened', 'call', 'assigned', 'reminder', 'supervisor_alerted', 'next_team_proposed']);

    expect((await call('POST', `/api/incidents/${incidentId}/acknowledge`, slow)).body.assignment).toMatchObject({ acknowledgedBy: expect.any(String), escalationSteps: 0 });
    const arrived = await call('POST', `/api/incidents/${incidentId}/arrive`, slow);
    expect(arrived.body.assignment.arrivedAt).not.toBeNull();
    expect((await call('GET', `/api/incidents/${incidentId}`, 'operator')).body.incident.state).toBe('on_scene');
    const unassigned = nextEvent(phone, 'incident:unassigned');
    expect((await call('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'resolved' })).status).toBe(200);
    expect(await unassigned).toMatchObject({ incidentId, reason: 'resolved' });
    expect((await call('GET', '/api/field/incidents', slow)).body.assigned).toEqual([]);
    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`, [String(incidentId)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['log_call', 'assign', 'team_acknowledge', 'team_arrive', 'change_state']);
  });

  it('a team deleted while assigned: the incident is open again, the supervisors see the next team', async () => {
    const place = spot();
    const [gone, other] = await Promise.all([fieldUser('gone'), fieldUser('other')]);
    const goneTeam = await team(`Gone ${place.lat}`, [gone], ['fire']);
    await team(`Other ${place.lat}`, [other], ['fire']);
    await onDutyAt(other, { lat: place.lat + north(400), lon: place.lon });
    const incidentId = await fire(place);
    await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId: goneTeam });
    expect((await call('DELETE', `/api/teams/${goneTeam}`, 'admin')).status).toBe(200);
    await waitFor('the assignment ended', async () => (await timelineTypes(incidentId)).includes('team_deleted'));
    const detail = (await call('GET', `/api/incidents/${incidentId}`, 'operator')).body;
    expect(detail.incident.state).toBe('open');
    expect(detail.timeline.at(-1).data.proposedTeam).toMatchObject({ name: `Other ${place.lat}`, distanceM: 400 });
  });
});

describe('proof of the fix', () => {
  const upload = async (path: string, who: Field, parts: { photo?: Buffer; note?: string }) => {
    const form = new FormData();
    if (parts.note) form.append('note', parts.note);
    if (parts.photo) form.append('photo', new Blob([new Uint8Array(parts.photo)], { type: 'image/jpeg' }), 'proof.jpg');
    const response = await fetch(`${api.baseUrl}${path}`, { method: 'POST', headers: { cookie: who.cookie }, body: form });
    return { status: response.status, body: await response.json() };
  };

  it('a flooding incident is resolved by its team only with a photo; the photo is checked by its content', async () => {
    const user = await fieldUser('drain');
    const teamId = await team(`Drain ${nextSpot}`, [user], ['flooding']);
    const logged = await call('POST', '/api/hotline/calls', 'operator', { line: '1022', kind: 'flooding', said: 'Ngập đường', ...spot() });
    const incidentId = logged.body.incident.id;
    await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId });

    const withoutPhoto = await upload(`/api/incidents/${incidentId}/resolve`, user, { note: 'Đã hút nước' });
    expect(withoutPhoto.status).toBe(409);
    expect(withoutPhoto.body.error.message).toContain('photo of the fix');
    const notAnImage = await upload(`/api/incidents/${incidentId}/resolve`, user, { photo: Buffer.from('not a picture at all'), note: 'x' });
    expect(notAnImage.status).toBe(400);
    expect((await call('GET', `/api/incidents/${incidentId}`, 'operator')).body.incident.state).toBe('dispatched');

    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
    const resolved = await upload(`/api/incidents/${incidentId}/resolve`, user, { photo: jpeg, note: 'Đã hút nước, đường khô' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.incident.state).toBe('resolved');
    const detail = (await call('GET', `/api/incidents/${incidentId}`, 'operator')).body;
    expect(detail.photos).toHaveLength(1);
    expect(detail.assignments[0]).toMatchObject({ endReason: 'resolved' });
    const photo = await fetch(`${api.baseUrl}/api/incidents/${incidentId}/photos/${detail.photos[0].id}`, { headers: { cookie: api.cookieFor('viewer') } });
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    // An operator reopens it, with a reason: resolving again needs a new photo after a new dispatch.
    expect((await call('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'open', note: 'Nước lại ngập' })).status).toBe(200);
    await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId });
    expect((await call('POST', `/api/incidents/${incidentId}/state`, 'operator', { state: 'resolved' })).status).toBe(409);
  });
});

describe('a deadline that passed while no api process ran', () => {
  it('is escalated as soon as one starts', async () => {
    const own = await createTestDatabase();
    let ownApi: TestApi | undefined;
    try {
      await addDistrict(own.db);
      ownApi = await startTestApi(own);
      const user = await addUser(own.db, ownApi, 'field-down', 'field');
      const created = await ownApi.request('POST', '/api/teams', { role: 'admin', body: { name: 'Down team' } });
      const teamId = (await created.json()).team.id;
      await ownApi.request('PUT', `/api/teams/${teamId}/members/${user.id}`, { role: 'admin' });
      const logged = await (await ownApi.request('POST', '/api/hotline/calls', { role: 'operator', body: { line: '115', kind: 'traffic_accident', said: 'Tai nạn', ...spot() } })).json();
      const incidentId = logged.incident.id;
      await ownApi.request('POST', `/api/incidents/${incidentId}/assign`, { role: 'operator', body: { teamId } });
      await ownApi.stop();
      ownApi = undefined;
      // Down for the deadline and more.
      await own.db.query(`UPDATE incident_assignments SET acknowledge_by = now() - interval '5 minutes' WHERE incident_id = $1`, [incidentId]);
      ownApi = await startTestApi(own, {}, { skipLogins: true });
      await waitFor('the reminder after the restart', async () => {
        const types = await own.db.query(`SELECT type FROM incident_events WHERE incident_id = $1 ORDER BY id`, [incidentId]);
        return types.rows.some((row) => row.type === 'reminder');
      });
    } finally {
      await ownApi?.stop();
      await own.drop();
    }
  });
});
