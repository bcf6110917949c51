// What the connected PostgreSQL offers. TimescaleDB gives hypertables, compression, retention and
// continuous aggregates; without it we fall back to declarative range partitioning (PostgreSQL 10+).
import type { Queryable } from './pool.ts';

export interface DatabaseCapabilities {
  timescale: boolean;
}

export async function detectCapabilities(db: Queryable): Promise<DatabaseCapabilities> {
  const installed = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (installed.rowCount) return { timescale: true };
  const available = await db.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
  if (!available.rowCount) return { timescale: false };
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return { timescale: true };
  } catch {
    // Available but not preloaded (shared_preload_libraries) or not permitted: use plain partitions.
    return { timescale: false };
  }
}

/** SQL for bucketing a timestamp: time_bucket on TimescaleDB, date_bin (PostgreSQL 14+) otherwise. */
export function timeBucketSql(caps: DatabaseCapabilities, interval: string, column: string): string {
  return caps.timescale
    ? `time_bucket(${interval}::interval, ${column})`
    : `date_bin(${interval}::interval, ${column}, TIMESTAMPTZ '2000-01-01')`;
}
