// The slot leader's own SQL: its session advisory lock (held on one connection for as long as it leads)
// and the database clock every round plans against.
import type { Queryable } from '@cityops/core/database/pool';

/** True when this connection took (or already held) the lock; false when another session holds it. */
export async function tryAdvisoryLock(client: Queryable, key: number): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
  return result.rows[0].locked;
}

export async function releaseAdvisoryLock(client: Queryable, key: number): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [key]);
}

/** The database's clock in ms: every leader, whichever machine it runs on, plans against the same time. */
export async function databaseNowMs(client: Queryable): Promise<number> {
  return Number((await client.query<{ ms: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms')).rows[0].ms);
}
