// Residents' photos and clips move out of the database into files (core/media-store.ts, REPORT_MEDIA_DIR):
// storing a 380 kB photo as `bytea` was most of what a report cost PostgreSQL. A row names its file
// relative to the store's directory. Rows written before this migration keep their bytes and are served
// from them; every new row has a file and no bytes.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    ALTER TABLE citizen_report_media
      ALTER COLUMN bytes DROP NOT NULL,
      ADD COLUMN file_name text UNIQUE CHECK (file_name ~ '^\\d{10}/[0-9a-f]{32}\\.[a-z0-9]{1,5}$'),
      ADD CONSTRAINT citizen_report_media_stored_once CHECK ((bytes IS NULL) <> (file_name IS NULL));
  `);
}
