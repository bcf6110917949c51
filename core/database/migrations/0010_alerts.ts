// Alerts: one row per situation, every change as an alert_event, field teams, notes and photos; and
// the table the live delivery (core/live) uses for messages over NOTIFY's 8000-byte limit.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE teams (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      phone text CHECK (phone IS NULL OR length(phone) <= 40),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE team_members (
      team_id bigint NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
      user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (team_id, user_id)
    );
    CREATE INDEX team_members_user ON team_members (user_id);

    CREATE TABLE alerts (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('crowd', 'stalled_vehicle', 'wrong_way', 'congestion', 'camera_offline',
        'camera_tamper', 'sensor_level', 'sensor_rate_of_rise', 'sensor_offline', 'manual')),
      severity text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'info')),
      state text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'acknowledged', 'assigned', 'resolved', 'closed')),
      source_type text NOT NULL CHECK (source_type IN ('camera', 'sensor', 'system')),
      source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 128),
      zone_id text NOT NULL DEFAULT '' CHECK (length(zone_id) <= 128),
      title_vi text NOT NULL,
      title_en text NOT NULL,
      description_vi text NOT NULL DEFAULT '',
      description_en text NOT NULL DEFAULT '',
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      evidence jsonb NOT NULL DEFAULT '{}',
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      occurrences integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1),
      assigned_team_id bigint REFERENCES teams(id) ON DELETE SET NULL,
      acknowledged_at timestamptz,
      team_acknowledged_at timestamptz,
      assigned_at timestamptz,
      resolved_at timestamptz,
      closed_at timestamptz,
      -- Auto-clear: the condition ended by itself. The alert stays (and stays open) until people close it;
      -- a new trigger for the same situation clears the mark again.
      auto_cleared_at timestamptz,
      auto_cleared_reason_vi text,
      auto_cleared_reason_en text,
      created_by bigint REFERENCES users(id) ON DELETE SET NULL,
      last_event_id bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- One situation, one alert: at most one open alert per (source, kind, zone). Producers upsert
    -- against this index (INSERT ... ON CONFLICT), so concurrent triggers from any number of
    -- processes end in one row.
    CREATE UNIQUE INDEX alerts_one_open_per_situation ON alerts (source_type, source_id, kind, zone_id)
      WHERE state IN ('new', 'acknowledged', 'assigned');
    CREATE INDEX alerts_active ON alerts (id) WHERE state <> 'closed';
    CREATE INDEX alerts_first_seen ON alerts (first_seen_at);
    CREATE INDEX alerts_district_kind ON alerts (district_id, kind, first_seen_at);
    CREATE INDEX alerts_team ON alerts (assigned_team_id) WHERE assigned_team_id IS NOT NULL;

    -- Every change of every alert, in commit order (writers take an advisory lock before inserting, so
    -- ids are assigned in the order transactions commit). The id is the resync cursor of live clients.
    CREATE TABLE alert_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      type text NOT NULL,
      from_state text,
      to_state text NOT NULL,
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL,
      note text,
      -- Who may see this event: the team the alert is assigned to after the change, and before it
      -- (that team is told the alert left it).
      team_id bigint,
      previous_team_id bigint,
      -- The alert as it was after this change (the same view live clients get), for replay.
      alert jsonb NOT NULL
    );
    CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

    CREATE TABLE alert_notes (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      event_id bigint REFERENCES alert_events(id) ON DELETE SET NULL,
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL,
      text text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);

    -- Images: the producer's snapshot (one, the latest) and field photos.
    CREATE TABLE alert_media (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      alert_id bigint NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('snapshot', 'photo')),
      content_type text NOT NULL,
      width integer,
      height integer,
      bytes bytea NOT NULL,
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX alert_media_one_snapshot ON alert_media (alert_id) WHERE kind = 'snapshot';
    CREATE INDEX alert_media_alert ON alert_media (alert_id, kind);

    -- Used by @socket.io/postgres-adapter and core/live for live messages over 8000 bytes.
    CREATE TABLE IF NOT EXISTS socket_io_attachments (
      id bigserial UNIQUE,
      created_at timestamptz DEFAULT now(),
      payload bytea
    );
  `);
}
