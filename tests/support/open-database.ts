// Opening and dropping a test database by name. Free of vitest, so benchmarks can use it too.
import pg from 'pg';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { detectCapabilities, type DatabaseCapabilities } from '../../core/database/capabilities.ts';
import { APP_ROLE, OWNER_ROLE } from '../../core/database/roles.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from './urls.ts';

export interface TestDatabase {
  name: string;
  /**
   * `url` and `db` connect as the application role, as the roles do in production (core/database/roles.ts):
   * rows only, no DDL, no TRUNCATE, audit_log INSERT/SELECT. Clones of the test template only; a
   * database opened with `as: 'superuser'` (not set up for roles) connects as the superuser.
   */
  url: string;
  db: Database;
  /** The same database as the owner role that ran the migrations (DDL, partition maintenance). */
  ownerUrl: string;
  /** The same database as the test server's superuser. */
  superuserUrl: string;
  caps: DatabaseCapabilities;
  drop(): Promise<void>;
}

/** Connects to an existing test database and knows how to drop it (used by the benches too). */
export async function openTestDatabase(name: string, { as = 'app' }: { as?: 'app' | 'superuser' } = {}): Promise<TestDatabase> {
  const superuserUrl = databaseUrl(name);
  const url = as === 'app' ? databaseUrlAs(name, APP_ROLE) : superuserUrl;
  const db = createDatabase(url, 10);
  const caps = await detectCapabilities(db);
  return {
    name,
    url,
    db,
    ownerUrl: databaseUrlAs(name, OWNER_ROLE),
    superuserUrl,
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
