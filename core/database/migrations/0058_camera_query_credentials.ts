// Credentials some cameras take in the URL's query (`?user=admin&password=…`): kept out of rtsp_url,
// encrypted like rtsp_password_encrypted (devices/camera-repository.ts splits and re-attaches them).
// Their parameter names are not secret: the registry shows which ones are held.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE cameras
      ADD COLUMN rtsp_query_credentials_encrypted text,
      ADD COLUMN rtsp_query_credential_names text[] NOT NULL DEFAULT '{}'
  `);
}
