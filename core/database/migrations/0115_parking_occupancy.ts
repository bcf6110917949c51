// Parking occupancy (#16 part 3): one sample per parking zone and minute, written by vision analytics
// (analytics/parking/minute-sampler.ts): vehicles standing in the zone, the zone's capacity then (an
// engineer may change it later; old samples keep the one they were measured against) and how many
// analysed frames the sample summarises.
import type { MigrationContext } from '../migrate.ts';
import { createTimeSeriesTable } from '../time-series.ts';

export async function up({ db, caps }: MigrationContext): Promise<void> {
  await createTimeSeriesTable(db, caps, {
    name: 'parking_occupancy',
    columns: `camera_id text NOT NULL, zone_id text NOT NULL, minute timestamptz NOT NULL,
              occupied integer NOT NULL CHECK (occupied >= 0), capacity integer NOT NULL CHECK (capacity >= 1),
              frames integer NOT NULL CHECK (frames >= 1),
              PRIMARY KEY (camera_id, zone_id, minute)`,
    timeColumn: 'minute',
    chunkInterval: '7 days',
    segmentBy: 'camera_id',
    compressAfter: '30 days',
    retainFor: '730 days',
  });
}
