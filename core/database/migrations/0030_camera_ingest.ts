// Camera ingest: which worker holds which camera (leases), each camera's health as its worker sees
// it, the key that signs live-view URLs, and evidence clips linked to alerts.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    -- A camera-ingest worker process. Its row expires like its leases when it stops heartbeating.
    CREATE TABLE camera_workers (
      worker_id text PRIMARY KEY CHECK (length(worker_id) BETWEEN 1 AND 200),
      host text NOT NULL,
      pid integer NOT NULL,
      -- Base URL of the worker's live-view server (signed HTTP-FLV and snapshots).
      live_url text,
      started_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );

    -- One row per camera (created by the workers); a camera is free when expires_at has passed.
    CREATE TABLE camera_leases (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      worker_id text,
      acquired_at timestamptz,
      expires_at timestamptz NOT NULL DEFAULT '-infinity'
    );
    CREATE INDEX camera_leases_worker ON camera_leases (worker_id, expires_at);

    CREATE TABLE camera_status (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      state text NOT NULL CHECK (state IN ('online', 'degraded', 'offline')),
      reason text,
      message text,
      fps real NOT NULL DEFAULT 0,
      target_fps real NOT NULL DEFAULT 0,
      frames_received bigint NOT NULL DEFAULT 0,
      frames_delivered bigint NOT NULL DEFAULT 0,
      frames_dropped bigint NOT NULL DEFAULT 0,
      restarts integer NOT NULL DEFAULT 0,
      last_frame_at timestamptz,
      codec text,
      width integer,
      height integer,
      picture text[] NOT NULL DEFAULT '{}',
      live_view boolean NOT NULL DEFAULT false,
      buffer_bytes bigint NOT NULL DEFAULT 0,
      clip_bytes bigint NOT NULL DEFAULT 0,
      worker_id text,
      since timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- HMAC key for short-lived live-view and snapshot URLs, shared by the api role (which issues them)
    -- and the camera-ingest workers (which check them). Stored encrypted with SECRET_KEY.
    CREATE TABLE camera_live_signing_key (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      key_encrypted text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Evidence clip of a camera alert: 10 s before to 20 s after the trigger, stream copied.
    CREATE TABLE alert_clips (
      alert_id bigint PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
      camera_id text NOT NULL,
      trigger_at timestamptz NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'saved', 'failed', 'deleted')),
      file_path text,
      bytes bigint,
      clip_start_at timestamptz,
      duration_seconds double precision,
      error text,
      worker_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      saved_at timestamptz,
      delete_after timestamptz
    );
    CREATE INDEX alert_clips_pending ON alert_clips (camera_id, trigger_at) WHERE state = 'pending';
    CREATE INDEX alert_clips_expiry ON alert_clips (delete_after) WHERE state = 'saved';

    -- Every new camera alert, whoever raised it (camera ingest, vision analytics, an operator), asks
    -- for a clip; the worker holding the camera's lease saves it (notified at commit).
    CREATE FUNCTION request_alert_clip() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO alert_clips (alert_id, camera_id, trigger_at) VALUES (NEW.id, NEW.source_id, NEW.first_seen_at)
          ON CONFLICT (alert_id) DO NOTHING;
        PERFORM pg_notify('cityops_clip_requests', json_build_object('alertId', NEW.id, 'cameraId', NEW.source_id)::text);
        RETURN NEW;
      END $$;
    CREATE TRIGGER alerts_request_clip AFTER INSERT ON alerts
      FOR EACH ROW WHEN (NEW.source_type = 'camera') EXECUTE FUNCTION request_alert_clip();
  `);
}
