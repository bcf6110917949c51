// Server-side sessions: a random 32-byte token in an httpOnly cookie; the database keeps its SHA-256.
// A session ends when idle for longer than the configured minutes (every use slides that window), and
// in any case a fixed number of hours after login (ASVS 3.3: an absolute lifetime).
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../database/pool.ts';
import type { User } from '@cityops/contract/people';

export const SESSION_COOKIE = 'cityops_session';

export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
}

export const sessionPolicy = (config: { SESSION_IDLE_MINUTES: number; SESSION_MAX_HOURS: number }): SessionPolicy => ({
  idleMinutes: config.SESSION_IDLE_MINUTES,
  maxHours: config.SESSION_MAX_HOURS,
});

export interface Session {
  id: number;
  user: User;
  /** The password was right but the TOTP code is still to come: only the code may be sent. */
  secondFactorPending: boolean;
}

/** The live-socket room of one session: a logout closes that session's sockets, not the user's others. */
export const sessionRoom = (sessionId: number) => `session:${sessionId}`;

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/** The SQL condition of a live session `s` of user `u` ($2 idle minutes, $3 hours since login). */
const LIVE_SESSION = `NOT u.disabled AND s.last_seen_at > now() - make_interval(mins => $2)
  AND s.created_at > now() - make_interval(hours => $3)`;

/** Opens a session; returns the token the cookie carries and the session's id. */
export async function openSession(
  db: Queryable,
  userId: number,
  sourceAddress: string,
  options: { secondFactorPending?: boolean } = {},
): Promise<{ token: string; id: number }> {
  const token = randomBytes(32).toString('base64url');
  const result = await db.query(
    'INSERT INTO sessions (token_hash, user_id, source_address, second_factor_pending) VALUES ($1, $2, $3, $4) RETURNING id',
    [hashToken(token), userId, sourceAddress, options.secondFactorPending ?? false],
  );
  return { token, id: Number(result.rows[0].id) };
}

export async function createSession(db: Queryable, userId: number, sourceAddress: string): Promise<string> {
  return (await openSession(db, userId, sourceAddress)).token;
}

/** Returns the session and its user if the session is live (see SessionPolicy), and touches it. */
export async function resolveSession(db: Queryable, token: string, policy: SessionPolicy): Promise<Session | undefined> {
  const result = await db.query(
    `UPDATE sessions s SET last_seen_at = now()
     FROM users u
     WHERE s.token_hash = $1 AND u.id = s.user_id AND ${LIVE_SESSION}
     RETURNING s.id AS "sessionId", s.second_factor_pending AS "secondFactorPending",
       u.id, u.username, u.display_name AS "displayName", u.role,
       u.must_change_password AS "mustChangePassword", u.disabled, u.language, u.totp_enabled AS "totpEnabled"`,
    [hashToken(token), policy.idleMinutes, policy.maxHours],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const { sessionId, secondFactorPending, ...user } = row;
  return { id: Number(sessionId), user, secondFactorPending };
}

/** Of these session ids, the ones that are still live (without touching them: a socket is not activity). */
export async function liveSessionIds(db: Queryable, sessionIds: number[], policy: SessionPolicy): Promise<Set<number>> {
  const result = await db.query(
    `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ANY($1::bigint[]) AND ${LIVE_SESSION}`,
    [sessionIds, policy.idleMinutes, policy.maxHours],
  );
  return new Set(result.rows.map((row) => Number(row.id)));
}

/** Deletes the session of this token; returns its id (undefined when it was already gone). */
export async function deleteSession(db: Queryable, token: string): Promise<number | undefined> {
  const result = await db.query('DELETE FROM sessions WHERE token_hash = $1 RETURNING id', [hashToken(token)]);
  return result.rows[0] ? Number(result.rows[0].id) : undefined;
}

/** Marks the second factor done: the session becomes a full one. */
export async function completeSecondFactor(db: Queryable, sessionId: number): Promise<void> {
  await db.query('UPDATE sessions SET second_factor_pending = false WHERE id = $1', [sessionId]);
}

export async function deleteExpiredSessions(db: Queryable, idleMinutes: number): Promise<number> {
  const result = await db.query(`DELETE FROM sessions WHERE last_seen_at <= now() - make_interval(mins => $1)`, [
    idleMinutes,
  ]);
  return result.rowCount ?? 0;
}

/** Ends every session of a user (disabled, or given a new password by an admin). */
export async function deleteSessionsOfUser(db: Queryable, userId: number): Promise<number> {
  const result = await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  return result.rowCount ?? 0;
}

/** Ends every session of a user but one (they changed their password there); returns the ended ids. */
export async function deleteOtherSessionsOfUser(db: Queryable, userId: number, keepSessionId: number): Promise<number[]> {
  const result = await db.query('DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id', [userId, keepSessionId]);
  return result.rows.map((row) => Number(row.id));
}
