// Every change of an alert is a row in alert_events written in the transaction that made it, with
// the rooms that may see it (recordAlertChange; raise.ts writes its own in the same statement as the
// alert). When the
// transaction commits, PostgreSQL numbers the change in commit order (alert_events.position, the
// public eventId and the live clients' resync cursor) and sends the live messages (migration 0011).
// After the commit, the writer reads the numbered event back (committedAlertEvent) and sends the
// MQTT copy for other city systems (copyToMqtt).
import type { MqttClient } from 'mqtt';
import type { Actor } from '../audit.ts';
import type { Queryable } from '../database/pool.ts';
import { liveRooms } from '../live/rooms.ts';
import { counter } from '../metrics.ts';
import { districtNames } from './district-names.ts';
import type { AlertEventMessage, AlertState, AlertView } from '@cityops/contract/alerts';
import { alertCopyTopic } from '@cityops/contract/mqtt-topics';

export interface AlertChange {
  alertId: number;
  type: string;
  fromState: AlertState | null;
  /** State and team after the change. */
  toState: AlertState;
  teamId: number | null;
  actor: Actor;
  note?: string;
  /** The team the alert was assigned to before this change, when it changed. */
  previousTeamId?: number | null;
}

const alertEvents = counter('cityops_alert_events_total', 'alert changes recorded (published live at commit), by type', ['type']);
const mqttCopies = counter('cityops_alert_mqtt_copies_total', 'alert changes copied to MQTT, by outcome', ['outcome']);

/** Rooms that may see an alert: the command room, and the field team it is assigned to. */
export function alertRooms(teamId: number | null): string[] {
  const rooms = liveRooms.staff();
  if (teamId !== null) rooms.push(liveRooms.team(teamId));
  return rooms;
}

/**
 * Records the change in the caller's transaction; returns the event row's internal id. Its
 * eventId, the view it carries and its live delivery come at commit (migrations 0011, 0012).
 */
export async function recordAlertChange(tx: Queryable, change: AlertChange): Promise<number> {
  const inserted = await tx.query(
    `INSERT INTO alert_events (alert_id, type, from_state, to_state, user_id, username, note, team_id, previous_team_id, alert, live_rooms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{}', $10) RETURNING id`,
    [
      change.alertId,
      change.type,
      change.fromState,
      change.toState,
      change.actor.userId ?? null,
      change.actor.username,
      change.note ?? null,
      change.teamId,
      change.previousTeamId ?? null,
      alertRooms(change.teamId),
    ],
  );
  countAlertEvent(change.type);
  return Number(inserted.rows[0].id);
}

export const countAlertEvent = (type: string) => alertEvents.inc({ type });

/** The columns eventMessageFromRow reads, from alert_events. */
export const EVENT_MESSAGE_COLUMNS = `position, type, at, username, note, alert`;

export function eventMessageFromRow(row: Record<string, unknown>): AlertEventMessage {
  return {
    eventId: Number(row.position),
    type: String(row.type),
    at: (row.at as Date).toISOString(),
    actor: { username: String(row.username) },
    ...(row.note ? { note: String(row.note) } : {}),
    alert: row.alert as AlertView,
  };
}

/** The event as clients received it, read back after the commit that numbered it. */
export async function committedAlertEvent(db: Queryable, eventRowId: number): Promise<AlertEventMessage> {
  const result = await db.query(`SELECT ${EVENT_MESSAGE_COLUMNS} FROM alert_events WHERE id = $1`, [eventRowId]);
  return eventMessageFromRow(result.rows[0]);
}

/**
 * The copy other city systems read: `cityops/alerts/{district}/{kind}` ('none' without a district),
 * QoS 1, JSON `{ eventId, type, at, alert, district }` where `district` carries the names people use
 * (`{ id, name, nameEn }`, null without a district). Sent after the commit and not awaited: the alert
 * is already safe in PostgreSQL, and a broker outage must not hold up the producer (mqtt.js queues the
 * message until it reconnects). Outcomes are counted.
 */
export function copyToMqtt(mqtt: MqttClient | undefined, message: AlertEventMessage, db?: Queryable): void {
  if (!mqtt) return;
  // One queue per process: a copy waiting for the district's names never overtakes, nor is overtaken.
  copyQueue = copyQueue.then(async () => {
    // Without its names (the database is out) the copy still goes: the id is in the alert.
    const district = db ? await districtNames(db, message.alert.districtId).catch(() => undefined) : undefined;
    const payload = JSON.stringify({ eventId: message.eventId, type: message.type, at: message.at, alert: message.alert, ...(district !== undefined ? { district } : {}) });
    mqtt.publishAsync(alertCopyTopic(message.alert), payload, { qos: 1 }).then(
      () => mqttCopies.inc({ outcome: 'sent' }),
      () => mqttCopies.inc({ outcome: 'failed' }),
    );
  }).catch(() => mqttCopies.inc({ outcome: 'failed' })); // a copy that could not be made never stops the queue
}

let copyQueue: Promise<void> = Promise.resolve();
