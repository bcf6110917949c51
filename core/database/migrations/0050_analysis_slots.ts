// Analysis slots: the cheap tier's view of every camera, operator pins, time-of-day priorities, the
// slot table the scheduler writes and the analytics workers lease, and the workers themselves.
// See analytics/slots/scheduler.ts for the policy.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- Cheap tier, written by camera-ingest every few seconds per camera (analytics/slots/ingest-hook.ts).
    CREATE TABLE camera_activity (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      -- Mean absolute luma difference between consecutive sampled frames over the last report, 0-255.
      motion_score real NOT NULL DEFAULT 0 CHECK (motion_score >= 0),
      motion_peak real NOT NULL DEFAULT 0 CHECK (motion_peak >= 0),
      frames integer NOT NULL DEFAULT 0 CHECK (frames >= 0),
      -- false as soon as camera-ingest sees the stream die; a stale last_frame_at also counts as down.
      stream_online boolean NOT NULL DEFAULT true,
      last_frame_at timestamptz,
      reported_at timestamptz NOT NULL DEFAULT now(),
      reported_by text NOT NULL DEFAULT ''
    );

    -- Cameras an operator wants analysed whatever else happens. Every pin and unpin is audited.
    CREATE TABLE analysis_pins (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      pinned_at timestamptz NOT NULL DEFAULT now(),
      pinned_by_user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      pinned_by text NOT NULL,
      note text NOT NULL DEFAULT '' CHECK (length(note) <= 500)
    );

    -- Time-of-day priority windows per camera: [{ "from": "07:00", "to": "09:00", "priority": 2, "days"?: [1..7] }].
    CREATE TABLE analysis_priorities (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      windows jsonb NOT NULL DEFAULT '[]',
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- The slot table: one row per camera holding a slot. The scheduler (one leader, under an advisory
    -- lock) inserts and deletes rows; analytics workers lease them (worker_id, lease_expires_at).
    CREATE TABLE analysis_slots (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      reason text NOT NULL CHECK (reason IN ('pinned', 'alert', 'sensor_alarm', 'motion', 'time_of_day', 'round_robin')),
      detail jsonb NOT NULL DEFAULT '{}',
      assigned_at timestamptz NOT NULL,
      worker_id text,
      lease_expires_at timestamptz,
      first_frame_at timestamptz,
      last_frame_at timestamptz,
      frames_analysed bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX analysis_slots_worker ON analysis_slots (worker_id);

    -- Live analytics workers and what each can take (measured from its own inference speed).
    CREATE TABLE analysis_workers (
      worker_id text PRIMARY KEY CHECK (length(worker_id) BETWEEN 1 AND 200),
      hostname text NOT NULL,
      capacity integer NOT NULL CHECK (capacity >= 0),
      ms_per_frame real,
      started_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now()
    );

    -- Per camera: when it last held a slot (round-robin order) and when a frame of it was last analysed.
    CREATE TABLE analysis_camera_state (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      last_served_at timestamptz,
      last_analysed_at timestamptz
    );

    -- What the leader last decided, for the API and the dashboard (one row).
    CREATE TABLE analysis_scheduler_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      leader text NOT NULL,
      ran_at timestamptz NOT NULL,
      slot_count integer NOT NULL,
      slot_source text NOT NULL,
      round_robin_reserve integer NOT NULL DEFAULT 0,
      notices jsonb NOT NULL DEFAULT '[]'
    );

    -- "Recent event on a camera": alerts by last-seen time.
    CREATE INDEX IF NOT EXISTS alerts_recent_by_source ON alerts (last_seen_at, source_type);

    -- A new alert wakes the slot leader at once instead of at its next tick (it reads the alert itself).
    CREATE FUNCTION analysis_slots_wake_on_alert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('cityops_slots_wake', 'alert'); RETURN NULL; END $$;
    CREATE TRIGGER analysis_slots_wake AFTER INSERT ON alerts
      FOR EACH STATEMENT EXECUTE FUNCTION analysis_slots_wake_on_alert();
  `);
}
