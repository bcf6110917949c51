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
import { liveRooms } from '../live/rooms.ts';
import { committedAlertEvent, copyToMqtt, countAlertEvent, recordAlertChange } from './changes.ts';
import type { AlertEventMessage, AlertSeverity, AlertState, LocalisedText } from '@cityops/contract/alerts';
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

// Where an alert happens unless its trigger says: the source device's registered position. A
// trigger for a device that is not registered matches no row here, so nothing is inserted.
const DEVICE_LOCATION: Record<AlertKey['sourceType'], string> = {
  camera: `SELECT lat, lon, district_id FROM cameras WHERE id = $4`,
  sensor: `SELECT lat, lon, district_id FROM sensors WHERE id = $4`,
  system: `SELECT NULL::double precision AS lat, NULL::double precision AS lon, NULL::text AS district_id`,
};

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
  const result = await deps.db.query(
    `WITH device AS (
       SELECT * FROM (${DEVICE_LOCATION[trigger.sourceType]}) AS located
       -- A resent outbox entry raises nothing (see migration 0060).
       WHERE NOT EXISTS (SELECT 1 FROM alert_deliveries WHERE id = $25::uuid)),
     upserted AS (
       INSERT INTO alerts (kind, severity, source_type, source_id, zone_id, title_vi, title_en, description_vi, description_en,
                           lat, lon, district_id, evidence, first_seen_at, last_seen_at, created_by)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, device.lat), COALESCE($11, device.lon),
              COALESCE($12, device.district_id), $13, $14, $14, $15
       FROM device
       ON CONFLICT (source_type, source_id, kind, zone_id) WHERE state IN ('new', 'acknowledged', 'assigned')
       DO UPDATE SET
         occurrences = alerts.occurrences + 1,
         last_seen_at = GREATEST(alerts.last_seen_at, EXCLUDED.last_seen_at),
         -- Escalate, never de-escalate: a milder trigger does not hide a worse one still open.
         severity = CASE WHEN array_position(ARRAY['info', 'minor', 'major', 'critical'], EXCLUDED.severity)
                              > array_position(ARRAY['info', 'minor', 'major', 'critical'], alerts.severity)
                         THEN EXCLUDED.severity ELSE alerts.severity END,
         title_vi = CASE WHEN $24 THEN alerts.title_vi ELSE EXCLUDED.title_vi END,
         title_en = CASE WHEN $24 THEN alerts.title_en ELSE EXCLUDED.title_en END,
         description_vi = CASE WHEN $24 THEN alerts.description_vi ELSE EXCLUDED.description_vi END,
         description_en = CASE WHEN $24 THEN alerts.description_en ELSE EXCLUDED.description_en END,
         evidence = CASE WHEN EXCLUDED.evidence = '{}'::jsonb THEN alerts.evidence ELSE EXCLUDED.evidence END,
         auto_cleared_at = NULL, auto_cleared_reason_vi = NULL, auto_cleared_reason_en = NULL
       RETURNING id, (xmax = 0) AS created, severity, occurrences, state, assigned_team_id),
     snapshot AS (
       INSERT INTO alert_media (alert_id, kind, content_type, bytes)
       SELECT id, 'snapshot', 'image/jpeg', $16::bytea FROM upserted WHERE $16::bytea IS NOT NULL
       ON CONFLICT (alert_id) WHERE kind = 'snapshot' DO UPDATE SET bytes = EXCLUDED.bytes, at = now()),
     -- The same row core/audit.ts recordAudit writes: creating an alert is a transition.
     audited AS (
       INSERT INTO audit_log (user_id, username, source_address, action, entity_type, entity_id, details)
       SELECT $17, $18, $19, $23, 'alert', id::text, $21 FROM upserted WHERE created),
     event AS (
       INSERT INTO alert_events (alert_id, type, from_state, to_state, user_id, username, team_id, alert, live_rooms)
       SELECT id, CASE WHEN created THEN $20 ELSE 'updated' END, CASE WHEN created THEN NULL ELSE state END, state, $17, $18,
              assigned_team_id, '{}', $22::text[] || CASE WHEN assigned_team_id IS NULL THEN '{}'::text[] ELSE ARRAY['team:' || assigned_team_id] END
       FROM upserted RETURNING id),
     delivered AS (INSERT INTO alert_deliveries (id, alert_id) SELECT $25::uuid, id FROM upserted WHERE $25::uuid IS NOT NULL)
     SELECT upserted.id, upserted.created, upserted.severity, upserted.occurrences, event.id AS event_row_id FROM upserted, event`,
    [
      trigger.kind,
      trigger.severity,
      trigger.sourceType,
      trigger.sourceId,
      trigger.zoneId,
      trigger.title.vi,
      trigger.title.en,
      trigger.description?.vi ?? '',
      trigger.description?.en ?? '',
      trigger.lat ?? null,
      trigger.lon ?? null,
      trigger.districtId ?? null,
      JSON.stringify(trigger.evidence?.data ?? {}),
      trigger.observedAt ?? new Date(),
      options.createdBy ?? null,
      trigger.evidence?.snapshotJpeg ?? null,
      actor.userId ?? null,
      actor.username,
      actor.sourceAddress ?? null,
      createdType,
      JSON.stringify({ kind: trigger.kind, severity: trigger.severity, source: `${trigger.sourceType}:${trigger.sourceId}`, zoneId: trigger.zoneId }),
      liveRooms.staff(),
      options.eventType ?? 'raise',
      options.keepOpenText ?? false,
      deliveryId,
    ],
  );
  if (!result.rowCount && deliveryId) {
    const replayed = await earlierDelivery(deps, deliveryId);
    if (replayed) return replayed;
  }
  if (!result.rowCount) {
    rejectedTriggers.inc({ reason: 'unknown_device' });
    throw new AppError('unknown_device', `no ${trigger.sourceType} "${trigger.sourceId}" is registered; register it before raising alerts for it`, 'sourceId');
  }
  const row = result.rows[0] as { id: string; created: boolean; severity: AlertSeverity; occurrences: number; event_row_id: string };
  countAlertEvent(row.created ? createdType : 'updated');
  triggers.inc({ kind: trigger.kind, outcome: row.created ? 'created' : 'updated' });
  const message = await committedAlertEvent(deps.db, Number(row.event_row_id));
  copyToMqtt(deps.mqtt, message);
  return { alertId: Number(row.id), created: row.created, severity: row.severity, occurrences: Number(row.occurrences), message };
}

/** The alert a delivery id already raised, as it is now; undefined when the id is new. */
async function earlierDelivery(deps: AlertRaiserDeps, deliveryId: string): Promise<(RaisedAlert & { message: AlertEventMessage }) | undefined> {
  const earlier = await deps.db.query(
    `SELECT a.id, a.severity, a.occurrences, (SELECT max(e.id) FROM alert_events e WHERE e.alert_id = a.id) AS event_row_id
       FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.id = $1`,
    [deliveryId],
  );
  if (!earlier.rowCount) return undefined;
  const row = earlier.rows[0] as { id: string; severity: AlertSeverity; occurrences: number; event_row_id: string };
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
export async function deleteExpiredAlertDeliveries(db: Queryable, retentionDays = ALERT_DELIVERY_RETENTION_DAYS): Promise<number> {
  const result = await db.query(`DELETE FROM alert_deliveries WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
  return result.rowCount ?? 0;
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
      const open = await tx.query(
        `SELECT id, severity, state, assigned_team_id, occurrences FROM alerts
          WHERE source_type = $1 AND source_id = $2 AND kind = $3 AND zone_id = $4 AND state IN ('new', 'acknowledged', 'assigned')
          FOR UPDATE`,
        [trigger.sourceType, trigger.sourceId, trigger.kind, trigger.zoneId],
      );
      if (!open.rowCount) return undefined;
      const alert = open.rows[0] as { id: string; severity: AlertSeverity; state: AlertState; assigned_team_id: string | null; occurrences: number };
      const alertId = Number(alert.id);
      const severity = SEVERITY_ORDER.indexOf(trigger.severity) > SEVERITY_ORDER.indexOf(alert.severity) ? trigger.severity : alert.severity;
      await tx.query(`UPDATE alerts SET severity = $2, occurrences = occurrences + 1, last_seen_at = GREATEST(last_seen_at, now()) WHERE id = $1`, [alertId, severity]);
      const note = manualReportNote(trigger);
      const teamId = alert.assigned_team_id === null ? null : Number(alert.assigned_team_id);
      const eventRowId = await recordAlertChange(tx, { alertId, type: 'manual_report', fromState: alert.state, toState: alert.state, teamId, actor, note });
      await tx.query(`INSERT INTO alert_notes (alert_id, event_id, user_id, username, text) VALUES ($1, $2, $3, $4, $5)`, [
        alertId,
        eventRowId,
        actor.userId ?? null,
        actor.username,
        note,
      ]);
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
      copyToMqtt(deps.mqtt, message);
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
  const result = await deps.db.query(
    `WITH cleared AS (
       UPDATE alerts SET auto_cleared_at = now(), auto_cleared_reason_vi = $5, auto_cleared_reason_en = $6
       WHERE source_type = $1 AND source_id = $2 AND kind = $3 AND zone_id = $4
         AND state IN ('new', 'acknowledged', 'assigned') AND auto_cleared_at IS NULL
       RETURNING id, state, assigned_team_id),
     audited AS (
       INSERT INTO audit_log (username, action, entity_type, entity_id, details)
       SELECT $7, 'auto_clear', 'alert', id::text, $8 FROM cleared),
     event AS (
       INSERT INTO alert_events (alert_id, type, from_state, to_state, username, team_id, alert, live_rooms)
       SELECT id, 'auto_cleared', state, state, $7, assigned_team_id, '{}',
              $9::text[] || CASE WHEN assigned_team_id IS NULL THEN '{}'::text[] ELSE ARRAY['team:' || assigned_team_id] END
       FROM cleared RETURNING id)
     SELECT cleared.id, event.id AS event_row_id FROM cleared, event
     UNION ALL
     -- Already cleared (producers may report "condition ended" repeatedly): nothing new to record.
     SELECT id, NULL FROM alerts
     WHERE source_type = $1 AND source_id = $2 AND kind = $3 AND zone_id = $4
       AND state IN ('new', 'acknowledged', 'assigned') AND auto_cleared_at IS NOT NULL`,
    [key.sourceType, key.sourceId, key.kind, key.zoneId, reason?.vi ?? null, reason?.en ?? null, actor.username, JSON.stringify({ reason: reason?.en }), liveRooms.staff()],
  );
  const row = result.rows[0] as { id: string; event_row_id: string | null } | undefined;
  if (!row) return undefined;
  if (row.event_row_id !== null) {
    countAlertEvent('auto_cleared');
    copyToMqtt(deps.mqtt, await committedAlertEvent(deps.db, Number(row.event_row_id)));
  }
  return { alertId: Number(row.id) };
}
