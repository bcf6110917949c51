// Responding agencies (police ward, fire brigade, ambulance station, drainage company, traffic police,
// district People's Committee, power company): the districts and incident kinds they cover, and how
// they receive work (their field teams in CityOps, a JSON webhook, an MQTT topic). A handoff
// records when an incident went to whom, whether it was delivered, and when and by whom it was
// acknowledged.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE agencies (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 150),
      kind text NOT NULL CHECK (kind IN ('police_ward', 'fire_brigade', 'ambulance_station', 'drainage_company', 'traffic_police',
        'district_committee', 'power_company', 'other')),
      -- Empty: the whole city; empty kinds: every kind.
      district_ids text[] NOT NULL DEFAULT '{}',
      incident_kinds text[] NOT NULL DEFAULT '{}',
      delivery text NOT NULL CHECK (delivery IN ('team', 'webhook', 'mqtt')),
      -- webhook: the URL, encrypted (it may carry a token).
      webhook_url_encrypted text,
      mqtt_topic text CHECK (mqtt_topic IS NULL OR (length(mqtt_topic) BETWEEN 1 AND 200 AND mqtt_topic !~ '[#+]')),
      phone text CHECK (phone IS NULL OR length(phone) <= 40),
      enabled boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (delivery <> 'webhook' OR webhook_url_encrypted IS NOT NULL),
      CHECK (delivery <> 'mqtt' OR mqtt_topic IS NOT NULL)
    );
    -- A team belongs to at most one agency (its field team in CityOps).
    ALTER TABLE teams ADD COLUMN agency_id bigint REFERENCES agencies(id) ON DELETE SET NULL;

    CREATE TABLE incident_handoffs (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      agency_id bigint REFERENCES agencies(id) ON DELETE SET NULL,
      agency_name text NOT NULL,
      delivery text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      by_user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      by_name text NOT NULL,
      -- Outbound delivery (webhook, MQTT): attempts with backoff until delivered or given up.
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      delivered_at timestamptz,
      last_error text,
      gave_up_at timestamptz,
      acknowledged_at timestamptz,
      acknowledged_by text CHECK (acknowledged_by IS NULL OR length(acknowledged_by) <= 150)
    );
    CREATE INDEX incident_handoffs_incident ON incident_handoffs (incident_id);
    CREATE INDEX incident_handoffs_due ON incident_handoffs (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
  `);
}
