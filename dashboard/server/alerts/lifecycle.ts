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
import type { AlertEventMessage } from '@cityops/contract/alerts';
import { addAlertPhoto, findActionRequest, lockAlertForAction, recordActionRequest, stampsAlert, teamExists, writeAlertState } from './action-repository.ts';
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
  /** The client's Idempotency-Key: a second request with it replays the first one's event. */
  idempotencyKey?: string;
}

/** An action's event; `replayed` when it is the answer to an earlier request with the same key. */
export type AlertActionResult = AlertEventMessage & { replayed?: true };

const actions = counter('cityops_alert_actions_total', 'actions people took on alerts, by action and outcome', ['action', 'outcome']);

export async function actOnAlert(deps: AlertActionDeps, input: AlertActionInput): Promise<AlertActionResult> {
  const note = input.note?.trim() || undefined;
  if (note && note.length > deps.noteMaxChars) throw badRequest(`note is ${note.length} characters; at most ${deps.noteMaxChars}`, 'note');
  if ((input.action === 'note') && !note) throw badRequest('a note needs text', 'note');
  if (input.action === 'assign' && input.teamId === undefined) throw badRequest('name the team to assign the alert to', 'teamId');
  if (input.action === 'photo' && !input.photo) throw badRequest('attach the photo', 'photo');

  try {
    const { eventRowId, replayed } = await withTransaction(deps.db, async (tx) => {
      const current = await lockAlertForAction(tx, input.alertId);
      if (!current) throw notFound(`alert ${input.alertId}`);
      // Before the rules: a resend of an applied "resolve" must get its answer, not "already resolved".
      // The alert's row lock above serialises a resend racing its original on the same alert.
      const earlier = input.idempotencyKey ? await earlierRequest(tx, input) : undefined;
      if (earlier !== undefined) return { eventRowId: earlier, replayed: true };
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
        if (!(await teamExists(tx, input.teamId))) throw badRequest(`team ${input.teamId} does not exist`, 'teamId');
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
          ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        },
      });
      if (input.idempotencyKey) {
        await recordActionRequest(tx, {
          userId: input.user.id,
          idempotencyKey: input.idempotencyKey,
          alertId: input.alertId,
          action: input.action,
          eventRowId,
        });
      }
      return { eventRowId, replayed: false };
    });
    if (replayed) {
      actions.inc({ action: input.action, outcome: 'replayed' });
      return { ...(await committedAlertEvent(deps.db, eventRowId)), replayed: true };
    }
    actions.inc({ action: input.action, outcome: 'done' });
    const message = await committedAlertEvent(deps.db, eventRowId);
    copyToMqtt(deps.mqtt, message);
    return message;
  } catch (error) {
    // The same key used at once on two different alerts: the primary key refused the second.
    const reused = (error as { code?: string; constraint?: string }).code === '23505' && (error as { constraint?: string }).constraint === 'alert_action_requests_pkey';
    const refusal = reused ? keyReused() : error;
    actions.inc({ action: input.action, outcome: refusal instanceof AppError ? refusal.code : 'error' });
    throw refusal;
  }
}

const keyReused = () => new AppError('idempotency_key_reused', 'this Idempotency-Key was already used for another action; send a new key for a new action', 'idempotency-key');

/** The event row of an earlier request with the same key by the same user, if any. */
async function earlierRequest(tx: Queryable, input: AlertActionInput): Promise<number | undefined> {
  const earlier = await findActionRequest(tx, input.user.id, input.idempotencyKey);
  if (!earlier) return undefined;
  if (earlier.alertId !== input.alertId || earlier.action !== input.action) throw keyReused();
  return earlier.eventRowId;
}
