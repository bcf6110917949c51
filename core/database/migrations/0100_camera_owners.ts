// Private cameras (devices/private-cameras/): a camera may belong to a resident, a shop, a school, a
// building or an organisation that shares it under a consent record. Cameras without a consent row are
// the city's own and behave as before. The owner's contact is encrypted (core/secret-box.ts); their link
// token is stored as its sha256 only. A consent row is never deleted: an ended consent keeps the camera
// private and unshared until a new consent is registered.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE camera_owners (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind text NOT NULL CHECK (kind IN ('resident', 'shop', 'school', 'building', 'organisation')),
      contact_encrypted text,
      link_token_sha256 text UNIQUE CHECK (link_token_sha256 ~ '^[0-9a-f]{64}$'),
      link_issued_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE camera_consents (
      camera_id text PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
      -- RESTRICT: removing an owner must not turn their camera into a city camera.
      owner_id bigint NOT NULL REFERENCES camera_owners(id) ON DELETE RESTRICT,
      shares_live boolean NOT NULL,
      shares_analysis boolean NOT NULL,
      shares_clips boolean NOT NULL,
      -- Local time (time_zone) HH:MM; both NULL = all day; from > to crosses midnight.
      hours_from text CHECK (hours_from ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      hours_to text CHECK (hours_to ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
      time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
      clip_retention_days integer NOT NULL CHECK (clip_retention_days BETWEEN 1 AND 365),
      given_at timestamptz NOT NULL,
      ends_at timestamptz,
      paused_at timestamptz,
      resumed_at timestamptz,
      ended_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((hours_from IS NULL) = (hours_to IS NULL)),
      CHECK (hours_from IS NULL OR hours_from <> hours_to),
      CHECK (ends_at IS NULL OR ends_at > given_at)
    );
    CREATE INDEX camera_consents_owner ON camera_consents (owner_id);

    -- A consent paused, resumed, ended or changed takes a camera's analysis slot away (or gives it back)
    -- at once: wake the slot leader, as a camera going offline does (migration 0052).
    CREATE FUNCTION analysis_slots_wake_on_consent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('cityops_slots_wake', 'camera_consent:' || NEW.camera_id); RETURN NULL; END $$;
    CREATE TRIGGER analysis_slots_wake_on_consent AFTER INSERT OR UPDATE ON camera_consents
      FOR EACH ROW EXECUTE FUNCTION analysis_slots_wake_on_consent();
  `);
}
