// Versioned migrations: core/database/migrations/NNNN_name.ts, each exporting `up(context)`.
// Applied in order at start, each in its own transaction, under an advisory lock so that several
// role processes starting together apply them once. Re-running is a no-op.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { detectCapabilities, type DatabaseCapabilities } from './capabilities.ts';
import type { Database } from './pool.ts';
import { grantApplicationPrivileges } from './roles.ts';
import { AppError } from '../errors.ts';

export interface MigrationContext {
  db: pg.PoolClient;
  caps: DatabaseCapabilities;
}

export interface Migration {
  version: number;
  name: string;
  up(context: MigrationContext): Promise<void>;
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const MIGRATION_LOCK_KEY = 7_240_001; // arbitrary, constant: the advisory lock every process agrees on

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.ts$/.test(file))
    .sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { up: Migration['up'] };
    migrations.push({ version: Number(file.slice(0, 4)), name: file.slice(5, -3), up: module.up });
  }
  const versions = migrations.map((migration) => migration.version);
  // A programming error in the shipped migrations, not something an operator can fix: a plain Error.
  if (new Set(versions).size !== versions.length) throw new Error('two migrations share a version number');
  return migrations;
}

export interface MigrateOptions {
  logger?: Logger;
  /**
   * The application role (when migrations run as the owner): after migrating, it is granted what it
   * needs on every object, see roles.ts grantApplicationPrivileges.
   */
  grantTo?: string;
}

export async function migrate(db: Database, { logger, grantTo }: MigrateOptions = {}): Promise<DatabaseCapabilities> {
  const client = await db.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const caps = await detectCapabilities(client);
    const migrations = await loadMigrations();
    // Read before any DDL: an application role (no CREATE on the schema) starting against an
    // up-to-date database must not fail on CREATE TABLE IF NOT EXISTS.
    const tracked = (await client.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`)).rows[0].exists;
    const applied = new Set(
      tracked ? (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version) : [],
    );
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    if (pending.length && !tracked) {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
    for (const migration of pending) {
      await client.query('BEGIN');
      try {
        await migration.up({ db: client, caps });
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        await client.query('COMMIT');
        logger?.info({ version: migration.version, name: migration.name }, 'migration applied');
      } catch (error) {
        await client.query('ROLLBACK');
        const denied = (error as { code?: string }).code === '42501';
        const hint = denied ? ' (the connection lacks rights: run migrations as the owner role, DATABASE_OWNER_URL)' : '';
        throw new AppError('migration_failed', `migration ${migration.version}_${migration.name} failed: ${(error as Error).message}${hint}`, undefined, { cause: error });
      }
    }
    const self = (await client.query<{ name: string }>('SELECT current_user AS name')).rows[0].name;
    if (grantTo && grantTo !== self) await grantApplicationPrivileges(client, grantTo);
    return caps;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    client.release();
  }
}
