// Joint rules (contract/joint-rules.ts, analytics/joint-rules/): a sensor's state and camera situations
// within a radius and a time window make one alert, written by engineers and stored here. The alert
// kinds they raise (`flooded_road`, and `joint_rule` titled with the rule's name); the default flooding
// link rule takes flooded roads into (and lets them open) flooding incidents; and a wake-up for the
// evaluator whenever a camera or sensor alert changes, so a joint alert follows its evidence within a
// second instead of at the next periodic pass.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
    ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'camera_offline',
      'camera_tamper', 'sensor_level', 'sensor_rate_of_rise', 'sensor_offline', 'sensor_forecast', 'pump_failure', 'illegal_parking',
      'flooded_road', 'joint_rule', 'manual'));

    CREATE TABLE joint_rules (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
      enabled boolean NOT NULL DEFAULT true,
      severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
      alert_kind text NOT NULL CHECK (alert_kind IN ('flooded_road', 'joint_rule')),
      -- One sensor, or every sensor of a kind. Not a foreign key: deleting a sensor must not delete an
      -- engineer's rule silently; a rule naming a sensor that is gone matches nothing (the list says so).
      sensor_id text,
      sensor_kind text CHECK (sensor_kind IN ('tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state')),
      sensor_condition text NOT NULL CHECK (sensor_condition IN ('level', 'alert')),
      min_level smallint CHECK (min_level BETWEEN 1 AND 3),
      sensor_alert_kinds text[] NOT NULL DEFAULT '{}',
      camera_alert_kinds text[] NOT NULL CHECK (cardinality(camera_alert_kinds) >= 1),
      radius_m integer NOT NULL CHECK (radius_m BETWEEN 1 AND 5000),
      window_minutes integer NOT NULL CHECK (window_minutes BETWEEN 1 AND 1440),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((sensor_id IS NULL) <> (sensor_kind IS NULL)),
      CHECK (sensor_condition <> 'level' OR min_level IS NOT NULL),
      CHECK (sensor_condition <> 'alert' OR cardinality(sensor_alert_kinds) >= 1)
    );

    UPDATE incident_link_rules
       SET alert_kinds = alert_kinds || '{flooded_road}', opening_kinds = opening_kinds || '{flooded_road}', updated_at = now()
     WHERE name = 'flooding' AND NOT 'flooded_road' = ANY(alert_kinds);

    CREATE FUNCTION cityops_wake_joint_rules() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Identical notifications of one transaction are delivered once.
      PERFORM pg_notify('cityops_joint_rules_wake', '');
      RETURN NULL;
    END $$;
    CREATE TRIGGER alerts_wake_joint_rules AFTER INSERT OR UPDATE ON alerts
      FOR EACH ROW WHEN (NEW.source_type IN ('camera', 'sensor') AND NEW.kind NOT IN ('flooded_road', 'joint_rule'))
      EXECUTE FUNCTION cityops_wake_joint_rules();
  `);
}
