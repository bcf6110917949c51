// traffic_counts: line crossings per camera, line, minute, class and direction (traffic-counts.ts buffers them).
import type { Queryable } from '@cityops/core/database/pool';

/** One column per field, row i across all of them: the whole batch is one upsert. */
export interface TrafficCountColumns {
  cameras: string[];
  lines: string[];
  minutes: Date[];
  classes: string[];
  directions: string[];
  values: number[];
}

/** Adds the counts to the stored ones (a new key starts at its count). */
export async function addTrafficCounts(db: Queryable, columns: TrafficCountColumns): Promise<void> {
  const { cameras, lines, minutes, classes, directions, values } = columns;
  await db.query(
    `INSERT INTO traffic_counts AS t (camera_id, line_id, minute, class, direction, count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::int[])
     ON CONFLICT (camera_id, line_id, minute, class, direction) DO UPDATE SET count = t.count + EXCLUDED.count`,
    [cameras, lines, minutes, classes, directions, values],
  );
}
