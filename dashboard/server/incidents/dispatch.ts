// Dispatch: which teams could go (nearest first, those handling the kind before the others), one
// assignment per incident with deadlines from the dispatch policy, and the team's answers (acknowledged,
// arrived). The team's phones get the assignment live in their team's room.
import { recordAudit, type Actor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { AppError, badRequest, forbidden, notFound, conflict } from '@cityops/core/errors';
import { liveRooms } from '@cityops/core/live/rooms';
import { counter } from '@cityops/core/metrics';
import { ACTIVE_INCIDENT_STATES, type AssignmentMessage, type AssignmentView, type DispatchCandidate } from '@cityops/contract/incidents';

export type { AssignmentView };
import { publishIncident, type IncidentDeps } from './live.ts';
import { acknowledgeByTeam } from './handoffs.ts';
import { POSITION_FRESH_SECONDS } from './positions.ts';
import { policyFor } from './dispatch-policies.ts';
import { addIncidentEvent, getIncident, lockIncident, writeIncidentState } from './repository.ts';
import { once, type IdempotentRequest, type Replayable } from '../idempotency.ts';

const dispatches = counter('cityops_dispatch_actions_total', 'dispatch actions, by action and outcome', ['action', 'outcome']);

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);

export function asAssignment(row: Record<string, unknown>): AssignmentView {
  return {
    id: Number(row.id),
    incidentId: Number(row.incident_id),
    teamId: row.team_id === null ? null : Number(row.team_id),
    teamName: String(row.team_name),
    assignedAt: iso(row.assigned_at)!,
    assignedBy: String(row.assigned_by_name),
    acknowledgeBy: iso(row.acknowledge_by)!,
    arriveBy: iso(row.arrive_by)!,
    acknowledgedAt: iso(row.acknowledged_at),
    acknowledgedBy: (row.acknowledged_by_name as string | null) ?? null,
    arrivedAt: iso(row.arrived_at),
    escalationSteps: Number(row.escalation_steps),
    escalatedFor: (row.escalated_for as AssignmentView['escalatedFor']) ?? null,
    endedAt: iso(row.ended_at),
    endReason: (row.end_reason as string | null) ?? null,
  };
}

/** Whether the alert belongs to an incident one of these teams is assigned to now (its evidence is theirs to see). */
export async function isAlertOfTeamsIncident(db: Queryable, alertId: number, teamIds: number[]): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM incident_alerts ia JOIN incident_assignments a ON a.incident_id = ia.incident_id AND a.ended_at IS NULL
     WHERE ia.alert_id = $1 AND a.team_id = ANY($2) LIMIT 1`,
    [alertId, teamIds],
  );
  return Boolean(result.rowCount);
}

export async function assignmentsOf(db: Queryable, incidentId: number): Promise<AssignmentView[]> {
  return (await db.query(`SELECT * FROM incident_assignments WHERE incident_id = $1 ORDER BY id`, [incidentId])).rows.map(asAssignment);
}

/**
 * Teams ranked for an incident: those that handle its kind first, then free before busy, then nearest
 * (a team's position is its on-duty members' freshest report of the last 15 minutes), then by name.
 */
export async function dispatchCandidates(db: Queryable, incidentId: number, exceptTeamIds: number[] = []): Promise<DispatchCandidate[]> {
  const incident = await getIncident(db, incidentId);
  const result = await db.query(
    `WITH fresh AS (
       SELECT DISTINCT ON (m.team_id) m.team_id, p.lat, p.lon, p.measured_at
       FROM team_members m JOIN field_positions p ON p.user_id = m.user_id
       WHERE p.on_duty AND p.lat IS NOT NULL AND p.measured_at > now() - make_interval(secs => $3)
       ORDER BY m.team_id, p.measured_at DESC)
     SELECT t.id, t.name, (cardinality(t.incident_kinds) = 0 OR $4 = ANY(t.incident_kinds)) AS handles_kind,
       (SELECT count(*) FROM incident_assignments a WHERE a.team_id = t.id AND a.ended_at IS NULL)::int AS busy,
       CASE WHEN $1::float8 IS NOT NULL AND f.lat IS NOT NULL THEN cityops_distance_m(f.lat, f.lon, $1, $2) END AS distance_m,
       CASE WHEN $1::float8 IS NOT NULL AND f.lat IS NOT NULL THEN
         degrees(atan2(sin(radians($2 - f.lon)) * cos(radians($1)),
                       cos(radians(f.lat)) * sin(radians($1)) - sin(radians(f.lat)) * cos(radians($1)) * cos(radians($2 - f.lon)))) END AS bearing,
       f.measured_at
     FROM teams t LEFT JOIN fresh f ON f.team_id = t.id
     WHERE NOT (t.id = ANY($5))
     ORDER BY handles_kind DESC, (SELECT count(*) FROM incident_assignments a WHERE a.team_id = t.id AND a.ended_at IS NULL) = 0 DESC,
       distance_m NULLS LAST, t.name`,
    [incident.lat, incident.lon, POSITION_FRESH_SECONDS, incident.kind, exceptTeamIds],
  );
  return result.rows.map((row) => ({
    teamId: Number(row.id),
    name: row.name,
    handlesKind: row.handles_kind,
    busy: row.busy,
    distanceM: row.distance_m === null ? null : Math.round(row.distance_m),
    bearingDeg: row.bearing === null ? null : Math.round((Number(row.bearing) + 360) % 360),
    positionAt: iso(row.measured_at),
  }));
}

/** Rooms of the assigned team's phones (and the command room, which sees every assignment). */
const teamRoom = (teamId: number) => [liveRooms.team(teamId)];

async function publishAssignment(tx: Queryable, deps: IncidentDeps, assignmentId: number, event: 'incident:assignment'): Promise<void> {
  if (!deps.live) return;
  const row = (await tx.query(`SELECT * FROM incident_assignments WHERE id = $1`, [assignmentId])).rows[0];
  const assignment = asAssignment(row);
  if (assignment.teamId === null) return;
  await deps.live.publishIn(tx, teamRoom(assignment.teamId), event, await assignmentMessage(tx, assignment));
}

/** What a team's phone is given: the assignment, its incident, and whether resolving it needs a photo. */
async function assignmentMessage(db: Queryable, assignment: AssignmentView): Promise<AssignmentMessage> {
  const incident = await getIncident(db, assignment.incidentId);
  return { assignment, incident, photoRequired: (await policyFor(db, incident.kind, incident.severity)).requiresPhoto };
}

/**
 * Assigns the team. With an active assignment already there, the dispatcher must say `replace`: two
 * dispatchers assigning at once, the second is told who was first (and nothing changes).
 */
export async function assignTeam(
  deps: IncidentDeps,
  actor: Actor,
  incidentId: number,
  teamId: number,
  options: { replace?: boolean; note?: string } = {},
  idempotency?: IdempotentRequest,
): Promise<Replayable<AssignmentView>> {
  try {
    const outcome = await withTransaction(deps.db, (tx) => once(tx, idempotency, async () => {
      const incident = await lockIncident(tx, incidentId);
      if (!ACTIVE_INCIDENT_STATES.includes(incident.state)) throw new AppError('invalid_transition', `incident ${incidentId} is ${incident.state}; reopen it to dispatch a team`, 'state');
      const team = await tx.query(`SELECT id, name FROM teams WHERE id = $1`, [teamId]);
      if (!team.rowCount) throw badRequest(`team ${teamId} does not exist`, 'teamId', { reason: 'does_not_exist', params: { what: 'team', id: teamId } });
      const active = await tx.query(`SELECT * FROM incident_assignments WHERE incident_id = $1 AND ended_at IS NULL`, [incidentId]);
      if (active.rowCount) {
        const current = asAssignment(active.rows[0]);
        if (current.teamId === teamId) throw conflict(`${current.teamName} is already assigned (by ${current.assignedBy} at ${current.assignedAt})`, 'teamId', { reason: 'already_assigned', params: { team: current.teamName, by: current.assignedBy, at: current.assignedAt } });
        if (!options.replace) {
          throw conflict(`${current.assignedBy} assigned ${current.teamName} at ${current.assignedAt}; to send another team instead, reassign`, 'teamId', { reason: 'assigned_by_other', params: { team: current.teamName, by: current.assignedBy, at: current.assignedAt } });
        }
        await endAssignment(tx, deps, actor, current, 'reassigned');
      }
      const policy = await policyFor(tx, incident.kind, incident.severity);
      const inserted = await tx.query(
        `INSERT INTO incident_assignments (incident_id, team_id, team_name, assigned_by, assigned_by_name, acknowledge_by, arrive_by, step_seconds, ladder)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), now() + make_interval(secs => $7), $8, $9) RETURNING *`,
        [incidentId, teamId, team.rows[0].name, actor.userId ?? null, actor.username, policy.acknowledgeSeconds, policy.arriveSeconds, policy.stepSeconds, policy.ladder],
      );
      const assignment = asAssignment(inserted.rows[0]);
      if (incident.state === 'open') await writeIncidentState(tx, incidentId, 'dispatched');
      await addIncidentEvent(tx, incidentId, actor, {
        type: 'assigned',
        note: options.note?.trim() || undefined,
        data: { assignmentId: assignment.id, teamId, teamName: assignment.teamName, acknowledgeBy: assignment.acknowledgeBy, arriveBy: assignment.arriveBy },
      });
      await recordAudit(tx, actor, { action: 'assign', entityType: 'incident', entityId: String(incidentId), details: { assignmentId: assignment.id, teamId, replaced: active.rowCount ? Number(active.rows[0].id) : null } });
      await publishIncident(tx, deps.live, incidentId);
      await publishAssignment(tx, deps, assignment.id, 'incident:assignment');
      return assignment;
    }));
    dispatches.inc({ action: 'assign', outcome: outcome.replayed ? 'replayed' : 'done' });
    return outcome;
  } catch (error) {
    // The partial unique index refused a second active assignment made at the same instant.
    const raced = (error as { code?: string; constraint?: string }).constraint === 'incident_assignments_one_active';
    const refusal = raced ? conflict('another dispatcher assigned a team to this incident at the same moment; reload to see who', 'teamId', { reason: 'assigned_same_moment' }) : error;
    dispatches.inc({ action: 'assign', outcome: refusal instanceof AppError ? refusal.code : 'error' });
    throw refusal;
  }
}

export async function endAssignment(tx: Queryable, deps: IncidentDeps, actor: Actor, assignment: AssignmentView, reason: 'reassigned' | 'released' | 'resolved' | 'team_deleted' | 'closed'): Promise<void> {
  await tx.query(`UPDATE incident_assignments SET ended_at = now(), end_reason = $2 WHERE id = $1`, [assignment.id, reason]);
  await addIncidentEvent(tx, assignment.incidentId, actor, { type: 'assignment_ended', data: { assignmentId: assignment.id, teamId: assignment.teamId, teamName: assignment.teamName, reason } });
  if (assignment.teamId !== null && deps.live) {
    await deps.live.publishIn(tx, teamRoom(assignment.teamId), 'incident:unassigned', { assignmentId: assignment.id, incidentId: assignment.incidentId, reason });
  }
}

/** Ends the incident's active assignment, if any (the incident was resolved or closed). */
export async function endActiveAssignment(tx: Queryable, deps: IncidentDeps, actor: Actor, incidentId: number, reason: 'resolved' | 'closed'): Promise<void> {
  const active = await tx.query(`SELECT * FROM incident_assignments WHERE incident_id = $1 AND ended_at IS NULL FOR UPDATE`, [incidentId]);
  if (active.rowCount) await endAssignment(tx, deps, actor, asAssignment(active.rows[0]), reason);
}

/** The field user's active assignment on this incident (one of their teams), or 403/404. */
async function ownActiveAssignment(tx: Queryable, incidentId: number, user: { id: number; role: string }): Promise<AssignmentView> {
  const result = await tx.query(`SELECT * FROM incident_assignments WHERE incident_id = $1 AND ended_at IS NULL FOR UPDATE`, [incidentId]);
  if (!result.rowCount) throw notFound('assignment', incidentId, `an active assignment of incident ${incidentId} not found`);
  const assignment = asAssignment(result.rows[0]);
  if (user.role === 'field') {
    const member = await tx.query(`SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2`, [assignment.teamId, user.id]);
    if (!member.rowCount) throw forbidden(`incident ${incidentId} is not assigned to your team`);
  }
  return assignment;
}

/** The team says it has the job (the acknowledgement deadline stops counting) or that it is there. */
export async function answerAssignment(
  deps: IncidentDeps,
  actor: Actor,
  user: { id: number; role: string },
  incidentId: number,
  answer: 'acknowledge' | 'arrive',
  idempotency?: IdempotentRequest,
): Promise<Replayable<AssignmentView>> {
  const outcome = await withTransaction(deps.db, (tx) => once(tx, idempotency, async () => {
    await lockIncident(tx, incidentId);
    const assignment = await ownActiveAssignment(tx, incidentId, user);
    if (answer === 'acknowledge' && assignment.acknowledgedAt) return assignment; // a resend from the outbox
    if (answer === 'arrive' && assignment.arrivedAt) return assignment;
    const updated = await tx.query(
      answer === 'acknowledge'
        ? `UPDATE incident_assignments SET acknowledged_at = now(), acknowledged_by_name = $2,
             escalation_steps = CASE WHEN escalated_for = 'acknowledge' THEN 0 ELSE escalation_steps END,
             escalated_for = CASE WHEN escalated_for = 'acknowledge' THEN NULL ELSE escalated_for END WHERE id = $1 RETURNING *`
        : `UPDATE incident_assignments SET arrived_at = now(), acknowledged_at = COALESCE(acknowledged_at, now()),
             acknowledged_by_name = COALESCE(acknowledged_by_name, $2), escalation_steps = 0, escalated_for = NULL WHERE id = $1 RETURNING *`,
      [assignment.id, actor.username],
    );
    // The team has it: so has its agency, if the incident was handed to it.
    if (!assignment.acknowledgedAt && assignment.teamId !== null) await acknowledgeByTeam(tx, incidentId, assignment.teamId, actor.username);
    const incident = await getIncident(tx, incidentId);
    if (answer === 'arrive' && (incident.state === 'open' || incident.state === 'dispatched')) await writeIncidentState(tx, incidentId, 'on_scene');
    await addIncidentEvent(tx, incidentId, actor, { type: answer === 'acknowledge' ? 'acknowledged' : 'arrived', data: { assignmentId: assignment.id, teamId: assignment.teamId, teamName: assignment.teamName } });
    await recordAudit(tx, actor, { action: answer === 'acknowledge' ? 'team_acknowledge' : 'team_arrive', entityType: 'incident', entityId: String(incidentId), details: { assignmentId: assignment.id } });
    await publishIncident(tx, deps.live, incidentId);
    await publishAssignment(tx, deps, assignment.id, 'incident:assignment');
    return asAssignment(updated.rows[0]);
  }));
  dispatches.inc({ action: answer, outcome: outcome.replayed ? 'replayed' : 'done' });
  return outcome;
}

/** Refuses a field user whose teams do not hold the incident's active assignment. */
export async function assertAssignedTeamMember(tx: Queryable, incidentId: number, userId: number): Promise<void> {
  const member = await tx.query(
    `SELECT 1 FROM incident_assignments a JOIN team_members m ON m.team_id = a.team_id WHERE a.incident_id = $1 AND a.ended_at IS NULL AND m.user_id = $2`,
    [incidentId, userId],
  );
  if (!member.rowCount) throw forbidden(`incident ${incidentId} is not assigned to your team`);
}

/** The incidents assigned (actively) to the user's teams, with their assignments: the field phone's list. */
export async function assignedToUser(db: Queryable, userId: number) {
  const result = await db.query(
    `SELECT a.* FROM incident_assignments a JOIN team_members m ON m.team_id = a.team_id
     WHERE m.user_id = $1 AND a.ended_at IS NULL ORDER BY a.acknowledge_by`,
    [userId],
  );
  const list = [];
  for (const row of result.rows) list.push(await assignmentMessage(db, asAssignment(row)));
  return list;
}
