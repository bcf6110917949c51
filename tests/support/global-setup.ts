// Once per `vitest run`: build a migrated template database on the real PostgreSQL, so every test file
// can clone a fresh, isolated database from it in a few milliseconds (CREATE DATABASE ... TEMPLATE).
// Databases left behind by runs whose process is gone are dropped first.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../core/database/migrate.ts';
import { createDatabase } from '../../core/database/pool.ts';
import { APP_ROLE, OWNER_ROLE, setupDatabaseRoles } from '../../core/database/roles.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from './urls.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
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
  const template = `cityops_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `Tests need a real PostgreSQL at ${adminUrl()} (set TEST_DATABASE_URL): ${(error as Error).message}`,
    );
  }
  await dropStaleTestDatabases(admin);
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
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
}
