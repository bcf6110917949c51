// Server-side sessions: a random 32-byte token in an httpOnly cookie; the database keeps its SHA-256.
// A session idle for longer than the configured minutes is gone; every use slides the window.
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../database/pool.ts';
import type { User } from './users.ts';

export const SESSION_COOKIE = 'cityops_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest();

export async function createSession(db: Queryable, userId: number, sourceAddress: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query('INSERT INTO sessions (token_hash, user_id, source_address) VALUES ($1, $2, $3)', [
    hashToken(token),
    userId,
    sourceAddress,
  ]);
  return token;
}

/** Returns the session's user if the session exists and is not idle-expired, and touches it. */
export async function resolveSession(db: Queryable, token: string, idleMinutes: number): Promise<User | undefined> {
  const result = await db.query(
    `UPDATE sessions s SET last_seen_at = now()
     FROM users u
     WHERE s.token_hash = $1 AND u.id = s.user_id AND NOT u.disabled
       AND s.last_seen_at > now() - make_interval(mins => $2)
     RETURNING u.id, u.username, u.display_name AS "displayName", u.role,
       u.must_change_password AS "mustChangePassword", u.disabled, u.language`,
    [hashToken(token), idleMinutes],
  );
  return result.rows[0];
}

export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
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
