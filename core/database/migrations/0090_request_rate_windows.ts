// Requests per caller per minute for public routes (core/http/rate-limit.ts): one row per bucket, key and
// minute, counted by an upsert so that the limit holds across API processes, as login throttling does.
import type { MigrationContext } from '../migrate.ts';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.query(`
    CREATE TABLE request_rate_windows (
      bucket text NOT NULL CHECK (length(bucket) BETWEEN 1 AND 64),
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 128),
      window_start timestamptz NOT NULL,
      count integer NOT NULL CHECK (count >= 0),
      PRIMARY KEY (bucket, key, window_start)
    );
    CREATE INDEX request_rate_windows_start ON request_rate_windows (window_start);
  `);
}
