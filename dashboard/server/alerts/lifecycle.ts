// What people do with an alert: acknowledge, assign to a field team, resolve, close, add a note or a
// photo. Each action is checked against the lifecycle rules (transitions.ts) and the user's teams,
// then applied, audited and numbered as an alert event in one transaction.
import type { MqttClient } from 'mqtt';
import { recordAudit, type Actor } from '@cityops/core/audit';
import type { UserRole } from '@cityops/contract/roles';
import { withTransaction, type Database, type Queryable } from '@cityops/core/database/pool';
import { AppError, badRequest, forbidden, notFound } from '@cityops/core/errors';
import { counter } from '@cityops/core/metrics';
import { committedAlertEvent, copyToMqtt, recordAlertChange } from '@cityops/core/alerts/changes';
import { addAlertNote } from '@cityops/core/alerts/alert-repository';
import type { AlertEventMessage, AlertState, FalseAlarmReason } from '@cityops/contract/alerts';
import { addAlertPhoto, lockAlertForAction, markFalseAlarm, stampsAlert, teamExists, writeAlertState } from './action-repository.ts';
import { once, type IdempotentRequest } from '../idempotency.ts';
import { decideTransition, type AlertAction } from './transitions.ts';
import { teamsOfUser } from './teams.ts';

export interface AlertActionDeps {
  db: Database;
  mqtt?: MqttClient;
  noteMaxChars: number;
}

export interface AlertPhoto {
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
}

export interface AlertActionInput {
  alertId: number;
  action: AlertAction;
  user: { id: number; role: UserRole };
  actor: Actor;
  note?: string;
  /** assign: the team that takes the alert. */
  teamId?: number;
  /** photo: the checked image. */
  photo?: AlertPhoto;
  /** resolve: the operator judged it a false alarm, for this reason (engineers tune the rules from these). */
  falseAlarmReason?: FalseAlarmReason;
  /** The client's Idempotency-Key and request: a second request with it replays the first one's event. */
  idempotency?: IdempotentRequest;
}

/** An action's event; `replayed` when it is the answer to an earlier request with the same key. */
export type AlertActionResult = AlertEventMessage & { replayed?: true };

const actions = counter('cityops_alert_actions_total', 'actions people took on alerts, by action and outcome', ['action', 'outcome']);

export async function actOnAlert(deps: AlertActionDeps, input: AlertActionInput): Promise<AlertActionResult> {
  const note = input.note?.trim() || undefined;
  if (note && note.length > deps.noteMaxChars) throw badRequest(`note is ${note.length} characters; at most ${deps.noteMaxChars}`, 'note', { reason: 'too_big', params: { origin: 'string', maximum: deps.noteMaxChars } });
  if ((input.action === 'note') && !note) throw badRequest('a note needs text', 'note', { reason: 'note_required' });
  if (input.action === 'assign' && input.teamId === undefined) throw badRequest('name the team to assign the alert to', 'teamId', { reason: 'team_required' });
  if (input.action === 'photo' && !input.photo) throw badRequest('attach the photo', 'photo', { reason: 'photo_required' });
  if (input.falseAlarmReason && input.action !== 'resolve') throw badRequest('only resolving an alert can call it a false alarm', 'falseAlarm', { reason: 'false_alarm_needs_resolve' });

  try {
    const { eventRowId, replayed } = await withTransaction(deps.db, async (tx) => {
      const current = await lockAlertForAction(tx, input.alertId);
      if (!current) throw notFound('alert', input.alertId);
      // Before the rules: a resend of an applied "resolve" must get its answer, not "already resolved".
      const done = await once(tx, input.idempotency, async () => ({ eventRowId: await applyAction(tx, input, current, note) }));
      return { eventRowId: done.answer.eventRowId, replayed: done.replayed };
    });
    if (replayed) {
      actions.inc({ action: input.action, outcome: 'replayed' });
      return { ...(await committedAlertEvent(deps.db, eventRowId)), replayed: true };
    }
    actions.inc({ action: input.action, outcome: 'done' });
    const message = await committedAlertEvent(deps.db, eventRowId);
    copyToMqtt(deps.mqtt, message, deps.db);
    return message;
  } catch (error) {
    actions.inc({ action: input.action, outcome: error instanceof AppError ? error.code : 'error' });
    throw error;
  }
}

/** Checks the action against the rules and the user's teams, applies and audits it; returns its event row. */
async function applyAction(tx: Queryable, input: AlertActionInput, current: { state: AlertState; assignedTeamId: number | null }, note: string | undefined): Promise<number> {
  const { state, assignedTeamId } = current;

  const asFieldTeam = input.user.role === 'field';
  if (asFieldTeam) {
    const teams = (await teamsOfUser(tx, input.user.id)).map((team) => team.teamId);
    if (assignedTeamId === null || !teams.includes(assignedTeamId)) throw forbidden(`alert ${input.alertId} is not assigned to your team`);
  }
  const outcome = decideTransition({ action: input.action, state, asFieldTeam });
  if (!outcome.allowed) throw new AppError('invalid_transition', outcome.reason, 'state');

  let newTeamId = assignedTeamId;
  if (input.action === 'assign') {
    if (!(await teamExists(tx, input.teamId))) throw badRequest(`team ${input.teamId} does not exist`, 'teamId', { reason: 'does_not_exist', params: { what: 'team', id: input.teamId ?? '' } });
    newTeamId = input.teamId!;
  }
  if (outcome.toState !== state || stampsAlert(outcome.eventType) || newTeamId !== assignedTeamId) {
    await writeAlertState(tx, input.alertId, outcome.eventType, outcome.toState, newTeamId);
  }

  const eventRowId = await recordAlertChange(tx, {
    alertId: input.alertId,
    type: outcome.eventType,
    fromState: state,
    toState: outcome.toState,
    teamId: newTeamId,
    actor: input.actor,
    note,
    previousTeamId: newTeamId !== assignedTeamId ? assignedTeamId : undefined,
  });
  let photoId: number | undefined;
  if (input.photo) {
    photoId = await addAlertPhoto(tx, input.alertId, input.photo, input.actor);
  }
  if (input.falseAlarmReason) await markFalseAlarm(tx, input.alertId, input.falseAlarmReason);
  if (note) {
    await addAlertNote(tx, input.alertId, eventRowId, input.actor, note);
  }
  await recordAudit(tx, input.actor, {
    action: input.action === 'acknowledge' && asFieldTeam ? 'team_acknowledge' : input.action,
    entityType: 'alert',
    entityId: String(input.alertId),
    details: {
      fromState: state,
      toState: outcome.toState,
      eventRowId,
      ...(newTeamId !== assignedTeamId ? { teamId: newTeamId, previousTeamId: assignedTeamId } : {}),
      ...(note ? { noteChars: note.length } : {}),
      ...(photoId ? { photoId } : {}),
      ...(input.falseAlarmReason ? { falseAlarm: input.falseAlarmReason } : {}),
      ...(input.idempotency ? { idempotencyKey: input.idempotency.key } : {}),
    },
  });
  return eventRowId;
}
