// Login throttling, counted in PostgreSQL so that the limit holds across several API processes.
//
// Each attempt first RESERVES a slot (one row in login_failures) under advisory locks on its user name
// and its address, after checking the last minute's count: 30 parallel guesses for one user cannot all
// pass the check before any of them is counted. A successful attempt gives its slot back; a failed one
// keeps it. Throttled attempts are not counted (they cost nothing and learn nothing).
//
// Limits, per minute: `limit` failures per user name whatever the address (a guesser with many
// addresses is still stopped), and 5 × `limit` per address across user names (a command room behind
// one NAT address must not lock itself out because one person mistyped; a scan over many user names
// from one address is still stopped).
import type { Database } from '../database/pool.ts';
import { withTransaction } from '../database/pool.ts';
import { counter } from '../metrics.ts';

const failedLogins = counter('cityops_login_failures_total', 'Failed login attempts', ['reason']);
const throttledLogins = counter('cityops_login_throttled_total', 'Login attempts refused by the throttle, by limit', ['limit']);

/** Constant, arbitrary: separates these advisory locks from the others of the application. */
const THROTTLE_LOCK_SPACE = 7_240_002;

export type LoginAttempt = { throttled: true; limit: 'user' | 'address' } | { throttled: false; id: number };

export async function reserveLoginAttempt(db: Database, username: string, sourceAddress: string, limit: number): Promise<LoginAttempt> {
  return withTransaction(db, async (tx) => {
    // Always the user's lock before the address's: one order everywhere, so two attempts never deadlock.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [THROTTLE_LOCK_SPACE, `user:${username}`]);
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [THROTTLE_LOCK_SPACE, `address:${sourceAddress}`]);
    const counts = await tx.query(
      `SELECT count(*) FILTER (WHERE username = $1) AS for_user, count(*) FILTER (WHERE source_address = $2) AS for_address
       FROM login_failures WHERE at > clock_timestamp() - interval '1 minute' AND (username = $1 OR source_address = $2)`,
      [username, sourceAddress],
    );
    const { for_user: forUser, for_address: forAddress } = counts.rows[0];
    const over = Number(forUser) >= limit ? 'user' : Number(forAddress) >= 5 * limit ? 'address' : undefined;
    if (over) {
      throttledLogins.inc({ limit: over });
      return { throttled: true, limit: over };
    }
    const reserved = await tx.query('INSERT INTO login_failures (username, source_address) VALUES ($1, $2) RETURNING id', [username, sourceAddress]);
    return { throttled: false, id: Number(reserved.rows[0].id) };
  });
}

/** The attempt succeeded: it does not count against the limit. */
export async function releaseLoginAttempt(db: Database, attemptId: number): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE id = $1', [attemptId]);
}

/** The attempt failed: its reserved slot stays counted for a minute (the rows are kept a day). */
export async function recordFailure(db: Database, reason: string): Promise<void> {
  failedLogins.inc({ reason });
  await db.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
}
