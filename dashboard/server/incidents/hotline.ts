// A phone call to the command room (113 police, 114 fire and rescue, 115 ambulance, 1022 city hotline):
// logged with what was said and where, and attached to an incident, a new one or the one the operator
// chose among the nearby incidents the form showed (so a second call about one fire joins the first).
import { recordAudit, type Actor } from '@cityops/core/audit';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import { AppError } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import type { AlertSeverity } from '@cityops/contract/alerts';
import { ACTIVE_INCIDENT_STATES, type HotlineCallView, type HotlineLine, type IncidentKind, type IncidentView } from '@cityops/contract/incidents';
import { checkPlace, type IncidentDeps, type PlaceInput } from './lifecycle.ts';
import { publishIncident } from './live.ts';
import { addIncidentEvent, getCall, getIncident, insertCall, insertIncident, lockIncident, touchIncident } from './repository.ts';
import { once, type IdempotentRequest, type Replayable } from '../idempotency.ts';

const calls = counter('cityops_hotline_calls_total', 'hotline calls logged, by line and outcome', ['line', 'outcome']);

/** How bad a situation of each kind is when a caller first reports it (the operator can change it). */
export const CALL_SEVERITY: Record<IncidentKind, AlertSeverity> = {
  fire: 'critical',
  traffic_accident: 'major',
  flooding: 'major',
  public_order: 'major',
  stalled_vehicle: 'minor',
  crowd: 'minor',
  infrastructure_fault: 'minor',
  other: 'minor',
};

export interface CallInput extends PlaceInput {
  line: HotlineLine;
  callerName?: string;
  callerNumber?: string;
  kind: IncidentKind;
  said: string;
  severity?: AlertSeverity;
  /** The nearby incident this call is about; absent: a new incident. */
  incidentId?: number;
}

export type LoggedCall = { call: HotlineCallView; incident: IncidentView; joined: boolean };

export async function logCall(deps: IncidentDeps, actor: Actor, input: CallInput, idempotency?: IdempotentRequest): Promise<Replayable<LoggedCall>> {
  try {
    const outcome = await withTransaction(deps.db, async (tx): Promise<Replayable<LoggedCall>> => {
      // A resend is answered from the ids the first request recorded, read again: the caller's number
      // (personal data) is not copied into the key's record.
      const logged = await once(tx, idempotency, () => recordCall(tx, deps, actor, input));
      const { callId, joined } = logged.answer;
      // Read again by the call: merged or split since, it answers with the incident that holds it now.
      const call = await getCall(tx, callId);
      return { answer: { call, incident: await getIncident(tx, call.incidentId), joined }, replayed: logged.replayed };
    });
    calls.inc({ line: input.line, outcome: outcome.replayed ? 'replayed' : outcome.answer.joined ? 'joined' : 'opened' });
    return outcome;
  } catch (error) {
    calls.inc({ line: input.line, outcome: error instanceof AppError ? error.code : 'error' });
    throw error;
  }
}

/** Logs the call on a new incident or the one it joins; answers with the ids. */
async function recordCall(tx: Queryable, deps: IncidentDeps, actor: Actor, input: CallInput): Promise<{ callId: number; incidentId: number; joined: boolean }> {
  const place = await checkPlace(tx, input);
  let incidentId = input.incidentId;
  const joined = incidentId !== undefined;
  if (incidentId !== undefined) {
    const incident = await lockIncident(tx, incidentId);
    if (!ACTIVE_INCIDENT_STATES.includes(incident.state)) {
      const where = incident.mergedIntoId ? `; it was merged into incident ${incident.mergedIntoId}` : '';
      throw new AppError('invalid_transition', `incident ${incidentId} is ${incident.state.replace('_', ' ')}${where}: join an active incident or open a new one`, 'incidentId');
    }
    await touchIncident(tx, incidentId, { sourceAt: new Date(), severity: input.severity });
  } else {
    incidentId = await insertIncident(tx, { kind: input.kind, kindSetBy: 'person', severity: input.severity ?? CALL_SEVERITY[input.kind], ...place, createdBy: actor.userId });
    await addIncidentEvent(tx, incidentId, actor, { type: 'opened', data: { by: 'call', line: input.line } });
  }
  const call = await insertCall(
    tx,
    { incidentId, line: input.line, callerName: input.callerName?.trim() || undefined, callerNumber: input.callerNumber?.trim() || undefined, kind: input.kind, said: input.said.trim(), ...place },
    actor,
  );
  await addIncidentEvent(tx, incidentId, actor, { type: 'call', note: call.said, data: { callId: call.id, line: call.line, kind: call.kind } });
  // The caller's number is personal data: the audit row says a number was given, not which.
  await recordAudit(tx, actor, {
    action: joined ? 'log_call_joined' : 'log_call',
    entityType: 'incident',
    entityId: String(incidentId),
    details: { callId: call.id, line: call.line, kind: call.kind, callerNumberGiven: call.callerNumber !== null },
  });
  await publishIncident(tx, deps.live, incidentId);
  return { callId: call.id, incidentId, joined };
}
