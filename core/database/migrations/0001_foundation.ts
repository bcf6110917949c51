// Foundation schema: people, audit, device registry and the two core time series.
// Migration number ranges by area, so parallel work never collides:
// 0001-0009 foundation, 0010-0019 alerts, 0020-0029 sensors, 0030-0039 cameras,
// 0040-0049 vision analytics, 0050-0059 analysis slots, 0060-0069 dashboard.
import type { MigrationContext } from '../migrate.ts';
import { createTimeSeriesTable } from '../time-series.ts';

export async function up({ db, caps }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE users (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{3,64}$'),
      display_name text NOT NULL DEFAULT '',
      role text NOT NULL CHECK (role IN ('admin', 'engineer', 'operator', 'field', 'viewer')),
      password_hash text NOT NULL,
      must_change_password boolean NOT NULL DEFAULT false,
      disabled boolean NOT NULL DEFAULT false,
      language text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- Only a SHA-256 of the session token is stored: a database dump does not give live sessions.
    CREATE TABLE sessions (
      token_hash bytea PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      source_address text
    );
    CREATE INDEX sessions_user ON sessions (user_id);

    CREATE TABLE login_failures (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      username text NOT NULL,
      source_address text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX login_failures_recent ON login_failures (source_address, username, at);

    -- Append-only: a trigger refuses UPDATE and DELETE, so the record cannot be edited after the fact.
    CREATE TABLE audit_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      user_id bigint,
      username text,
      source_address text,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text,
      details jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, at);
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

    CREATE TABLE districts (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,64}$'),
      name text NOT NULL,
      geometry jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE cameras (
      id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
      name text NOT NULL,
      rtsp_url text NOT NULL,
      rtsp_username text,
      rtsp_password_encrypted text,
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      bearing double precision CHECK (bearing >= 0 AND bearing < 360),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      detect_fps double precision NOT NULL DEFAULT 2 CHECK (detect_fps > 0 AND detect_fps <= 30),
      enabled boolean NOT NULL DEFAULT true,
      analysis jsonb NOT NULL DEFAULT '{"zones":[],"lines":[]}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cameras_district ON cameras (district_id);

    CREATE TABLE sensors (
      id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state')),
      unit text NOT NULL,
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      mqtt_username text UNIQUE,
      mqtt_password_encrypted text,
      level1 double precision,
      level2 double precision,
      level3 double precision,
      hysteresis double precision NOT NULL DEFAULT 0 CHECK (hysteresis >= 0),
      expected_interval_seconds integer NOT NULL DEFAULT 60 CHECK (expected_interval_seconds > 0),
      enabled boolean NOT NULL DEFAULT true,
      rules jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (level1 IS NULL OR level2 IS NULL OR level1 <= level2),
      CHECK (level2 IS NULL OR level3 IS NULL OR level2 <= level3)
    );
    CREATE INDEX sensors_district ON sensors (district_id);

    CREATE TABLE time_series_tables (
      name text PRIMARY KEY,
      time_column text NOT NULL,
      retain_for interval
    );
  `);

  await createTimeSeriesTable(db, caps, {
    name: 'sensor_readings',
    columns: `sensor_id text NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL,
              seq bigint, battery real, received_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (sensor_id, ts)`,
    timeColumn: 'ts',
    chunkInterval: '1 day',
    segmentBy: 'sensor_id',
    compressAfter: '7 days',
    retainFor: '730 days',
  });

  // Line crossings per camera, line, minute, class and direction (written by vision analytics).
  await createTimeSeriesTable(db, caps, {
    name: 'traffic_counts',
    columns: `camera_id text NOT NULL, line_id text NOT NULL, minute timestamptz NOT NULL,
              class text NOT NULL, direction text NOT NULL CHECK (direction IN ('+', '-')),
              count integer NOT NULL CHECK (count >= 0),
              PRIMARY KEY (camera_id, line_id, minute, class, direction)`,
    timeColumn: 'minute',
    chunkInterval: '7 days',
    segmentBy: 'camera_id',
    compressAfter: '30 days',
    retainFor: '730 days',
  });

  // Hourly vehicle counts: a continuous aggregate on TimescaleDB, a plain view otherwise (same columns).
  if (caps.timescale) {
    await db.query(`
      CREATE MATERIALIZED VIEW traffic_hourly WITH (timescaledb.continuous) AS
        SELECT time_bucket(INTERVAL '1 hour', minute) AS hour, camera_id, class, direction, sum(count)::bigint AS count
        FROM traffic_counts GROUP BY 1, 2, 3, 4 WITH NO DATA`);
    await db.query(`SELECT add_continuous_aggregate_policy('traffic_hourly',
        start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '5 minutes')`);
    // Real-time aggregation: recent, not yet materialised minutes are included in reads.
    await db.query(`ALTER MATERIALIZED VIEW traffic_hourly SET (timescaledb.materialized_only = false)`);
  } else {
    await db.query(`
      CREATE VIEW traffic_hourly AS
        SELECT date_bin(INTERVAL '1 hour', minute, TIMESTAMPTZ '2000-01-01') AS hour, camera_id, class, direction,
               sum(count)::bigint AS count
        FROM traffic_counts GROUP BY 1, 2, 3, 4`);
  }
}
