// `npm run db:setup` (docker-compose's database-setup service): on an external PostgreSQL it creates
// the owner and application roles, hands an older installation's superuser-owned objects to the owner,
// migrates as the owner and grants the application role; the compose file wires the roles to connect
// as the application role only.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { migrate } from '../../core/database/migrate.ts';
import { createDatabase } from '../../core/database/pool.ts';
import { APP_ROLE, OWNER_ROLE } from '../../core/database/roles.ts';
import { adminUrl, databaseUrl, databaseUrlAs } from '../support/urls.ts';

const root = path.resolve(import.meta.dirname, '../..');
const name = `cityops_t_${process.pid}_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
  await admin.end();
});

describe('database setup for an external PostgreSQL', () => {
  it('turns an installation that ran as the superuser into owner + application roles, keeping its rows', async () => {
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    // The older installation: migrated and used by the superuser.
    const legacy = createDatabase(databaseUrl(name), 2);
    await migrate(legacy);
    await legacy.query(`INSERT INTO audit_log (username, action, entity_type) VALUES ('admin', 'before-upgrade', 'test')`);
    await legacy.end();

    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'core/cli/database-setup.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_ADMIN_URL: databaseUrl(name),
        DATABASE_OWNER_URL: databaseUrlAs(name, OWNER_ROLE),
        DATABASE_URL: databaseUrlAs(name, APP_ROLE),
        LOG_LEVEL: 'warn',
      },
      timeout: 120_000,
    });

    const check = new pg.Client({ connectionString: databaseUrl(name) });
    await check.connect();
    try {
      const owners = await check.query(
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'S')`,
      );
      expect(owners.rows).toEqual([{ owner: OWNER_ROLE }]);
    } finally {
      await check.end();
    }
    const app = new pg.Client({ connectionString: databaseUrlAs(name, APP_ROLE) });
    await app.connect();
    try {
      await app.query(`INSERT INTO audit_log (username, action, entity_type) VALUES ('admin', 'after-upgrade', 'test')`);
      expect((await app.query(`SELECT action FROM audit_log ORDER BY id`)).rows.map((row) => row.action)).toEqual(['before-upgrade', 'after-upgrade']);
      await expect(app.query(`TRUNCATE audit_log`)).rejects.toMatchObject({ code: '42501' });
      await expect(app.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`)).rejects.toMatchObject({ code: '42501' });
      await app.query(`INSERT INTO sensor_readings (sensor_id, ts, value) VALUES ('tide-1', now(), 1.5)`);
    } finally {
      await app.end();
    }
  });

  it('is what docker-compose runs before the roles, which connect as the application role only', () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
    };
    const setup = compose.services['database-setup'];
    expect(existsSync(path.join(root, setup.command!.at(-1)!))).toBe(true);
    expect(setup.environment!.DATABASE_OWNER_URL).toMatch(new RegExp(`^postgres://${OWNER_ROLE}:`));
    expect(setup.environment!.DATABASE_URL).toMatch(new RegExp(`^postgres://${APP_ROLE}:`));
    const roleServices = Object.values(compose.services).filter((service) => service.command?.includes('--role'));
    expect(roleServices.length).toBeGreaterThan(0);
    for (const service of roleServices) {
      expect(service.environment!.DATABASE_URL).toMatch(new RegExp(`^postgres://${APP_ROLE}:`));
      expect(service.environment!.DATABASE_OWNER_URL).toBeUndefined();
      expect(service.environment!.DATABASE_ADMIN_URL).toBeUndefined();
      expect(service.depends_on!['database-setup']).toEqual({ condition: 'service_completed_successfully' });
    }
  });
});
