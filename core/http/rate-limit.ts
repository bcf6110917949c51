// Requests per caller per minute, counted in PostgreSQL (table request_rate_windows, migration 0090) so a
// limit holds however many API processes answer. A fixed one-minute window per (bucket, key): one upsert
// per request, atomic without locks. Refused requests are counted too, so hammering does not reset it.
import type { Queryable } from '../database/pool.ts';
import { counter } from '../metrics.ts';

const refusedRequests = counter('cityops_rate_limited_total', 'Requests refused by a per-caller rate limit, by bucket', ['bucket']);

const SWEEP_INTERVAL_MS = 60_000;
let nextSweepAt = 0;

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number; bucket: string };

/** One count of a request: `key` (a network address, a device) in `bucket`, allowed `perMinute`. */
export interface RateTake {
  bucket: string;
  key: string;
  perMinute: number;
}

/** Counts one request of `key` (a network address) in `bucket` (e.g. 'open-data') and says whether it is within `perMinute`. */
export async function takeRequest(db: Queryable, bucket: string, key: string, perMinute: number): Promise<RateDecision> {
  return takeRequests(db, [{ bucket, key, perMinute }]);
}

/**
 * Counts one request under several limits at once (its address and its device), in one statement; the
 * request is allowed only within all of them. Every count is taken, refused or not.
 */
export async function takeRequests(db: Queryable, takes: RateTake[]): Promise<RateDecision> {
  // One row per bucket in one upsert: PostgreSQL refuses to update the same row twice in a statement.
  if (new Set(takes.map((take) => take.bucket)).size !== takes.length) throw new Error('takeRequests: one take per bucket');
  // One statement per request of every limited route, named: parsed and planned once per connection.
  // It commits without waiting for its WAL flush (synchronous_commit off for its own transaction only,
  // set in the same statement): a count is not worth an fsync per request, and a crash loses at most
  // the last fraction of a second of counts, never a stored report or alert. On a crowd's reports the
  // counts waited on WAL flushes more than any other statement did.
  // Inside a caller's transaction the setting holds until that transaction ends: pass the pool, not a tx.
  const result = await db.query({
    name: 'rate-limit-take-many',
    text: `INSERT INTO request_rate_windows (bucket, key, window_start, count)
     SELECT take.bucket, take.key, date_trunc('minute', clock_timestamp()), 1
     FROM unnest($1::text[], $2::text[]) AS take (bucket, key), (SELECT set_config('synchronous_commit', 'off', true)) AS without_flush_wait
     ON CONFLICT (bucket, key, window_start) DO UPDATE SET count = request_rate_windows.count + 1
     RETURNING bucket, count, ceil(extract(epoch FROM window_start + interval '1 minute' - clock_timestamp()))::int AS seconds_left`,
    values: [takes.map((take) => take.bucket), takes.map((take) => take.key.slice(0, 128))],
  });
  const counted = new Map<string, { count: number; secondsLeft: number }>(result.rows.map((row) => [row.bucket, { count: row.count, secondsLeft: row.seconds_left }]));
  // A first request of a window sweeps windows over two minutes old (of every caller), so the table stays
  // small; at most once a minute per process, since under a crowd every request is the first of its window.
  if ([...counted.values()].some(({ count }) => count === 1) && Date.now() >= nextSweepAt) {
    nextSweepAt = Date.now() + SWEEP_INTERVAL_MS;
    await db.query(`DELETE FROM request_rate_windows WHERE window_start < now() - interval '2 minutes'`);
  }
  let remaining = Infinity;
  for (const take of takes) {
    const { count, secondsLeft } = counted.get(take.bucket)!;
    if (count > take.perMinute) {
      refusedRequests.inc({ bucket: take.bucket });
      return { allowed: false, retryAfterSeconds: Math.max(1, secondsLeft), bucket: take.bucket };
    }
    remaining = Math.min(remaining, take.perMinute - count);
  }
  return { allowed: true, remaining };
}
