// What a person's action on an alert writes besides the change itself (core/alerts/changes.ts) and the
// audit row: the alert's state and team, and its photos. (The Idempotency-Key of each action request is
// kept by ../idempotency.ts, for every route.)
import type { Actor } from '@cityops/core/audit';
import type { Queryable } from '@cityops/core/database/pool';
import type { AlertState, FalseAlarmReason } from '@cityops/contract/alerts';

// Timestamp column set by each event type (the first time only for acknowledged).
const STAMPS: Record<string, string> = {
  acknowledged: 'acknowledged_at = now()',
  team_acknowledged: 'team_acknowledged_at = now()',
  assigned: 'assigned_at = now(), acknowledged_at = COALESCE(acknowledged_at, now()), team_acknowledged_at = NULL',
  resolved: 'resolved_at = now()',
  closed: 'closed_at = now()',
};

/** The alert's state and team, locked for the action's transaction; undefined when there is no such alert. */
export async function lockAlertForAction(tx: Queryable, alertId: number): Promise<{ state: AlertState; assignedTeamId: number | null } | undefined> {
  const current = await tx.query(`SELECT state, assigned_team_id FROM alerts WHERE id = $1 FOR UPDATE`, [alertId]);
  if (!current.rowCount) return undefined;
  const row = current.rows[0];
  return { state: row.state as AlertState, assignedTeamId: row.assigned_team_id === null ? null : Number(row.assigned_team_id) };
}

export async function teamExists(tx: Queryable, teamId: number | undefined): Promise<boolean> {
  const team = await tx.query(`SELECT id FROM teams WHERE id = $1`, [teamId]);
  return Boolean(team.rowCount);
}

/** Whether the event type sets a timestamp column of the alert (so the alert row must be written). */
export function stampsAlert(eventType: string): boolean {
  return Boolean(STAMPS[eventType]);
}

/** Sets the alert's state and team, and the timestamp column of the event type (if any). */
export async function writeAlertState(tx: Queryable, alertId: number, eventType: string, toState: AlertState, teamId: number | null): Promise<void> {
  const stamp = STAMPS[eventType];
  await tx.query(`UPDATE alerts SET state = $2, assigned_team_id = $3${stamp ? `, ${stamp}` : ''} WHERE id = $1`, [
    alertId,
    toState,
    teamId,
  ]);
}

/** The operator's verdict, given with the resolve. */
export async function markFalseAlarm(tx: Queryable, alertId: number, reason: FalseAlarmReason): Promise<void> {
  await tx.query(`UPDATE alerts SET false_alarm_reason = $2 WHERE id = $1`, [alertId, reason]);
}

/** Stores a photo a person attached to the alert; returns its id. */
export async function addAlertPhoto(tx: Queryable, alertId: number, photo: { contentType: string; width: number; height: number; bytes: Buffer }, actor: Actor): Promise<number> {
  const inserted = await tx.query(
    `INSERT INTO alert_media (alert_id, kind, content_type, width, height, bytes, user_id, username)
     VALUES ($1, 'photo', $2, $3, $4, $5, $6, $7) RETURNING id`,
    [alertId, photo.contentType, photo.width, photo.height, photo.bytes, actor.userId ?? null, actor.username],
  );
  return Number(inserted.rows[0].id);
}
