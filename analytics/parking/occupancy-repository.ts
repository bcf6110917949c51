// parking_occupancy: one sample per parking zone and minute (migration 0115). Analytics adds samples
// (minute-sampler.ts); the parking routes read the latest ones and a zone's series.
import type { Queryable } from '@cityops/core/database/pool';
import type { ParkingSample } from './minute-sampler.ts';

/**
 * Adds the samples; a minute already stored stays as it is (a slot that moved mid-minute: the first
 * worker's sample wins). The application role may only insert here (core/database/roles.ts).
 */
export async function insertParkingSamples(db: Queryable, samples: readonly ParkingSample[]): Promise<void> {
  if (!samples.length) return;
  await db.query(
    `INSERT INTO parking_occupancy (camera_id, zone_id, minute, occupied, capacity, frames)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::int[], $6::int[])
     ON CONFLICT (camera_id, zone_id, minute) DO NOTHING`,
    [
      samples.map((sample) => sample.cameraId),
      samples.map((sample) => sample.zoneId),
      samples.map((sample) => new Date(sample.minute)),
      samples.map((sample) => sample.occupied),
      samples.map((sample) => sample.capacity),
      samples.map((sample) => sample.frames),
    ],
  );
}

/** Cameras whose analysis has a zone with a parking rule, with their place and raw configuration. */
export async function camerasWithParking(db: Queryable): Promise<Array<{ id: string; name: string; lat: number | null; lon: number | null; analysis: unknown }>> {
  const result = await db.query(
    `SELECT id, name, lat, lon, analysis FROM cameras
      WHERE enabled AND analysis->'zones' @> '[{"rules": [{"kind": "parking"}]}]'::jsonb ORDER BY id`,
  );
  return result.rows;
}

export interface StoredParkingSample {
  cameraId: string;
  zoneId: string;
  minute: Date;
  occupied: number;
  capacity: number;
  frames: number;
}

/** The newest sample of each zone of these cameras since `since`. */
export async function latestParkingSamples(db: Queryable, cameraIds: readonly string[], since: Date): Promise<StoredParkingSample[]> {
  const result = await db.query(
    `SELECT DISTINCT ON (camera_id, zone_id) camera_id AS "cameraId", zone_id AS "zoneId", minute, occupied, capacity, frames
       FROM parking_occupancy WHERE camera_id = ANY($1) AND minute >= $2
      ORDER BY camera_id, zone_id, minute DESC`,
    [cameraIds, since],
  );
  return result.rows;
}

/** One zone's samples in [from, to), oldest first. */
export async function parkingSeries(db: Queryable, cameraId: string, zoneId: string, from: Date, to: Date): Promise<StoredParkingSample[]> {
  const result = await db.query(
    `SELECT camera_id AS "cameraId", zone_id AS "zoneId", minute, occupied, capacity, frames
       FROM parking_occupancy WHERE camera_id = $1 AND zone_id = $2 AND minute >= $3 AND minute < $4
      ORDER BY minute`,
    [cameraId, zoneId, from, to],
  );
  return result.rows;
}
