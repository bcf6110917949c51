// Reading alerts: lists with filters and keyset pagination, detail with history, images, what a CAP
// message needs, and the live snapshot and replay. Writes live in core/alerts/raise.ts (producers)
// and lifecycle.ts (people).
import { withTransaction, type Database, type Queryable } from '@cityops/core/database/pool';
import { notFound } from '@cityops/core/errors';
import { EVENT_MESSAGE_COLUMNS, eventMessageFromRow } from '@cityops/core/alerts/changes';
import type { AlertEventMessage, AlertKind, AlertRemovedMessage, AlertSeverity, AlertState, AlertsSync, AlertView, FalseAlarmReason } from '@cityops/contract/alerts';
import { getDistrict } from '@cityops/devices/district-repository';
import type { CapContext } from './cap.ts';
import type { AlertScope } from './visibility.ts';

/**
 * SELECT expression giving the view as JSON (column `view`); `a` is the alerts alias. The view is
 * built by the SQL function alert_view (migration 0012), the one definition used by REST, live
 * events, replays and MQTT copies alike.
 */
const ALERT_VIEW = 'alert_view(a) AS view';

const alertViewOf = (row: Record<string, unknown>) => row.view as AlertView;

export interface AlertFilter {
  states?: AlertState[];
  kinds?: AlertKind[];
  severities?: AlertSeverity[];
  districtIds?: string[];
  teamId?: number;
  /** first_seen_at window, inclusive from, exclusive to. */
  from?: Date;
  to?: Date;
  /** Keyset pagination: alerts with an id below this one (the previous page's `nextBefore`). */
  before?: number;
  limit?: number;
}

/** WHERE clause and parameters for a filter and a scope; `a` is the alerts alias. */
function whereOf(filter: AlertFilter, scope: AlertScope): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.states?.length) add('a.state = ANY(?)', filter.states);
  if (filter.kinds?.length) add('a.kind = ANY(?)', filter.kinds);
  if (filter.severities?.length) add('a.severity = ANY(?)', filter.severities);
  if (filter.districtIds?.length) add('a.district_id = ANY(?)', filter.districtIds);
  if (filter.teamId !== undefined) add('a.assigned_team_id = ?', filter.teamId);
  if (filter.from) add('a.first_seen_at >= ?', filter.from);
  if (filter.to) add('a.first_seen_at < ?', filter.to);
  if (filter.before !== undefined) add('a.id < ?', filter.before);
  if (scope !== null) add('a.assigned_team_id = ANY(?::bigint[])', scope);
  return { sql: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

export async function listAlerts(db: Queryable, filter: AlertFilter, scope: AlertScope): Promise<{ alerts: AlertView[]; nextBefore: number | null }> {
  const limit = filter.limit ?? 100;
  const where = whereOf(filter, scope);
  const result = await db.query(`SELECT ${ALERT_VIEW} FROM alerts a ${where.sql} ORDER BY a.id DESC LIMIT ${limit + 1}`, where.params);
  const alerts = result.rows.slice(0, limit).map(alertViewOf);
  return { alerts, nextBefore: result.rows.length > limit ? alerts[alerts.length - 1].id : null };
}

/** Every matching alert in id order, in batches: for the CSV export, whatever its size. */
export async function* allAlerts(db: Queryable, filter: Omit<AlertFilter, 'before' | 'limit'>, scope: AlertScope): AsyncGenerator<Record<string, unknown>> {
  let after = 0;
  for (;;) {
    const where = whereOf({ ...filter }, scope);
    where.params.push(after);
    const condition = `${where.sql ? `${where.sql} AND` : 'WHERE'} a.id > $${where.params.length}`;
    const rows = (
      await db.query(
        `SELECT a.*, t.name AS team_name, d.name AS district_name, COALESCE(d.name_en, d.name) AS district_name_en
           FROM alerts a LEFT JOIN teams t ON t.id = a.assigned_team_id LEFT JOIN districts d ON d.id = a.district_id
           ${condition} ORDER BY a.id LIMIT 1000`,
        where.params,
      )
    ).rows;
    for (const row of rows) yield row;
    if (rows.length < 1000) return;
    after = Number(rows[rows.length - 1].id);
  }
}

export async function getAlert(db: Queryable, id: number): Promise<AlertView> {
  const result = await db.query(`SELECT ${ALERT_VIEW} FROM alerts a WHERE a.id = $1`, [id]);
  if (!result.rowCount) throw notFound('alert', id);
  return alertViewOf(result.rows[0]);
}

export interface AlertHistoryEntry {
  eventId: number;
  at: string;
  type: string;
  fromState: AlertState | null;
  toState: AlertState;
  username: string;
  note: string | null;
  teamId: number | null;
}

export interface AlertDetail extends AlertView {
  evidence: Record<string, unknown>;
  falseAlarmReason: FalseAlarmReason | null;
  history: AlertHistoryEntry[];
  notes: { id: number; at: string; username: string; text: string }[];
  photos: { id: number; at: string; username: string | null; contentType: string; width: number | null; height: number | null }[];
}

export async function getAlertDetail(db: Queryable, id: number): Promise<AlertDetail> {
  const alert = await getAlert(db, id);
  const [evidence, history, notes, photos] = await Promise.all([
    db.query(`SELECT evidence, false_alarm_reason FROM alerts WHERE id = $1`, [id]),
    // State changes and notes; plain repeats of the trigger are summed up in `occurrences`.
    db.query(
      `SELECT position AS "eventId", at, type, from_state AS "fromState", to_state AS "toState", username, note, team_id AS "teamId"
       FROM alert_events WHERE alert_id = $1 AND type <> 'updated' ORDER BY position`,
      [id],
    ),
    db.query(`SELECT id, at, username, text FROM alert_notes WHERE alert_id = $1 ORDER BY id`, [id]),
    db.query(
      `SELECT id, at, username, content_type AS "contentType", width, height FROM alert_media WHERE alert_id = $1 AND kind = 'photo' ORDER BY id`,
      [id],
    ),
  ]);
  const isoAt = <T extends { at: Date }>(row: T) => ({ ...row, at: row.at.toISOString() });
  return {
    ...alert,
    evidence: evidence.rows[0].evidence,
    falseAlarmReason: evidence.rows[0].false_alarm_reason,
    history: history.rows.map((row) => ({ ...isoAt(row), eventId: Number(row.eventId), teamId: row.teamId === null ? null : Number(row.teamId) })),
    notes: notes.rows.map((row) => ({ ...isoAt(row), id: Number(row.id) })),
    photos: photos.rows.map((row) => ({ ...isoAt(row), id: Number(row.id) })),
  };
}

export async function getAlertImage(db: Queryable, alertId: number, kind: 'snapshot' | 'photo', mediaId?: number): Promise<{ contentType: string; bytes: Buffer }> {
  const result = await db.query(
    `SELECT content_type, bytes FROM alert_media WHERE alert_id = $1 AND kind = $2 AND ($3::bigint IS NULL OR id = $3)`,
    [alertId, kind, mediaId ?? null],
  );
  if (!result.rowCount) throw (kind === 'snapshot' ? notFound('snapshot', alertId, `snapshot of alert ${alertId} not found`) : notFound('photo', mediaId, `photo ${mediaId} of alert ${alertId} not found`));
  return { contentType: result.rows[0].content_type, bytes: result.rows[0].bytes };
}

/** When the alert's snapshot was taken, its size and type, without its bytes (the evidence list). */
export async function getSnapshotFacts(db: Queryable, alertId: number): Promise<{ at: Date; bytes: number; contentType: string } | undefined> {
  const result = await db.query(
    `SELECT at, octet_length(bytes) AS bytes, content_type AS "contentType" FROM alert_media WHERE alert_id = $1 AND kind = 'snapshot'`,
    [alertId],
  );
  return result.rows[0];
}

/** What a CAP message needs beside the view: when its first and latest versions were sent (the
 *  alert's first and latest changes) and its district's outline. */
export async function getCapFacts(db: Queryable, alert: Pick<AlertView, 'id' | 'lastEventId' | 'districtId'>): Promise<Pick<CapContext, 'sentAt' | 'firstMessage' | 'district'>> {
  const [events, district] = await Promise.all([
    db.query(
      `SELECT position AS id, at FROM alert_events
       WHERE alert_id = $1 AND position IN ((SELECT min(position) FROM alert_events WHERE alert_id = $1), $2) ORDER BY position`,
      [alert.id, alert.lastEventId],
    ),
    alert.districtId ? getDistrict(db, alert.districtId) : undefined,
  ]);
  const first = events.rows[0];
  const latest = events.rows[events.rows.length - 1];
  return { sentAt: latest.at, firstMessage: { eventId: Number(first.id), sentAt: first.at }, district: district ?? null };
}

// ---- live: snapshot and replay ----

/** More changes than this behind: a snapshot is cheaper than a replay. */
export const REPLAY_LIMIT = 5000;
export const SNAPSHOT_LIMIT = 5000;

/** Runs reads in one REPEATABLE READ snapshot, so a cursor and the rows read with it agree. */
const inOneSnapshot = <T>(db: Database, work: (client: Queryable) => Promise<T>): Promise<T> =>
  withTransaction(db, work, 'ISOLATION LEVEL REPEATABLE READ READ ONLY');

// Because event positions are handed out in commit order (migration 0011), a snapshot that sees
// change N sees every change below N: the latest position in a snapshot is an exact cursor.
const latestEventId = async (db: Queryable) => Number((await db.query(`SELECT COALESCE(max(position), 0) AS id FROM alert_events`)).rows[0].id);

/** Every alert the scope may see that is not closed, and the cursor it is consistent with. */
export function alertsSnapshot(db: Database, scope: AlertScope): Promise<AlertsSync> {
  return inOneSnapshot(db, async (client) => {
    const cursor = await latestEventId(client);
    const where = whereOf({}, scope);
    const result = await client.query(
      `SELECT ${ALERT_VIEW} FROM alerts a ${where.sql ? `${where.sql} AND` : 'WHERE'} a.state <> 'closed'
       ORDER BY a.id DESC LIMIT ${SNAPSHOT_LIMIT + 1}`,
      where.params,
    );
    const alerts = result.rows.slice(0, SNAPSHOT_LIMIT).map(alertViewOf);
    return { mode: 'snapshot', cursor, alerts, truncated: result.rows.length > SNAPSHOT_LIMIT };
  });
}

/**
 * Changes after `cursor` the scope may see, oldest first. A snapshot instead when more than
 * REPLAY_LIMIT changes happened, or when the cursor is from the future (another database).
 */
export async function alertsSince(db: Database, cursor: number, scope: AlertScope): Promise<AlertsSync> {
  const replay = await inOneSnapshot(db, async (client) => {
    const latest = await latestEventId(client);
    if (cursor > latest) return undefined;
    const result = await client.query(
      `SELECT ${EVENT_MESSAGE_COLUMNS}, alert_id, team_id FROM alert_events
       WHERE position > $1 AND ($2::bigint[] IS NULL OR team_id = ANY($2) OR previous_team_id = ANY($2))
       ORDER BY position LIMIT ${REPLAY_LIMIT + 1}`,
      [cursor, scope],
    );
    if (result.rows.length > REPLAY_LIMIT) return undefined;
    const events = result.rows.map((row): AlertEventMessage | AlertRemovedMessage => {
      const visible = scope === null || (row.team_id !== null && scope.includes(Number(row.team_id)));
      return visible ? eventMessageFromRow(row) : { eventId: Number(row.position), alertId: Number(row.alert_id) };
    });
    // The cursor moves to the latest change overall, seen or not: the next replay starts after it.
    return { mode: 'replay' as const, cursor: latest, events };
  });
  return replay ?? alertsSnapshot(db, scope);
}
