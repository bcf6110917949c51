// Opening and dropping a test database by name. Free of vitest, so benchmarks can use it too.
import pg from 'pg';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { detectCapabilities, type DatabaseCapabilities } from '../../core/database/capabilities.ts';
import { APP_ROLE, OWNER_ROLE } from '../../core/database/roles.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from './urls.ts';

export interface TestDatabase {
  name: string;
  url: string;
  /** The same database as the application role the roles connect as in production (no DDL, no TRUNCATE). */
  appUrl: string;
  /** The same database as the owner role that ran the migrations. */
  ownerUrl: string;
  db: Database;
  caps: DatabaseCapabilities;
  drop(): Promise<void>;
}

/** Connects to an existing test database and knows how to drop it (used by the benches too). */
export async function openTestDatabase(name: string): Promise<TestDatabase> {
  const url = databaseUrl(name);
  const db = createDatabase(url, 10);
  const caps = await detectCapabilities(db);
  return {
    name,
    url,
    appUrl: databaseUrlAs(name, APP_ROLE),
    ownerUrl: databaseUrlAs(name, OWNER_ROLE),
    db,
    caps,
    async drop() {
      await db.end().catch(() => {});
      const cleanup = new pg.Client({ connectionString: adminUrl() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      await cleanup.end();
    },
  };
}
