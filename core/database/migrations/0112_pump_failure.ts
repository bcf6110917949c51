// The alert kind `pump_failure` (analytics/sensor-rules/pump-watch.ts): a drainage or irrigation pump that
// does not run while its wet well is above the start level, or runs without lowering it.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
    ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'camera_offline',
      'camera_tamper', 'sensor_level', 'sensor_rate_of_rise', 'sensor_offline', 'sensor_forecast', 'pump_failure', 'manual'));
  `);
}
