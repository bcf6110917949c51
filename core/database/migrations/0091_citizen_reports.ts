// Residents' reports (dashboard/server/citizen-reports/): a problem in the street sent from the public page
// /report, joined to an incident like a hotline call. The resident follows it by `code`; the contact
// details are encrypted (core/secret-box.ts), shown only to operators and wiped REPORT_CONTACT_DAYS after
// resolution. Photos and the clip are stored re-encoded (no EXIF, no GPS, no device serial).
import type { MigrationContext } from '../migrate.ts';

const CATEGORIES = `'flooding', 'traffic_accident', 'traffic_jam', 'fallen_tree', 'broken_streetlight', 'sidewalk_encroachment', 'illegal_parking', 'garbage', 'fire_smoke', 'other'`;

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE citizen_reports (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- The resident's tracking code (unguessable, short enough to read out on the phone).
      code text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Z]{4}-[0-9A-Z]{4}$'),
      -- The page's Idempotency-Key: a resend of the same report (the outbox after a lost answer) gets the first code.
      submission_key text NOT NULL UNIQUE CHECK (length(submission_key) BETWEEN 8 AND 128),
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      category text NOT NULL CHECK (category IN (${CATEGORIES})),
      description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
      lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
      lon double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
      district_id text REFERENCES districts(id) ON DELETE SET NULL,
      -- When the resident pressed send (a report may wait offline on the phone), and when it arrived.
      submitted_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      contact_encrypted text,
      contact_deleted_at timestamptz,
      -- sha256 of the page's device id: enough to see one device flooding, nothing to recognise a phone by.
      device_hash text,
      rejected_at timestamptz,
      rejected_by bigint REFERENCES users(id) ON DELETE SET NULL,
      rejected_by_name text,
      rejection_reason text CHECK (length(rejection_reason) <= 500),
      rating_stars smallint CHECK (rating_stars BETWEEN 1 AND 5),
      rating_comment text CHECK (length(rating_comment) <= 1000),
      rated_at timestamptz,
      CHECK ((rejected_at IS NULL) = (rejection_reason IS NULL)),
      CHECK ((rating_stars IS NULL) = (rated_at IS NULL))
    );
    CREATE INDEX citizen_reports_incident ON citizen_reports (incident_id);
    CREATE INDEX citizen_reports_received ON citizen_reports (received_at);
    CREATE INDEX citizen_reports_contact_kept ON citizen_reports (incident_id) WHERE contact_encrypted IS NOT NULL;

    CREATE TABLE citizen_report_media (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      report_id bigint NOT NULL REFERENCES citizen_reports(id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('photo', 'clip')),
      position smallint NOT NULL CHECK (position BETWEEN 0 AND 3),
      content_type text NOT NULL,
      width integer NOT NULL,
      height integer NOT NULL,
      duration_seconds real,
      bytes bytea NOT NULL,
      UNIQUE (report_id, kind, position)
    );
    -- JPEG and H.264 do not compress further: stored out of line without PostgreSQL trying (and failing) to.
    ALTER TABLE citizen_report_media ALTER COLUMN bytes SET STORAGE EXTERNAL;
  `);
}
