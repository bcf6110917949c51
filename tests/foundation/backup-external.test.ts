// npm run backup / restore with an external DATABASE_URL (core/database/backup.ts): pg_dump as the owner,
// pg_restore into an empty database prepared for the roles, the application role's grants given back;
// a non-empty database is refused without --force; a pg_dump older than the server is named clearly.
// The external server is one this machine's pg_dump can dump (see useServerPgDumpCanDump).
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, systemActor } from '../../core/audit.ts';
import { loadConfig } from '../../core/config.ts';
import { backup, findPgTool, restore, serverVersionOf } from '../../core/database/backup.ts';
import { createDatabase } from '../../core/database/pool.ts';
import { APP_ROLE, OWNER_ROLE, setupDatabaseRoles } from '../../core/database/roles.ts';
import { createLogger } from '../../core/logger.ts';
import { migrate } from '../../core/database/migrate.ts';
import { openTestDatabase, type TestDatabase } from '../support/open-database.ts';
import { startRunPostgres, systemPostgresBinaries, type RunPostgres } from '../support/run-postgres.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from '../support/urls.ts';

let source: TestDatabase;
let systemServer: RunPostgres | undefined;
const sourceName = `cityops_t_${process.pid}_${randomBytes(4).toString('hex')}`;
const targetName = `cityops_t_${process.pid}_${randomBytes(4).toString('hex')}`;
const workDir = mkdtempSync(path.join(tmpdir(), 'cityops-backup-external-'));
const logger = createLogger('silent');

/**
 * An external PostgreSQL that a pg_dump on this machine can dump: the run's own server when one can
 * (a given TEST_DATABASE_URL of the machine's version), else a throwaway server from the machine's own
 * PostgreSQL programs (the run's embedded server is newer than Debian's pg_dump). A machine with
 * neither (no PostgreSQL package at all) cannot run this file: it is skipped, saying why.
 */
const runServerVersion = await serverVersionOf(adminUrl());
const runServerDumpable = await findPgTool('pg_dump', runServerVersion).then(() => true, () => false);
const systemServerPrograms = runServerDumpable ? undefined : systemPostgresBinaries();
const skipReason = runServerDumpable || systemServerPrograms ? undefined : `no pg_dump for PostgreSQL ${runServerVersion} and no PostgreSQL server under /usr/lib/postgresql (apt-get install -y postgresql)`;
if (skipReason) console.warn(`backup-external: skipped: ${skipReason}`);

async function useServerPgDumpCanDump(): Promise<void> {
  if (!systemServerPrograms) return;
  systemServer = await startRunPostgres(systemServerPrograms);
  process.env.TEST_DATABASE_URL = systemServer.adminUrl;
}

/** What `npm run db:setup` does on a new server: the roles and the owner's right to create. */
async function createPreparedDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const target = new pg.Client({ connectionString: databaseUrl(name) });
  await target.connect();
  await setupDatabaseRoles(target, { owner: OWNER_ROLE, app: APP_ROLE });
  await target.end();
}

beforeAll(async () => {
  if (skipReason) return;
  await useServerPgDumpCanDump();
  await createPreparedDatabase(sourceName);
  const owner = createDatabase(databaseUrlAs(sourceName, OWNER_ROLE), 2);
  try {
    await migrate(owner, { grantTo: APP_ROLE });
  } finally {
    await owner.end();
  }
  source = await openTestDatabase(sourceName);
  await createPreparedDatabase(targetName);
});
afterAll(async () => {
  await source?.drop();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${targetName}" WITH (FORCE)`).catch(() => {});
  await admin.end();
  await systemServer?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const configFor = (name: string, dataDir: string) =>
  loadConfig({ DATABASE_URL: databaseUrlAs(name, APP_ROLE), DATABASE_OWNER_URL: databaseUrlAs(name, OWNER_ROLE), MQTT_URL: 'mqtt://127.0.0.1:1', DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, []);

describe.skipIf(skipReason)('backup and restore of an external PostgreSQL', () => {
  it('dumps with pg_dump and restores into an empty database, where the application role works again', async () => {
    await source.db.query(`INSERT INTO sensors (id, name, kind, unit) VALUES ('tide-external', 'Tide', 'tide_level', 'm')`);
    await recordAudit(source.db, systemActor('backup-test'), { action: 'before-backup', entityType: 'test' });
    const archive = path.join(workDir, 'external.backup');
    const manifest = await backup(configFor(source.name, path.join(workDir, 'source-data')), archive, logger);
    expect(manifest.database).toBe('pg_dump');

    const targetConfig = configFor(targetName, path.join(workDir, 'target-data'));
    await restore(targetConfig, archive, {}, logger);
    const app = createDatabase(targetConfig.DATABASE_URL!, 1);
    try {
      expect((await app.query(`SELECT name FROM sensors WHERE id = 'tide-external'`)).rows).toEqual([{ name: 'Tide' }]);
      expect((await app.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'before-backup'`)).rows[0].n).toBe(1);
      await recordAudit(app, systemActor('backup-test'), { action: 'after-restore', entityType: 'test' });
      await expect(app.query(`DELETE FROM audit_log`)).rejects.toMatchObject({ code: '42501' });
      const owners = await app.query(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace`);
      expect(owners.rows).toEqual([{ owner: OWNER_ROLE }]);
    } finally {
      await app.end();
    }

    await expect(restore(targetConfig, archive, {}, logger)).rejects.toThrow(/is not empty .* pass --force/);
    await restore(targetConfig, archive, { force: true }, logger);
    const again = createDatabase(targetConfig.DATABASE_URL!, 1);
    try {
      const actions = await again.query(`SELECT action FROM audit_log WHERE entity_type = 'test' ORDER BY id`);
      expect(actions.rows).toEqual([{ action: 'before-backup' }]); // the database is the backup's again
    } finally {
      await again.end();
    }
  });

  it('names the client package to install when pg_dump is older than the server', async () => {
    await expect(findPgTool('pg_dump', '99.1')).rejects.toThrow(/pg_dump 99 or newer is needed .* found .*pg_dump.* Install postgresql-client-99 .* or set PG_BIN_DIR/);
  });
});
