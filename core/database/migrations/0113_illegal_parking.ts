// The alert kind `illegal_parking` (analytics/rules/stalled-vehicle.ts): a vehicle standing in a marked
// zone (sidewalk, no-parking, bus lane) longer than the zone's rule allows.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
    ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'camera_offline',
      'camera_tamper', 'sensor_level', 'sensor_rate_of_rise', 'sensor_offline', 'sensor_forecast', 'pump_failure', 'illegal_parking', 'manual'));
  `);
}
