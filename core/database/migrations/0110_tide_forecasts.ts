// Tide forecasts (analytics/tide-forecast/): the latest harmonic model of each tide gauge, what it
// expects (the first time each alarm level is reached in the next 48 h, and the highest water), or why
// there is none (too few readings). One row per gauge, replaced at every pass; the web draws the
// forecast from the model. And the alert kind `sensor_forecast`: "level III expected at 18:40".
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE tide_forecasts (
      sensor_id text PRIMARY KEY REFERENCES sensors(id) ON DELETE CASCADE,
      made_at timestamptz NOT NULL,
      -- The fitted model (harmonics.ts TideModel) or NULL with the reason there is none.
      model jsonb,
      reason text,
      -- [{ "level": 1..3, "at": ISO }] and { "at": ISO, "level": metres } within the horizon.
      expected_levels jsonb NOT NULL DEFAULT '[]',
      peak jsonb,
      horizon_until timestamptz NOT NULL,
      CHECK ((model IS NULL) <> (reason IS NULL))
    );

    ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
    ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'camera_offline',
      'camera_tamper', 'sensor_level', 'sensor_rate_of_rise', 'sensor_offline', 'sensor_forecast', 'manual'));
  `);
}
