// TimescaleDB cannot be installed on this machine, so its path is checked at the SQL level: the
// statements must be the documented TimescaleDB 2.x API (create_hypertable with by_range,
// ALTER TABLE ... SET (timescaledb.compress ...), add_compression_policy, add_retention_policy).
// The plain-PostgreSQL path is exercised against the real server in time-series.spec.ts.
import { describe, expect, it } from 'vitest';
import { createTimeSeriesTable } from './time-series.ts';
import { timeBucketSql } from './capabilities.ts';

function recordingDatabase() {
  const statements: string[] = [];
  return {
    statements,
    query: async (sql: string) => {
      statements.push(sql.replace(/\s+/g, ' ').trim());
      return { rows: [], rowCount: 0 };
    },
  };
}

describe('time-series tables on TimescaleDB', () => {
  it('creates a hypertable with compression and retention policies, and no partitions of its own', async () => {
    const db = recordingDatabase();
    await createTimeSeriesTable(db as never, { timescale: true }, {
      name: 'sensor_readings',
      columns: 'sensor_id text NOT NULL, ts timestamptz NOT NULL, value double precision, PRIMARY KEY (sensor_id, ts)',
      timeColumn: 'ts',
      chunkInterval: '1 day',
      segmentBy: 'sensor_id',
      compressAfter: '7 days',
      retainFor: '730 days',
    });
    expect(db.statements.slice(0, 5)).toEqual([
      'CREATE TABLE IF NOT EXISTS sensor_readings (sensor_id text NOT NULL, ts timestamptz NOT NULL, value double precision, PRIMARY KEY (sensor_id, ts))',
      "SELECT create_hypertable('sensor_readings', by_range('ts', INTERVAL '1 day'), if_not_exists => true)",
      "ALTER TABLE sensor_readings SET (timescaledb.compress, timescaledb.compress_orderby = 'ts DESC', timescaledb.compress_segmentby = 'sensor_id')",
      "SELECT add_compression_policy('sensor_readings', INTERVAL '7 days', if_not_exists => true)",
      "SELECT add_retention_policy('sensor_readings', INTERVAL '730 days', if_not_exists => true)",
    ]);
    expect(db.statements.join('\n')).not.toMatch(/PARTITION/);
  });

  it('buckets with time_bucket on TimescaleDB and date_bin on plain PostgreSQL', () => {
    expect(timeBucketSql({ timescale: true }, "'5 minutes'", 'ts')).toBe("time_bucket('5 minutes'::interval, ts)");
    expect(timeBucketSql({ timescale: false }, "'5 minutes'", 'ts')).toBe("date_bin('5 minutes'::interval, ts, TIMESTAMPTZ '2000-01-01')");
  });
});
