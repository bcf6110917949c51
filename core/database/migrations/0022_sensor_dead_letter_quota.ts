// Dead letters keep an excerpt of the payload, not the whole of it, so the size received is recorded
// beside it; and refusals beyond a device's hourly quota are only counted, per device, hour and reason
// (ingest/sensors/dead-letter-quota.ts), so one device cannot fill the disk with garbage.
import type { MigrationContext } from '../migrate.ts';
import { createTimeSeriesTable } from '../time-series.ts';

export async function up({ db, caps }: MigrationContext): Promise<void> {
  await db.query(`ALTER TABLE sensor_dead_letters ADD COLUMN IF NOT EXISTS payload_bytes integer`);
  await createTimeSeriesTable(db, caps, {
    name: 'sensor_dead_letter_overflow',
    // sensor_key: the sensor id from the topic, or '' when the topic had none (bad_topic).
    columns: `hour timestamptz NOT NULL, sensor_key text NOT NULL, reason text NOT NULL, count bigint NOT NULL,
              PRIMARY KEY (sensor_key, reason, hour)`,
    timeColumn: 'hour',
    chunkInterval: '7 days',
    retainFor: '30 days',
  });
  await db.query(`CREATE INDEX sensor_dead_letter_overflow_recent ON sensor_dead_letter_overflow (hour DESC)`);
}
