// Nothing left unanswered: when an assignment's deadline passes (acknowledge, then arrive), the
// policy's ladder is climbed one step every `step_seconds`: remind the team, alert the supervisors on
// the dashboard, propose the next team. A team deleted while assigned ends its assignment and goes
// straight to the supervisors with a proposal. The worker runs every second in every api process
// (SKIP LOCKED shares the due rows) and at start, so a deadline that passed while the server was down
// is escalated as soon as it is back.
import { systemActor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import { liveRooms } from '@cityops/core/live/rooms';
import type { Logger } from '@cityops/core/logger';
import { counter, histogram } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import type { AssignmentView, EscalationNotice } from '@cityops/contract/incidents';
import { asAssignment, dispatchCandidates, endAssignment } from './dispatch.ts';
import { publishIncident, type IncidentDeps } from './live.ts';
import { addIncidentEvent, getIncident, writeIncidentState } from './repository.ts';

const escalator = systemActor('dispatch-escalation');
const steps = counter('cityops_dispatch_escalations_total', 'escalation steps taken, by step and deadline', ['step', 'deadline']);
const lag = histogram('cityops_dispatch_escalation_lag_seconds', 'from a step falling due to it being taken', [], [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300]);

/** The deadline an active assignment is waiting on, which step of the ladder is next, and when it falls due. */
function nextStep(row: Record<string, unknown>): { deadline: 'acknowledge' | 'arrive'; stepIndex: number; dueAt: Date } {
  const deadline = row.acknowledged_at === null ? 'acknowledge' : 'arrive';
  const stepIndex = row.escalated_for === deadline ? Number(row.escalation_steps) : 0;
  const base = (deadline === 'acknowledge' ? row.acknowledge_by : row.arrive_by) as Date;
  return { deadline, stepIndex, dueAt: new Date(base.getTime() + Number(row.step_seconds) * 1000 * stepIndex) };
}

/** The SQL twin of nextStep's due time, to find due rows without reading every active assignment. */
const DUE_AT_SQL = `(CASE WHEN acknowledged_at IS NULL THEN acknowledge_by ELSE arrive_by END)
  + make_interval(secs => step_seconds * (CASE WHEN escalated_for = (CASE WHEN acknowledged_at IS NULL THEN 'acknowledge' ELSE 'arrive' END) THEN escalation_steps ELSE 0 END))`;
const STEP_INDEX_SQL = `(CASE WHEN escalated_for = (CASE WHEN acknowledged_at IS NULL THEN 'acknowledge' ELSE 'arrive' END) THEN escalation_steps ELSE 0 END)`;

/** Takes every step that is due now; returns how many were taken. */
export async function escalateDue(deps: IncidentDeps & { logger?: Logger }, limit = 100): Promise<number> {
  return withTransaction(deps.db, async (tx) => {
    const due = await tx.query(
      `SELECT id FROM incident_assignments
       WHERE ended_at IS NULL AND (team_id IS NULL OR (arrived_at IS NULL AND ${STEP_INDEX_SQL} < cardinality(ladder) AND ${DUE_AT_SQL} <= clock_timestamp()))
       ORDER BY ${DUE_AT_SQL} LIMIT $1`,
      [limit],
    );
    let taken = 0;
    for (const { id } of due.rows) {
      // Another api process may hold it (SKIP LOCKED), or an answer may have come in meanwhile: check again.
      const locked = await tx.query(`SELECT *, clock_timestamp() AS checked_at FROM incident_assignments WHERE id = $1 AND ended_at IS NULL FOR UPDATE SKIP LOCKED`, [id]);
      const row = locked.rows[0];
      if (!row) continue;
      const next = nextStep(row);
      const isDue = row.team_id === null || (row.arrived_at === null && next.stepIndex < (row.ladder as string[]).length && next.dueAt <= row.checked_at);
      if (!isDue) continue;
      // One assignment whose step fails is skipped this round (and counted): the others go on.
      await tx.query('SAVEPOINT escalate_one');
      try {
        await takeStep(tx, deps, row, next);
        await tx.query('RELEASE SAVEPOINT escalate_one');
        taken++;
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT escalate_one');
        steps.inc({ step: 'failed', deadline: next.deadline });
        deps.logger?.error({ err: error, assignmentId: Number(row.id) }, 'an escalation step failed; retried next round');
      }
    }
    return taken;
  });
}

async function takeStep(tx: Queryable, deps: IncidentDeps, row: Record<string, unknown>, next: ReturnType<typeof nextStep>): Promise<void> {
  const assignment = asAssignment(row);
  if (assignment.teamId === null) {
    await endAssignment(tx, deps, escalator, assignment, 'team_deleted');
    const incident = await getIncident(tx, assignment.incidentId);
    if (incident.state === 'dispatched') await writeIncidentState(tx, assignment.incidentId, 'open');
    const proposedTeam = await nextTeam(tx, assignment);
    await notify(tx, deps, { step: 'team_deleted', deadline: null, assignment, incidentId: assignment.incidentId, dueAt: new Date().toISOString(), proposedTeam });
    steps.inc({ step: 'team_deleted', deadline: 'none' });
    return;
  }
  const { deadline, stepIndex, dueAt } = next;
  const step = (row.ladder as EscalationNotice['step'][])[stepIndex];
  await tx.query(`UPDATE incident_assignments SET escalation_steps = $2, escalated_for = $3, last_escalated_at = now() WHERE id = $1`, [assignment.id, stepIndex + 1, deadline]);
  const proposedTeam = step === 'next_team' ? await nextTeam(tx, assignment) : undefined;
  await notify(tx, deps, { step, deadline, assignment: { ...assignment, escalationSteps: stepIndex + 1, escalatedFor: deadline }, incidentId: assignment.incidentId, dueAt: dueAt.toISOString(), proposedTeam });
  steps.inc({ step, deadline });
  lag.observe(Math.max(0, (Date.now() - dueAt.getTime()) / 1000));
}

async function nextTeam(tx: Queryable, assignment: AssignmentView): Promise<EscalationNotice['proposedTeam']> {
  const [best] = await dispatchCandidates(tx, assignment.incidentId, assignment.teamId === null ? [] : [assignment.teamId]);
  return best ? { teamId: best.teamId, name: best.name, distanceM: best.distanceM } : null;
}

/** On the timeline, and live: reminders to the team's phones, everything to the command room. */
async function notify(tx: Queryable, deps: IncidentDeps, notice: EscalationNotice): Promise<void> {
  const type = { remind: 'reminder', supervisor: 'supervisor_alerted', next_team: 'next_team_proposed', team_deleted: 'team_deleted' }[notice.step];
  await addIncidentEvent(tx, notice.incidentId, escalator, {
    type,
    data: { assignmentId: notice.assignment.id, teamId: notice.assignment.teamId, teamName: notice.assignment.teamName, deadline: notice.deadline, dueAt: notice.dueAt, ...(notice.proposedTeam !== undefined ? { proposedTeam: notice.proposedTeam } : {}) },
  });
  await tx.query(`UPDATE incidents SET updated_at = now() WHERE id = $1`, [notice.incidentId]);
  await publishIncident(tx, deps.live, notice.incidentId);
  if (!deps.live) return;
  const rooms = notice.step === 'remind' && notice.assignment.teamId !== null ? [...liveRooms.staff(), liveRooms.team(notice.assignment.teamId)] : liveRooms.staff();
  await deps.live.publishIn(tx, rooms, 'incident:escalation', notice);
}

/** The api role's worker: every second, and at once at start. */
export function createEscalationWorker(deps: IncidentDeps, logger: Logger, intervalMs = 1000): Component {
  const task = new PeriodicTask(
    'dispatch-escalation',
    async () => {
      while ((await escalateDue({ ...deps, logger })) === 100);
    },
    logger,
    intervalMs,
    Math.min(1000, intervalMs),
  );
  return { name: 'dispatch-escalation', start: () => task.start(), stop: () => task.stop() };
}
