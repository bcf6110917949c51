// Nothing left unanswered: when an assignment's deadline passes (acknowledge, then arrive), the
// policy's ladder is climbed one step every `step_seconds`: remind the team, alert the supervisors on
// the dashboard, propose the next team. A team deleted while assigned ends its assignment and goes
// straight to the supervisors with a proposal. The worker runs every second in every api process
// (SKIP LOCKED shares the due rows) and at start, so a deadline that passed while the server was down
// is escalated as soon as it is back. Between polls it is woken when an assignment is made or answered
// (NOTIFY from a trigger, migration 0078) and when the next step falls due (a timer), so a step is taken
// on time rather than up to a poll later; the poll stays as the safety net (a lost LISTEN connection).
import { systemActor } from '@cityops/core/audit';
import { NotificationBus, textChannel } from '@cityops/core/database/notification-bus';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import { liveRooms } from '@cityops/core/live/rooms';
import type { Logger } from '@cityops/core/logger';
import { counter, histogram } from '@cityops/core/metrics';
import { PeriodicTask } from '@cityops/core/periodic-task';
import { ACTIVE_INCIDENT_STATES, type AssignmentView, type EscalationNotice } from '@cityops/contract/incidents';
import { asAssignment, dispatchCandidates, endAssignment } from './dispatch.ts';
import { publishIncident, type IncidentDeps } from './live.ts';
import { addIncidentEvent, getIncident, writeIncidentState } from './repository.ts';

const escalator = systemActor('dispatch-escalation');
const steps = counter('cityops_dispatch_escalations_total', 'escalation steps taken, by step and deadline', ['step', 'deadline']);
const lag = histogram('cityops_dispatch_escalation_lag_seconds', 'from a step falling due to it being taken', [], [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300]);

/** Sent at commit by a trigger on incident_assignments (0078) when one is made, answered, ended or its deadlines change. */
export const dispatchWake = textChannel('cityops_dispatch_wake');

/** The timeline event of each step. */
const STEP_EVENTS = { remind: 'reminder', supervisor: 'supervisor_alerted', next_team: 'next_team_proposed', team_deleted: 'team_deleted' } as const satisfies Record<EscalationNotice['step'], string>;
/** The steps that need the supervisors (the command room's banners); a reminder is the team's. */
const SUPERVISOR_STEPS = ['supervisor', 'next_team', 'team_deleted'] as const satisfies readonly EscalationNotice['step'][];

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
      `SELECT id, incident_id FROM incident_assignments
       WHERE ended_at IS NULL AND (team_id IS NULL OR (arrived_at IS NULL AND ${STEP_INDEX_SQL} < cardinality(ladder) AND ${DUE_AT_SQL} <= clock_timestamp()))
       ORDER BY ${DUE_AT_SQL} LIMIT $1`,
      [limit],
    );
    let taken = 0;
    for (const { id, incident_id: incidentId } of due.rows) {
      // The incident first, as every change of an incident locks it (lockIncident) before its assignment:
      // the other order deadlocks with an operator resolving it. Held by someone now: next round.
      const incident = await tx.query(`SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE SKIP LOCKED`, [incidentId]);
      if (!incident.rowCount) continue;
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
async function notify(tx: Queryable, deps: IncidentDeps, step: Omit<EscalationNotice, 'id'>): Promise<void> {
  const id = await addIncidentEvent(tx, step.incidentId, escalator, {
    type: STEP_EVENTS[step.step],
    data: { assignmentId: step.assignment.id, teamId: step.assignment.teamId, teamName: step.assignment.teamName, deadline: step.deadline, dueAt: step.dueAt, ...(step.proposedTeam !== undefined ? { proposedTeam: step.proposedTeam } : {}) },
  });
  const notice: EscalationNotice = { id, ...step };
  await tx.query(`UPDATE incidents SET updated_at = now() WHERE id = $1`, [notice.incidentId]);
  await publishIncident(tx, deps.live, notice.incidentId);
  if (!deps.live) return;
  const rooms = notice.step === 'remind' && notice.assignment.teamId !== null ? [...liveRooms.staff(), liveRooms.team(notice.assignment.teamId)] : liveRooms.staff();
  await deps.live.publishIn(tx, rooms, 'incident:escalation', notice);
}

/**
 * The supervisors' escalations still needing attention (contract: OpenEscalations), so that a command
 * room opened after the live event still shows its banner. A field user gets only those of their teams.
 */
export async function openEscalations(db: Queryable, user: { id: number; role: string }): Promise<EscalationNotice[]> {
  // Active incidents are few: for each, its latest supervisor step (index incident_events (incident_id, id)).
  const result = await db.query(
    `SELECT e.id AS event_id, e.type AS event_type, e.data AS event_data, a.*
     FROM incidents i
     CROSS JOIN LATERAL (SELECT id, type, data FROM incident_events WHERE incident_id = i.id AND type = ANY($1) ORDER BY id DESC LIMIT 1) e
     JOIN incident_assignments a ON a.id = (e.data->>'assignmentId')::bigint
     WHERE i.state = ANY($2)
       AND CASE WHEN e.type = 'team_deleted'
         THEN NOT EXISTS (SELECT 1 FROM incident_assignments sent WHERE sent.incident_id = i.id AND sent.ended_at IS NULL)
         ELSE a.ended_at IS NULL AND a.arrived_at IS NULL AND (e.data->>'deadline' = 'arrive' OR a.acknowledged_at IS NULL) END
       AND ($3::bigint IS NULL OR a.team_id IN (SELECT team_id FROM team_members WHERE user_id = $3))
     ORDER BY e.id`,
    [SUPERVISOR_STEPS.map((step) => STEP_EVENTS[step]), ACTIVE_INCIDENT_STATES, user.role === 'field' ? user.id : null],
  );
  const stepOf = Object.fromEntries(Object.entries(STEP_EVENTS).map(([step, type]) => [type, step])) as Record<string, EscalationNotice['step']>;
  return result.rows.map((row) => {
    const data = row.event_data as { deadline?: EscalationNotice['deadline']; dueAt: string; proposedTeam?: EscalationNotice['proposedTeam'] };
    return {
      id: Number(row.event_id),
      step: stepOf[row.event_type],
      deadline: data.deadline ?? null,
      assignment: asAssignment(row),
      incidentId: Number(row.incident_id),
      dueAt: data.dueAt,
      ...(data.proposedTeam !== undefined ? { proposedTeam: data.proposedTeam } : {}),
    };
  });
}

/** How long until the soonest step of an active assignment falls due (by the database's clock), if any. */
async function msToNextStep(db: Queryable): Promise<number | null> {
  const result = await db.query(
    `SELECT EXTRACT(EPOCH FROM min(${DUE_AT_SQL}) - clock_timestamp()) * 1000 AS ms FROM incident_assignments
     WHERE ended_at IS NULL AND team_id IS NOT NULL AND arrived_at IS NULL AND ${STEP_INDEX_SQL} < cardinality(ladder)`,
  );
  return result.rows[0].ms === null ? null : Number(result.rows[0].ms);
}

/**
 * The api role's worker: at once at start, every `intervalMs`, when an assignment changes (dispatchWake)
 * and when the next step falls due.
 */
class EscalationWorker implements Component {
  readonly name = 'dispatch-escalation';
  private readonly poll: PeriodicTask<void>;
  private readonly listener: NotificationBus;
  private dueTimer?: NodeJS.Timeout;
  private again = false;
  private stopped = true;

  constructor(
    private readonly deps: IncidentDeps,
    logger: Logger,
    private readonly intervalMs: number,
  ) {
    this.poll = new PeriodicTask('dispatch-escalation', () => this.round(logger), logger, intervalMs, Math.min(1000, intervalMs));
    this.listener = new NotificationBus({ db: deps.db, logger, name: 'dispatch-escalation:listen', retryMaxMs: intervalMs }).on(dispatchWake, () => this.wake());
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    await this.poll.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.dueTimer);
    await this.listener.stop();
    await this.poll.stop();
  }

  /** A round now; one already running goes round once more (it may have read before the change committed). */
  private wake(): void {
    if (this.stopped) return;
    this.again = true;
    void this.poll.runOnce();
  }

  private async round(logger: Logger): Promise<void> {
    do {
      this.again = false;
      while ((await escalateDue({ ...this.deps, logger })) === 100);
      // A step due before the next poll gets its own timer. One due already (a further step of a long
      // overdue ladder, a row another process holds) is left to the poll: no busy loop.
      const ms = await msToNextStep(this.deps.db);
      clearTimeout(this.dueTimer);
      if (!this.stopped && ms !== null && ms > 0 && ms < this.intervalMs) {
        this.dueTimer = setTimeout(() => this.wake(), Math.ceil(ms) + 5);
        this.dueTimer.unref();
      }
    } while (this.again && !this.stopped);
  }
}

export function createEscalationWorker(deps: IncidentDeps, logger: Logger, intervalMs = 1000): Component {
  return new EscalationWorker(deps, logger, intervalMs);
}
