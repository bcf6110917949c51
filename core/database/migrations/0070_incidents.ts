// Incidents: one situation in the city, whatever reported it. Alerts are linked to at most one incident
// (by the link rules below, or by an operator), hotline calls open or join one, and everything that
// happens to an incident is a line of its timeline. The linker reads alert_events in commit order from
// its own cursor, so an alert raised while no api process ran is linked when one starts.
import type { MigrationContext } from '../migrate.ts';

const INCIDENT_KINDS = `'flooding', 'traffic_accident', 'stalled_vehicle', 'crowd', 'fire', 'infrastructure_fault', 'public_order', 'other'`;
const SEVERITIES = `'critical', 'major', 'minor', 'info'`;

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- Great-circle distance in metres (haversine; a city is small enough for the sphere).
    CREATE FUNCTION cityops_distance_m(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT 2 * 6371008.8 * asin(sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2) + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)))
    $$;

    CREATE TABLE incidents (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN (${INCIDENT_KINDS})),
      kind_set_by text NOT NULL DEFAULT 'rule' CHECK (kind_set_by IN ('rule', 'person')),
      -- The rank of the link rule that chose the kind (lower wins); null when a person chose it.
      kind_rule_rank integer,
      severity text NOT NULL CHECK (severity IN (${SEVERITIES})),
      state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'dispatched', 'on_scene', 'resolved', 'closed')),
      title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      address text NOT NULL DEFAULT '' CHECK (length(address) <= 300),
      opened_at timestamptz NOT NULL DEFAULT now(),
      -- The last time a source (alert, call) added to it: the link rules' time window runs from here.
      last_source_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      dispatched_at timestamptz,
      on_scene_at timestamptz,
      resolved_at timestamptz,
      closed_at timestamptz,
      merged_into_id bigint REFERENCES incidents(id) ON DELETE SET NULL,
      created_by bigint REFERENCES users(id) ON DELETE SET NULL,
      CHECK ((lat IS NULL) = (lon IS NULL))
    );
    CREATE INDEX incidents_active ON incidents (last_source_at) WHERE state IN ('open', 'dispatched', 'on_scene');
    CREATE INDEX incidents_opened ON incidents (opened_at);

    -- An alert belongs to at most one incident (the primary key is the guarantee when two linkers race).
    CREATE TABLE incident_alerts (
      alert_id bigint PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      linked_at timestamptz NOT NULL DEFAULT now(),
      -- The rule that linked it (its name at the time), or null when a person did.
      rule_name text
    );
    CREATE INDEX incident_alerts_incident ON incident_alerts (incident_id);

    CREATE TABLE hotline_calls (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      line text NOT NULL CHECK (line IN ('113', '114', '115', '1022', 'other')),
      caller_name text CHECK (caller_name IS NULL OR length(caller_name) <= 100),
      caller_number text CHECK (caller_number IS NULL OR length(caller_number) <= 40),
      kind text NOT NULL CHECK (kind IN (${INCIDENT_KINDS})),
      said text NOT NULL CHECK (length(said) <= 4000),
      lat double precision CHECK (lat BETWEEN -90 AND 90),
      lon double precision CHECK (lon BETWEEN -180 AND 180),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      address text NOT NULL DEFAULT '' CHECK (length(address) <= 300),
      received_at timestamptz NOT NULL DEFAULT now(),
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL
    );
    CREATE INDEX hotline_calls_incident ON hotline_calls (incident_id);

    -- The timeline: every source attached and every action, in order.
    CREATE TABLE incident_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      at timestamptz NOT NULL DEFAULT now(),
      type text NOT NULL,
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL,
      note text CHECK (note IS NULL OR length(note) <= 4000),
      data jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

    -- Which alerts belong together, readable and tunable by engineers. Rules are tried in rank order
    -- (lower first). An alert whose kind is in alert_kinds joins an active incident that is of the
    -- rule's kind or holds an alert of one of those kinds, within distance_m of the incident or one of
    -- its sources, whose last source came at most window_minutes before. When none is found and the
    -- alert's kind is in opening_kinds with at least open_min_severity, it opens an incident of the
    -- rule's kind. An incident a worse-ranked rule opened is relabelled by a better one (a stalled car,
    -- then a level III tide next to it: flooding), unless a person chose its kind.
    CREATE TABLE incident_link_rules (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
      rank integer NOT NULL,
      incident_kind text NOT NULL CHECK (incident_kind IN (${INCIDENT_KINDS})),
      alert_kinds text[] NOT NULL CHECK (cardinality(alert_kinds) >= 1),
      opening_kinds text[] NOT NULL DEFAULT '{}' CHECK (opening_kinds <@ alert_kinds),
      open_min_severity text NOT NULL DEFAULT 'info' CHECK (open_min_severity IN (${SEVERITIES})),
      distance_m integer NOT NULL CHECK (distance_m BETWEEN 1 AND 50000),
      window_minutes integer NOT NULL CHECK (window_minutes BETWEEN 1 AND 10080),
      enabled boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO incident_link_rules (name, rank, incident_kind, alert_kinds, opening_kinds, open_min_severity, distance_m, window_minutes) VALUES
      ('flooding', 10, 'flooding', '{sensor_level,sensor_rate_of_rise,stalled_vehicle,congestion}', '{sensor_level}', 'critical', 500, 30),
      ('stalled vehicle', 20, 'stalled_vehicle', '{stalled_vehicle,congestion,wrong_way}', '{stalled_vehicle}', 'info', 300, 30),
      ('crowd', 30, 'crowd', '{crowd}', '{crowd}', 'info', 300, 30);

    -- Where the linker has read alert_events to (their commit-order position). One row.
    CREATE TABLE incident_linker_cursor (
      id integer PRIMARY KEY CHECK (id = 1),
      position bigint NOT NULL
    );
    -- Alerts raised before incidents existed stay as they are.
    INSERT INTO incident_linker_cursor (id, position) SELECT 1, COALESCE(max(position), 0) FROM alert_events;
  `);
}
