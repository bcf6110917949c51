// AlertRaiser for every producer (camera ingest, vision analytics, sensor rules, operators): one
// situation, one alert. The database enforces it: a partial unique index allows one open alert per
// (source, kind, zone), and raise() upserts against it, so any number of identical triggers from any
// number of processes end in one alert whose count, last-seen time and severity follow the triggers.
// The change is committed first; the live message leaves with the commit (sent by PostgreSQL, see
// migrations 0011 and 0012); the MQTT copy follows.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { recordAudit, systemActor, type Actor } from '../audit.ts';
import { withTransaction, type Database, type Queryable } from '../database/pool.ts';
import { AppError } from '../errors.ts';
import type { LivePublisher } from '../live/publisher.ts';
import { counter } from '../metrics.ts';
import { addAlertNote, clearOpenAlert, deleteDeliveriesOlderThan, findDelivery, lockOpenAlert, recordOccurrence, upsertRaisedAlert } from './alert-repository.ts';
import { committedAlertEvent, copyToMqtt, countAlertEvent, recordAlertChange } from './changes.ts';
import type { AlertEventMessage, AlertSeverity, LocalisedText } from '@cityops/contract/alerts';
import { alertKeySchema, alertTriggerSchema, localisedText, type ValidTrigger } from './trigger-schema.ts';
import type { AlertKey, AlertRaiser, AlertTrigger, RaisedAlert } from './types.ts';

export interface AlertRaiserDeps {
  db: Database;
  /** Not needed any more: PostgreSQL publishes alert changes at commit (migration 0011). Kept for callers. */
  live?: LivePublisher;
  /** When given, every change is copied to `cityops/alerts/{district}/{kind}`. */
  mqtt?: MqttClient;
}

const triggers = counter('cityops_alert_triggers_total', 'alert triggers received, by kind and outcome', ['kind', 'outcome']);
const rejectedTriggers = counter('cityops_alert_triggers_rejected_total', 'alert triggers refused, by reason', ['reason']);

export function createAlertRaiser(deps: AlertRaiserDeps): AlertRaiser {
  return {
    raise: (trigger, options) => raiseAlert(deps, trigger, actorForSource(trigger), { deliveryId: options?.deliveryId }),
    clear: (key, reason) => clearAlert(deps, key, reason),
  };
}

const actorForSource = (key: Pick<AlertKey, 'sourceType'>) => systemActor(`${key.sourceType}-rules`);

function validTrigger(trigger: AlertTrigger): ValidTrigger {
  const parsed = alertTriggerSchema.safeParse(trigger);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    rejectedTriggers.inc({ reason: 'invalid' });
    throw new AppError('invalid_trigger', `alert trigger ${field || ''}: ${issue.message}`.replace(' : ', ': '), field);
  }
  return parsed.data;
}

/**
 * Raises (creates or updates) the alert for the trigger's situation; `actor` is who raised it.
 * One statement, so one round trip and one implicit transaction: the upsert, the snapshot, the
 * audit row (for a new alert) and the alert event; PostgreSQL numbers and publishes the event as
 * it commits (migrations 0011, 0012). Only then is the event read back for the MQTT copy.
 */
export async function raiseAlert(
  deps: AlertRaiserDeps,
  input: AlertTrigger,
  actor: Actor,
  options: { createdBy?: number; eventType?: string; keepOpenText?: boolean; deliveryId?: string } = {},
): Promise<RaisedAlert & { message: AlertEventMessage }> {
  const trigger = validTrigger(input);
  const createdType = options.eventType ?? 'raised';
  const deliveryId = options.deliveryId ?? null;
  const row = await upsertRaisedAlert(deps.db, trigger, actor, {
    createdType,
    auditAction: options.eventType ?? 'raise',
    createdBy: options.createdBy ?? null,
    keepOpenText: options.keepOpenText ?? false,
    deliveryId,
  });
  if (!row && deliveryId) {
    const replayed = await earlierDelivery(deps, deliveryId);
    if (replayed) return replayed;
  }
  if (!row) {
    rejectedTriggers.inc({ reason: 'unknown_device' });
    throw new AppError('unknown_device', `no ${trigger.sourceType} "${trigger.sourceId}" is registered; register it before raising alerts for it`, 'sourceId');
  }
  countAlertEvent(row.created ? createdType : 'updated');
  triggers.inc({ kind: trigger.kind, outcome: row.created ? 'created' : 'updated' });
  const message = await committedAlertEvent(deps.db, Number(row.event_row_id));
  copyToMqtt(deps.mqtt, message, deps.db);
  return { alertId: Number(row.id), created: row.created, severity: row.severity, occurrences: Number(row.occurrences), message };
}

/** The alert a delivery id already raised, as it is now; undefined when the id is new. */
async function earlierDelivery(deps: AlertRaiserDeps, deliveryId: string): Promise<(RaisedAlert & { message: AlertEventMessage }) | undefined> {
  const row = await findDelivery(deps.db, deliveryId);
  if (!row) return undefined;
  triggers.inc({ kind: 'any', outcome: 'replayed' });
  const message = await committedAlertEvent(deps.db, Number(row.event_row_id));
  return { alertId: Number(row.id), created: false, severity: row.severity, occurrences: Number(row.occurrences), message };
}

/**
 * How long a delivery id (migration 0060) is recognised. The outbox (outbox.ts) deletes an entry's file
 * as soon as its raise committed, so a committed raise is sent again only when the process stopped
 * between the commit and the deletion, or the answer was lost: at the next delivery attempt, which
 * comes with the next start or within the retry backoff (30 s at most). Its files survive restarts and
 * outages without an age limit, so the window is a stopped machine's: a week, like the field outbox's
 * idempotency keys (core/database/housekeeping.ts). A resend after that counts as a new occurrence.
 */
export const ALERT_DELIVERY_RETENTION_DAYS = 7;

/** Forgets delivery ids older than the retention (run by core/database/housekeeping.ts). */
export function deleteExpiredAlertDeliveries(db: Queryable, retentionDays = ALERT_DELIVERY_RETENTION_DAYS): Promise<number> {
  return deleteDeliveriesOlderThan(db, retentionDays);
}

const SEVERITY_ORDER: AlertSeverity[] = ['info', 'minor', 'major', 'critical'];

/**
 * A manual alert by an operator. When it names a device whose situation already has an open alert, the
 * report never rewrites that alert (its title is what the people handling it know it by): the report
 * becomes a note on it, the severity can only rise, and both are audited (`manual_report`). Otherwise a
 * new alert is raised as usual.
 */
export async function raiseManualAlert(
  deps: AlertRaiserDeps,
  input: AlertTrigger,
  actor: Actor,
  createdBy: number,
): Promise<RaisedAlert & { message: AlertEventMessage }> {
  const trigger = validTrigger(input);
  if (trigger.sourceType !== 'system') {
    const reported = await withTransaction(deps.db, async (tx) => {
      const alert = await lockOpenAlert(tx, trigger);
      if (!alert) return undefined;
      const alertId = Number(alert.id);
      const severity = SEVERITY_ORDER.indexOf(trigger.severity) > SEVERITY_ORDER.indexOf(alert.severity) ? trigger.severity : alert.severity;
      await recordOccurrence(tx, alertId, severity);
      const note = manualReportNote(trigger);
      const teamId = alert.assigned_team_id === null ? null : Number(alert.assigned_team_id);
      const eventRowId = await recordAlertChange(tx, { alertId, type: 'manual_report', fromState: alert.state, toState: alert.state, teamId, actor, note });
      await addAlertNote(tx, alertId, eventRowId, actor, note);
      await recordAudit(tx, actor, {
        action: 'manual_report',
        entityType: 'alert',
        entityId: String(alertId),
        details: { severity: trigger.severity, previousSeverity: alert.severity, newSeverity: severity, title: trigger.title.en, eventRowId },
      });
      return { alertId, severity, occurrences: Number(alert.occurrences) + 1, eventRowId };
    });
    if (reported) {
      triggers.inc({ kind: trigger.kind, outcome: 'manual_report' });
      const message = await committedAlertEvent(deps.db, reported.eventRowId);
      copyToMqtt(deps.mqtt, message, deps.db);
      return { alertId: reported.alertId, created: false, severity: reported.severity, occurrences: reported.occurrences, message };
    }
  }
  // No open alert a moment ago: raise one. If another raise wins the race, keepOpenText still keeps its title.
  return raiseAlert(deps, trigger, actor, { createdBy, eventType: 'created', keepOpenText: true });
}

function manualReportNote(trigger: ValidTrigger): string {
  const text = (value: LocalisedText) => (value.vi === value.en ? value.vi : `${value.vi} / ${value.en}`);
  const description = trigger.description ? ` — ${text(trigger.description)}` : '';
  return `[${trigger.severity}] ${text(trigger.title)}${description}`.slice(0, 4000);
}

/** A manual alert by an operator: its own situation unless it names a device. */
export function manualTrigger(trigger: Omit<AlertTrigger, 'sourceType' | 'sourceId'> & Partial<Pick<AlertTrigger, 'sourceType' | 'sourceId'>>): AlertTrigger {
  if (trigger.sourceType && trigger.sourceType !== 'system' && trigger.sourceId) return trigger as AlertTrigger;
  return { ...trigger, sourceType: 'system', sourceId: `manual:${randomUUID()}` };
}

export async function clearAlert(deps: AlertRaiserDeps, input: AlertKey, reason?: LocalisedText): Promise<{ alertId: number } | undefined> {
  const keyCheck = alertKeySchema.safeParse(input);
  const reasonCheck = reason === undefined ? undefined : localisedText(500).safeParse(reason);
  if (!keyCheck.success || (reasonCheck && !reasonCheck.success)) {
    rejectedTriggers.inc({ reason: 'invalid' });
    const issue = (keyCheck.error ?? reasonCheck?.error)!.issues[0];
    throw new AppError('invalid_trigger', `alert clear ${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'));
  }
  const key = keyCheck.data;
  const actor = actorForSource(key);
  // One statement: mark, audit and record the change; PostgreSQL publishes it as it commits.
  const row = await clearOpenAlert(deps.db, key, reason, actor.username);
  if (!row) return undefined;
  if (row.event_row_id !== null) {
    countAlertEvent('auto_cleared');
    copyToMqtt(deps.mqtt, await committedAlertEvent(deps.db, Number(row.event_row_id)), deps.db);
  }
  return { alertId: Number(row.id) };
}
