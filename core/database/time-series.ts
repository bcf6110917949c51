// Time-series tables: one definition, two physical shapes.
// - TimescaleDB: a hypertable with chunk interval, native compression and a retention policy
//   (create_hypertable / add_compression_policy / add_retention_policy, TimescaleDB 2.x API).
// - Plain PostgreSQL: PARTITION BY RANGE on the time column with one partition per day, a DEFAULT
//   partition so no row is ever refused, and maintenance that creates days ahead, adopts rows that
//   landed in DEFAULT, and drops days past retention.
// Queries are the same on both: they address the parent table.
import type { Queryable } from './pool.ts';
import type { DatabaseCapabilities } from './capabilities.ts';

export interface TimeSeriesTable {
  name: string;
  /** Column definitions and constraints; unique keys must include the time column. */
  columns: string;
  timeColumn: string;
  /** Chunk / partition width; plain PostgreSQL partitions are always one day. */
  chunkInterval?: string;
  segmentBy?: string;
  compressAfter?: string;
  retainFor?: string;
}

const DAY_MS = 86_400_000;

export async function createTimeSeriesTable(db: Queryable, caps: DatabaseCapabilities, table: TimeSeriesTable) {
  const { name, columns, timeColumn } = table;
  if (caps.timescale) {
    await db.query(`CREATE TABLE IF NOT EXISTS ${name} (${columns})`);
    await db.query(
      `SELECT create_hypertable('${name}', by_range('${timeColumn}', INTERVAL '${table.chunkInterval ?? '1 day'}'), if_not_exists => true)`,
    );
    if (table.compressAfter) {
      const segment = table.segmentBy ? `, timescaledb.compress_segmentby = '${table.segmentBy}'` : '';
      await db.query(
        `ALTER TABLE ${name} SET (timescaledb.compress, timescaledb.compress_orderby = '${timeColumn} DESC'${segment})`,
      );
      await db.query(`SELECT add_compression_policy('${name}', INTERVAL '${table.compressAfter}', if_not_exists => true)`);
    }
    if (table.retainFor) {
      await db.query(`SELECT add_retention_policy('${name}', INTERVAL '${table.retainFor}', if_not_exists => true)`);
    }
  } else {
    await db.query(`CREATE TABLE IF NOT EXISTS ${name} (${columns}) PARTITION BY RANGE (${timeColumn})`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${name}_default PARTITION OF ${name} DEFAULT`);
  }
  await db.query(
    `INSERT INTO time_series_tables (name, time_column, retain_for) VALUES ($1, $2, $3::interval)
     ON CONFLICT (name) DO UPDATE SET time_column = EXCLUDED.time_column, retain_for = EXCLUDED.retain_for`,
    [name, timeColumn, table.retainFor ?? null],
  );
  if (!caps.timescale) await maintainPartitions(db, caps, new Date());
}

function partitionName(table: string, dayStart: Date): string {
  return `${table}_p${dayStart.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * Plain PostgreSQL only: make sure daily partitions exist from `daysBack` before to `daysAhead` after
 * `now`, move matching rows out of DEFAULT into them, and drop whole days older than retention.
 * Run inside a transaction (see partition-maintainer.ts); safe from several processes at once.
 */
export async function maintainPartitions(
  db: Queryable,
  caps: DatabaseCapabilities,
  now: Date,
  { daysBack = 2, daysAhead = 7 } = {},
): Promise<void> {
  if (caps.timescale) return;
  const tables = await db.query<{ name: string; time_column: string; retain_days: number | null }>(
    `SELECT name, time_column, EXTRACT(EPOCH FROM retain_for) / 86400 AS retain_days FROM time_series_tables`,
  );
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  for (const table of tables.rows) {
    const existing = new Set(
      (
        await db.query<{ relname: string }>(
          `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1`,
          [table.name],
        )
      ).rows.map((row) => row.relname),
    );
    for (let day = -daysBack; day <= daysAhead; day++) {
      const start = new Date(today + day * DAY_MS);
      const partition = partitionName(table.name, start);
      if (existing.has(partition)) continue;
      await createDailyPartition(db, table.name, table.time_column, partition, start);
    }
    if (table.retain_days) {
      const cutoff = today - Math.ceil(table.retain_days) * DAY_MS;
      for (const partition of existing) {
        const match = /_p(\d{4})(\d{2})(\d{2})$/.exec(partition);
        if (!match) continue;
        const dayStart = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
        if (dayStart + DAY_MS <= cutoff) await db.query(`DROP TABLE IF EXISTS ${partition}`);
      }
    }
  }
}

async function createDailyPartition(db: Queryable, table: string, timeColumn: string, partition: string, start: Date) {
  const from = start.toISOString();
  const to = new Date(start.getTime() + DAY_MS).toISOString();
  // Built standalone, filled from DEFAULT, then attached: ATTACH refuses a range DEFAULT still holds.
  // The caller holds a transaction; the advisory lock serialises processes maintaining the same table.
  await db.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [table]);
  const exists = await db.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [partition]);
  if (exists.rowCount) return;
  await db.query(`CREATE TABLE ${partition} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await db.query(
    `WITH moved AS (DELETE FROM ${table}_default WHERE ${timeColumn} >= $1 AND ${timeColumn} < $2 RETURNING *)
     INSERT INTO ${partition} SELECT * FROM moved`,
    [from, to],
  );
  await db.query(`ALTER TABLE ${table} ATTACH PARTITION ${partition} FOR VALUES FROM ('${from}') TO ('${to}')`);
}
