// Failed logins are counted in PostgreSQL, so the limit holds across several API processes.
import type { Queryable } from '../database/pool.ts';
import { counter } from '../metrics.ts';

const failedLogins = counter('cityops_login_failures_total', 'Failed login attempts', ['reason']);

/**
 * True when this address has failed too often in the last minute: `limit` times for this username,
 * or 5 × `limit` times across all usernames (a command room behind one NAT address must not lock
 * each other out because one person mistyped, but a scan over many usernames is still stopped).
 */
export async function isLoginThrottled(db: Queryable, username: string, sourceAddress: string, limit: number): Promise<boolean> {
  const result = await db.query(
    `SELECT count(*) FILTER (WHERE username = $2) AS for_user, count(*) AS for_address FROM login_failures
     WHERE at > now() - interval '1 minute' AND source_address = $1`,
    [sourceAddress, username],
  );
  const { for_user: forUser, for_address: forAddress } = result.rows[0];
  return Number(forUser) >= limit || Number(forAddress) >= 5 * limit;
}

export async function recordFailure(db: Queryable, username: string, sourceAddress: string, reason: string) {
  failedLogins.inc({ reason });
  await db.query('INSERT INTO login_failures (username, source_address) VALUES ($1, $2)', [username, sourceAddress]);
  await db.query(`DELETE FROM login_failures WHERE at < now() - interval '1 day'`);
}
