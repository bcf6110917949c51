// The supervisors' escalations survive a page load: GET /api/incidents/escalations lists those still
// needing attention (the late assignment still active and unanswered, or no team sent after a deleted
// one), with the id of the live step, field users only their teams'. And the escalation worker takes a
// step when an assignment changes (NOTIFY) and when the next step falls due (its timer), not at its poll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { EscalationNotice } from '../../contract/incidents.ts';
import { createLogger } from '../../core/logger.ts';
import { createEscalationWorker } from '../../dashboard/server/incidents/escalation.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { addUser } from '../alerts/support/people.ts';
import { collect, connectSocket } from '../alerts/support/sockets.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitFor } from '../support/wait.ts';

let test: TestDatabase;
let api: TestApi;
let apiStopped = false;
let room: Socket;
let roomNotices: EscalationNotice[];

type Field = { id: number; cookie: string };
let nextSpot = 0;
const spot = () => ({ lat: 10.71 + 0.05 * nextSpot, lon: 106.61 + 0.05 * nextSpot++ });
const call = async (method: string, path: string, who: Field | 'operator' | 'admin' | 'viewer', body?: unknown) => {
  const response = await api.request(method, path, { ...(typeof who === 'string' ? { role: who } : { cookie: who.cookie }), body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};
const fieldUser = (name: string) => addUser(test.db, api, `${name}-${Math.random().toString(36).slice(2, 8)}`, 'field');
async function team(name: string, members: Field[]): Promise<number> {
  const created = await call('POST', '/api/teams', 'admin', { name, incidentKinds: ['fire'] });
  for (const member of members) await call('PUT', `/api/teams/${created.body.team.id}/members/${member.id}`, 'admin');
  return created.body.team.id;
}
async function fire(): Promise<number> {
  const logged = await call('POST', '/api/hotline/calls', 'operator', { line: '114', kind: 'fire', said: 'Cháy nhà', ...spot() });
  return logged.body.incident.id;
}
async function assign(incidentId: number, teamId: number, replace = false): Promise<number> {
  const assigned = await call('POST', `/api/incidents/${incidentId}/assign`, 'operator', { teamId, replace });
  expect(assigned.status).toBe(200);
  return assigned.body.assignment.id;
}
/** The deadline passed long ago: the whole ladder falls due; waits for the live `next_team` step. */
async function lateFor(deadline: 'acknowledge' | 'arrive', assignmentId: number): Promise<EscalationNotice> {
  await test.db.query(`UPDATE incident_assignments SET ${deadline}_by = now() - interval '10 minutes' WHERE id = $1`, [assignmentId]);
  return waitFor(`the next team proposed for assignment ${assignmentId}`, () =>
    roomNotices.find((notice) => notice.assignment.id === assignmentId && notice.step === 'next_team' && notice.deadline === deadline),
  );
}
const openFor = async (who: Field | 'operator' | 'viewer') => {
  const listed = await call('GET', '/api/incidents/escalations', who);
  expect(listed.status).toBe(200);
  return listed.body.escalations as EscalationNotice[];
};
const openIncidents = async (who: Field | 'operator' | 'viewer' = 'operator') => (await openFor(who)).map((notice) => notice.incidentId);

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  await addDistrict(test.db, undefined, { type: 'Polygon', coordinates: [[[106.5, 10.6], [108.5, 10.6], [108.5, 12.5], [106.5, 12.5], [106.5, 10.6]]] });
  room = await connectSocket(api.baseUrl, { cookie: api.cookieFor('operator') });
  roomNotices = collect<EscalationNotice>(room, 'incident:escalation');
});
afterAll(async () => {
  room?.close();
  if (!apiStopped) await api?.stop();
  await test?.drop();
});

describe('GET /api/incidents/escalations', () => {
  it('lists a late team\'s escalation as the live step, for the command room and that team only, until the team answers', async () => {
    const [late, backup, stranger] = await Promise.all([fieldUser('late'), fieldUser('backup'), fieldUser('stranger')]);
    const lateTeam = await team(`Late ${nextSpot}`, [late]);
    const backupTeam = await team(`Backup ${nextSpot}`, [backup]);
    await team(`Stranger ${nextSpot}`, [stranger]);
    const incidentId = await fire();
    const assignmentId = await assign(incidentId, lateTeam);
    expect(await openIncidents()).not.toContain(incidentId);

    const live = await lateFor('acknowledge', assignmentId);
    const [listed] = (await openFor('operator')).filter((notice) => notice.incidentId === incidentId);
    // The same step as the live one (same id), with the assignment as it is now.
    expect(listed).toMatchObject({ id: live.id, step: 'next_team', deadline: 'acknowledge', dueAt: live.dueAt, proposedTeam: { teamId: backupTeam } });
    expect(listed.assignment).toMatchObject({ id: assignmentId, teamId: lateTeam, acknowledgedAt: null, escalationSteps: 3 });
    expect(await openIncidents('viewer')).toContain(incidentId);
    expect(await openIncidents(late)).toContain(incidentId);
    expect(await openIncidents(stranger)).not.toContain(incidentId);

    // Acknowledged: the acknowledgement's escalation is over. Then the arrival is late, until it arrives.
    expect((await call('POST', `/api/incidents/${incidentId}/acknowledge`, late)).status).toBe(200);
    expect(await openIncidents()).not.toContain(incidentId);
    const arrival = await lateFor('arrive', assignmentId);
    expect((await openFor('operator')).find((notice) => notice.incidentId === incidentId)).toMatchObject({ id: arrival.id, deadline: 'arrive' });
    expect((await call('POST', `/api/incidents/${incidentId}/arrive`, late)).status).toBe(200);
    expect(await openIncidents()).not.toContain(incidentId);
  });

  it('drops an escalation once another team is sent or the incident is resolved; lists a deleted team until a team is sent', async () => {
    const [a, b, c, d] = await Promise.all([fieldUser('a'), fieldUser('b'), fieldUser('c'), fieldUser('d')]);
    const [teamA, teamB, teamC, teamD] = [await team(`A ${nextSpot}`, [a]), await team(`B ${nextSpot}`, [b]), await team(`C ${nextSpot}`, [c]), await team(`D ${nextSpot}`, [d])];
    const replaced = await fire();
    const resolved = await fire();
    await Promise.all([lateFor('acknowledge', await assign(replaced, teamA)), lateFor('acknowledge', await assign(resolved, teamB))]);
    expect(await openIncidents()).toEqual(expect.arrayContaining([replaced, resolved]));

    await assign(replaced, teamD, true);
    expect((await call('POST', `/api/incidents/${resolved}/state`, 'operator', { state: 'resolved' })).status).toBe(200);
    const open = await openIncidents();
    expect(open).not.toContain(replaced);
    expect(open).not.toContain(resolved);

    const orphaned = await fire();
    await assign(orphaned, teamC);
    expect((await call('DELETE', `/api/teams/${teamC}`, 'admin')).status).toBe(200);
    const deleted = await waitFor('the deleted team escalated', () => roomNotices.find((notice) => notice.incidentId === orphaned && notice.step === 'team_deleted'));
    expect((await openFor('operator')).find((notice) => notice.incidentId === orphaned)).toMatchObject({ id: deleted.id, step: 'team_deleted', deadline: null });
    expect(await openIncidents(c)).not.toContain(orphaned);
    await assign(orphaned, teamA);
    expect(await openIncidents()).not.toContain(orphaned);
  });
});

describe('the escalation worker', () => {
  it('takes a step when an assignment changes and when the next step falls due, long before its poll', async () => {
    const user = await fieldUser('wake');
    const teamId = await team(`Wake ${nextSpot}`, [user]);
    const incidentId = await fire();
    const assignmentId = await assign(incidentId, teamId);
    // Only this worker from now on, polling once a minute: what it does sooner, it was woken for.
    await api.stop();
    apiStopped = true;
    const worker = createEscalationWorker({ db: test.db }, createLogger('silent'), 60_000);
    await worker.start();
    const eventOf = async (type: string) =>
      (await test.db.query(`SELECT at, data FROM incident_events WHERE incident_id = $1 AND type = $2`, [incidentId, type])).rows[0] as { at: Date; data: { dueAt: string } } | undefined;
    try {
      // The acknowledgement deadline passed just now (the reminder is due), the supervisors' step 2 s later.
      const changedAt = Date.now();
      await test.db.query(`UPDATE incident_assignments SET acknowledge_by = now() - interval '100 milliseconds', step_seconds = 2 WHERE id = $1`, [assignmentId]);
      await waitFor('the reminder', () => eventOf('reminder'), 10_000, 20);
      expect(Date.now() - changedAt).toBeLessThan(2_000);
      const supervisor = await waitFor('the supervisors alerted', () => eventOf('supervisor_alerted'), 10_000, 20);
      const lagMs = supervisor.at.getTime() - Date.parse(supervisor.data.dueAt);
      expect(lagMs).toBeGreaterThan(-50);
      expect(lagMs).toBeLessThan(500);
    } finally {
      await worker.stop();
    }
  });
});
