// Requests per caller per minute, counted in PostgreSQL (table request_rate_windows, migration 0090) so a
// limit holds however many API processes answer. A fixed one-minute window per (bucket, key): one upsert
// per request, atomic without locks. Refused requests are counted too, so hammering does not reset it.
import type { Queryable } from '../database/pool.ts';
import { counter } from '../metrics.ts';

const refusedRequests = counter('cityops_rate_limited_total', 'Requests refused by a per-caller rate limit, by bucket', ['bucket']);

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Counts one request of `key` (a network address) in `bucket` (e.g. 'open-data') and says whether it is within `perMinute`. */
export async function takeRequest(db: Queryable, bucket: string, key: string, perMinute: number): Promise<RateDecision> {
  const result = await db.query(
    `INSERT INTO request_rate_windows (bucket, key, window_start, count)
     VALUES ($1, $2, date_trunc('minute', clock_timestamp()), 1)
     ON CONFLICT (bucket, key, window_start) DO UPDATE SET count = request_rate_windows.count + 1
     RETURNING count, ceil(extract(epoch FROM window_start + interval '1 minute' - clock_timestamp()))::int AS seconds_left`,
    [bucket, key.slice(0, 128)],
  );
  const { count, seconds_left: secondsLeft } = result.rows[0];
  // The first request of a window sweeps windows over two minutes old (of every caller): the table stays small.
  if (count === 1) await db.query(`DELETE FROM request_rate_windows WHERE window_start < now() - interval '2 minutes'`);
  if (count > perMinute) {
    refusedRequests.inc({ bucket });
    return { allowed: false, retryAfterSeconds: Math.max(1, secondsLeft) };
  }
  return { allowed: true, remaining: perMinute - count };
}
