// SQL of the tide forecast: the readings a fit reads (averaged per bucket, so a month of one-second
// readings is a few thousand rows) and the one forecast row per gauge.
import { timeBucketSql, type DatabaseCapabilities } from '@cityops/core/database/capabilities';
import type { Queryable } from '@cityops/core/database/pool';
import type { TideModel, TideSample } from './harmonics.ts';

export async function tideReadings(db: Queryable, caps: DatabaseCapabilities, sensorId: string, fromMs: number, toMs: number, bucketSeconds: number): Promise<TideSample[]> {
  const bucket = timeBucketSql(caps, '$4', 'ts');
  const result = await db.query(
    // A bucket's average stands at its readings' mean time, not at the bucket's middle: two readings
    // at its start would otherwise be put minutes late, centimetres on a rising tide.
    `SELECT avg(extract(epoch FROM ts))::float8 * 1000 AS at, avg(value)::float8 AS level
       FROM sensor_readings WHERE sensor_id = $1 AND ts >= $2 AND ts <= $3
      GROUP BY ${bucket} ORDER BY 1`,
    [sensorId, new Date(fromMs), new Date(toMs), `${bucketSeconds} seconds`],
  );
  return result.rows.map((row) => ({ at: Number(row.at), level: Number(row.level) }));
}

export interface StoredForecast {
  sensorId: string;
  madeAt: Date;
  model: TideModel | null;
  reason: string | null;
  expectedLevels: Array<{ level: 1 | 2 | 3; at: string }>;
  peak: { at: string; level: number } | null;
  horizonUntil: Date;
}

export async function saveForecast(db: Queryable, forecast: StoredForecast): Promise<void> {
  await db.query(
    `INSERT INTO tide_forecasts (sensor_id, made_at, model, reason, expected_levels, peak, horizon_until) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (sensor_id) DO UPDATE SET made_at = excluded.made_at, model = excluded.model, reason = excluded.reason,
       expected_levels = excluded.expected_levels, peak = excluded.peak, horizon_until = excluded.horizon_until`,
    [forecast.sensorId, forecast.madeAt, forecast.model && JSON.stringify(forecast.model), forecast.reason, JSON.stringify(forecast.expectedLevels), forecast.peak && JSON.stringify(forecast.peak), forecast.horizonUntil],
  );
}

export async function loadForecast(db: Queryable, sensorId: string): Promise<StoredForecast | undefined> {
  const result = await db.query(`SELECT * FROM tide_forecasts WHERE sensor_id = $1`, [sensorId]);
  const row = result.rows[0];
  if (!row) return undefined;
  return { sensorId, madeAt: row.made_at, model: row.model, reason: row.reason, expectedLevels: row.expected_levels, peak: row.peak, horizonUntil: row.horizon_until };
}
