// A fresh database per test file, cloned from the run's migrated template (see global-setup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { adminUrl } from './urls.ts';
import { openTestDatabase, type TestDatabase } from './open-database.ts';

export type { TestDatabase };

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('templateDatabase');
  const runPid = /cityops_tpl_(\d+)/.exec(template)?.[1] ?? String(process.pid);
  const name = `cityops_t_${runPid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // CREATE DATABASE ... TEMPLATE needs the template to have no other connections; retry briefly
    // when another test file is cloning it at the same moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (error) {
        if (attempt > 50 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  return openTestDatabase(name);
}
