// Photos on an incident: what a field team saw and, for kinds whose dispatch policy requires it, the
// proof of the fix without which the incident cannot be resolved.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE incident_photos (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      incident_id bigint NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
      content_type text NOT NULL,
      width integer NOT NULL,
      height integer NOT NULL,
      bytes bytea NOT NULL,
      user_id bigint REFERENCES users(id) ON DELETE SET NULL,
      username text NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX incident_photos_incident ON incident_photos (incident_id, id);
  `);
}
