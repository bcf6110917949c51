// Once per `vitest run`: check the machine has the programs the tests use, start the run's own
// PostgreSQL unless TEST_DATABASE_URL names one (run-postgres.ts), and build a migrated template database
// there, so every test file can clone a fresh, isolated database from it in a few milliseconds
// (CREATE DATABASE ... TEMPLATE). On a given PostgreSQL, databases left behind by runs whose process is
// gone are dropped first. Brokers are per test file (file-services.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../core/database/migrate.ts';
import { createDatabase } from '../../core/database/pool.ts';
import { APP_ROLE, OWNER_ROLE, setupDatabaseRoles } from '../../core/database/roles.ts';
import { assertPrograms } from './prerequisites.ts';
import { startRunPostgres, type RunPostgres } from './run-postgres.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from './urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    /** The PostgreSQL superuser URL of this run (given or started). */
    testDatabaseUrl: string;
    /** The broker every test file shares when TEST_MQTT_URL is given; null: each file starts its own. */
    sharedMqttUrl: string | null;
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function dropStaleTestDatabases(admin: pg.Client): Promise<void> {
  const rows = (await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^cityops_(t|tpl)_[0-9]+'`)).rows;
  for (const { datname } of rows) {
    const pid = Number(/^cityops_(?:t|tpl)_(\d+)/.exec(datname)?.[1]);
    if (!isAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

export default async function setup(project: TestProject) {
  const sharedMqttUrl = process.env.TEST_MQTT_URL || null;
  assertPrograms({ needMosquitto: !sharedMqttUrl });
  let runPostgres: RunPostgres | undefined;
  if (!process.env.TEST_DATABASE_URL) {
    runPostgres = await startRunPostgres();
    process.env.TEST_DATABASE_URL = runPostgres.adminUrl;
  }
  const template = `cityops_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  try {
    await admin.connect();
  } catch (error) {
    await runPostgres?.stop();
    throw new Error(`Tests need a real PostgreSQL at ${adminUrl()} (TEST_DATABASE_URL): ${(error as Error).message}`);
  }
  if (!runPostgres) await dropStaleTestDatabases(admin);
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  // As in production: the owner role migrates, the application role gets its grants (copied into every
  // clone). Tests connect as the superuser by default; TestDatabase.appUrl is the application role.
  const setupClient = new pg.Client({ connectionString: databaseUrl(template) });
  await setupClient.connect();
  try {
    await setupDatabaseRoles(setupClient, { owner: OWNER_ROLE, app: APP_ROLE });
  } finally {
    await setupClient.end();
  }
  const db = createDatabase(databaseUrlAs(template, OWNER_ROLE), 2);
  try {
    await migrate(db, { grantTo: APP_ROLE });
  } finally {
    await db.end();
  }
  project.provide('templateDatabase', template);
  project.provide('testDatabaseUrl', adminUrl());
  project.provide('sharedMqttUrl', sharedMqttUrl);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
    await admin.end();
    await runPostgres?.stop();
  };
}
