// The alerts a producer raises, in PostgreSQL: the one-statement raise and clear (upsert, snapshot, audit
// and event together), the delivery ids that make a resent raise a no-op, and the manual report's
// update of an open alert. raise.ts validates, counts and publishes; the SQL is here.
import type { Actor } from '../audit.ts';
import type { Queryable } from '../database/pool.ts';
import { liveRooms } from '../live/rooms.ts';
import type { ValidTrigger } from './trigger-schema.ts';
import type { AlertSeverity, AlertState, LocalisedText } from '@cityops/contract/alerts';
import type { AlertKey } from './types.ts';

// Where an alert happens unless its trigger says: the source device's registered position. A
// trigger for a device that is not registered matches no row here, so nothing is inserted.
const DEVICE_LOCATION: Record<AlertKey['sourceType'], string> = {
  camera: `SELECT lat, lon, district_id FROM cameras WHERE id = $4`,
  sensor: `SELECT lat, lon, district_id FROM sensors WHERE id = $4`,
  system: `SELECT NULL::double precision AS lat, NULL::double precision AS lon, NULL::text AS district_id`,
};

export interface RaiseFields {
  /** The event type of a new alert ('raised', or e.g. 'created' for a manual one). */
  createdType: string;
  /** The audit action of a new alert. */
  auditAction: string;
  createdBy: number | null;
  /** Keep the open alert's title and description (a manual report does not rewrite them). */
  keepOpenText: boolean;
  deliveryId: string | null;
}

export interface RaisedRow {
  id: string;
  created: boolean;
  severity: AlertSeverity;
  occurrences: number;
  event_row_id: string;
}

/**
 * One statement, so one round trip and one implicit transaction: the upsert, the snapshot, the audit row
 * (for a new alert), the alert event and the delivery id. No row: the device is not registered, or the
 * delivery id was seen before.
 */
export async function upsertRaisedAlert(db: Queryable, trigger: ValidTrigger, actor: Actor, fields: RaiseFields): Promise<RaisedRow | undefined> {
  const result = await db.query(
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
      fields.createdBy,
      trigger.evidence?.snapshotJpeg ?? null,
      actor.userId ?? null,
      actor.username,
      actor.sourceAddress ?? null,
      fields.createdType,
      JSON.stringify({ kind: trigger.kind, severity: trigger.severity, source: `${trigger.sourceType}:${trigger.sourceId}`, zoneId: trigger.zoneId }),
      liveRooms.staff(),
      fields.auditAction,
      fields.keepOpenText,
      fields.deliveryId,
    ],
  );
  return result.rows[0] as RaisedRow | undefined;
}

/** The alert a delivery id already raised, with its newest event; undefined when the id is new. */
export async function findDelivery(db: Queryable, deliveryId: string): Promise<{ id: string; severity: AlertSeverity; occurrences: number; event_row_id: string } | undefined> {
  const earlier = await db.query(
    `SELECT a.id, a.severity, a.occurrences, (SELECT max(e.id) FROM alert_events e WHERE e.alert_id = a.id) AS event_row_id
       FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.id = $1`,
    [deliveryId],
  );
  return earlier.rows[0];
}

/** Forgets delivery ids older than `retentionDays` (run by core/database/housekeeping.ts). */
export async function deleteDeliveriesOlderThan(db: Queryable, retentionDays: number): Promise<number> {
  const result = await db.query(`DELETE FROM alert_deliveries WHERE at < now() - make_interval(days => $1)`, [retentionDays]);
  return result.rowCount ?? 0;
}

export interface OpenAlertRow {
  id: string;
  severity: AlertSeverity;
  state: AlertState;
  assigned_team_id: string | null;
  occurrences: number;
}

/** The open alert of a situation, locked for update; undefined when none is open. */
export async function lockOpenAlert(tx: Queryable, key: AlertKey): Promise<OpenAlertRow | undefined> {
  const open = await tx.query(
    `SELECT id, severity, state, assigned_team_id, occurrences FROM alerts
      WHERE source_type = $1 AND source_id = $2 AND kind = $3 AND zone_id = $4 AND state IN ('new', 'acknowledged', 'assigned')
      FOR UPDATE`,
    [key.sourceType, key.sourceId, key.kind, key.zoneId],
  );
  return open.rows[0] as OpenAlertRow | undefined;
}

/** One more occurrence of an open alert, at `severity`. */
export async function recordOccurrence(tx: Queryable, alertId: number, severity: AlertSeverity): Promise<void> {
  await tx.query(`UPDATE alerts SET severity = $2, occurrences = occurrences + 1, last_seen_at = GREATEST(last_seen_at, now()) WHERE id = $1`, [alertId, severity]);
}

/** A note on an alert, tied to the event that carried it. */
export async function addAlertNote(tx: Queryable, alertId: number, eventRowId: number, actor: Actor, text: string): Promise<void> {
  await tx.query(`INSERT INTO alert_notes (alert_id, event_id, user_id, username, text) VALUES ($1, $2, $3, $4, $5)`, [
    alertId,
    eventRowId,
    actor.userId ?? null,
    actor.username,
    text,
  ]);
}

/**
 * One statement: marks the situation's open alert auto-cleared, audits it and records the event. The row
 * has event_row_id null when the alert was cleared already; no row when no alert is open.
 */
export async function clearOpenAlert(db: Queryable, key: AlertKey, reason: LocalisedText | undefined, username: string): Promise<{ id: string; event_row_id: string | null } | undefined> {
  const result = await db.query(
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
    [key.sourceType, key.sourceId, key.kind, key.zoneId, reason?.vi ?? null, reason?.en ?? null, username, JSON.stringify({ reason: reason?.en }), liveRooms.staff()],
  );
  return result.rows[0] as { id: string; event_row_id: string | null } | undefined;
}
