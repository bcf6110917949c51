// Vehicle counts as the dashboard reads them: traffic_counts (per minute) and traffic_hourly, written
// by vision analytics (analytics/live/traffic-counts.ts).
import type { Queryable } from '@cityops/core/database/pool';

/** COCO classes that are vehicles; persons crossing a line are not traffic. */
export const VEHICLE_CLASSES = ['car', 'motorcycle', 'motorbike', 'bus', 'truck', 'bicycle'];

/** Vehicles counted on all counting lines in the last 60 minutes. */
export async function vehiclesLastHour(db: Queryable): Promise<number> {
  const result = await db.query(
    `SELECT coalesce(sum(count), 0)::bigint AS vehicles FROM traffic_counts WHERE minute >= now() - interval '60 minutes' AND class = ANY($1)`,
    [VEHICLE_CLASSES],
  );
  return Number(result.rows[0].vehicles);
}

/** Vehicles per class per hour over the last `hours` hours (the current one included), of one camera or all. */
export async function vehiclesPerHour(db: Queryable, hours: number, cameraId?: string): Promise<Array<{ hour: string; class: string; count: number }>> {
  const result = await db.query(
    `SELECT hour, class, sum(count)::bigint AS count FROM traffic_hourly
      WHERE hour >= date_trunc('hour', now()) - make_interval(hours => $1 - 1) AND class = ANY($2) AND ($3::text IS NULL OR camera_id = $3)
      GROUP BY hour, class ORDER BY hour, class`,
    [hours, VEHICLE_CLASSES, cameraId ?? null],
  );
  return result.rows.map((row) => ({ hour: (row.hour as Date).toISOString(), class: String(row.class), count: Number(row.count) }));
}

/** Riders counted with their vehicle (analytics/rules/riders.ts): `rider:motorbike`, `rider:bicycle`. */
export const RIDER_CLASSES = ['rider:motorbike', 'rider:bicycle'];

/** Riders crossing the counting lines per vehicle class over the last `hours` hours, of one camera or all. */
export async function ridersOverHours(db: Queryable, hours: number, cameraId?: string): Promise<Array<{ class: string; riders: number }>> {
  const result = await db.query(
    `SELECT substr(class, 7) AS class, sum(count)::bigint AS riders FROM traffic_hourly
      WHERE hour >= date_trunc('hour', now()) - make_interval(hours => $1 - 1) AND class = ANY($2) AND ($3::text IS NULL OR camera_id = $3)
      GROUP BY 1 ORDER BY 1`,
    [hours, RIDER_CLASSES, cameraId ?? null],
  );
  return result.rows.map((row) => ({ class: String(row.class), riders: Number(row.riders) }));
}
