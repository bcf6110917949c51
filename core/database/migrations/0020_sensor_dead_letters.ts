// Sensor messages that could not become readings, kept with the reason and the raw bytes so an engineer
// can see what a device really sent (and replay it after fixing the registry). Kept 30 days.
import type { MigrationContext } from '../migrate.ts';
import { createTimeSeriesTable } from '../time-series.ts';

export async function up({ db, caps }: MigrationContext): Promise<void> {
  await createTimeSeriesTable(db, caps, {
    name: 'sensor_dead_letters',
    // id is made by the worker, so a batch replayed from the local spool is not recorded twice.
    columns: `id uuid NOT NULL, received_at timestamptz NOT NULL, topic text NOT NULL, sensor_id text,
              reason text NOT NULL, detail text NOT NULL, payload bytea NOT NULL,
              PRIMARY KEY (id, received_at)`,
    timeColumn: 'received_at',
    chunkInterval: '1 day',
    retainFor: '30 days',
  });
  await db.query(`CREATE INDEX sensor_dead_letters_recent ON sensor_dead_letters (received_at DESC)`);
  await db.query(`CREATE INDEX sensor_dead_letters_by_sensor ON sensor_dead_letters (sensor_id, received_at DESC)`);
  await db.query(`CREATE INDEX sensor_dead_letters_by_reason ON sensor_dead_letters (reason, received_at DESC)`);
}
