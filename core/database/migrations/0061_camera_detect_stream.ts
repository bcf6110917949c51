// A camera's detect stream: a second, low-resolution stream of the same camera (a "substream") that
// camera-ingest decodes for analysis while the main stream goes to live view and evidence clips.
// Stored like rtsp_url: without credentials; those typed into it (user:pass@, ?password=…) are kept
// encrypted beside it, and without any the camera's own credentials are used.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE cameras
      ADD COLUMN detect_stream_url text,
      ADD COLUMN detect_stream_credentials_encrypted text
  `);
}
