// Least privilege in PostgreSQL (core/database/roles.ts): connected as the application role the roles
// use, the app's normal work succeeds and everything an attacker with a SQL injection or the app's
// password would want is refused: rewriting the audit log, disabling its trigger, shell commands through
// COPY … PROGRAM, reading server files, creating roles, changing the schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, systemActor } from '../../core/audit.ts';
import { raiseAlert } from '../../core/alerts/raise.ts';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { ensureLoginRole, warnIfSuperuser } from '../../core/database/roles.ts';
import { maintainPartitions } from '../../core/database/time-series.ts';
import { createLogger } from '../../core/logger.ts';
import { Writable } from 'node:stream';
import { commitReadingBatch } from '../../ingest/sensors/reading-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let app: Database;
let owner: Database;
beforeAll(async () => {
  test = await createTestDatabase();
  app = test.db; // the application role (tests/support/open-database.ts)
  owner = createDatabase(test.ownerUrl, 2);
});
afterAll(async () => {
  await owner?.end();
  await test?.drop();
});

const PERMISSION_DENIED = '42501';
const refusal = async (sql: string) => {
  const error = await app.query(sql).then(
    () => undefined,
    (failure: { code?: string; message: string }) => failure,
  );
  return error ? { code: error.code, message: error.message } : 'accepted';
};

describe('the application role', () => {
  it('is not a superuser, cannot create roles or databases, and owns nothing', async () => {
    const { rows } = await app.query(
      `SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,
              pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER') AS program,
              pg_has_role(current_user, 'pg_read_server_files', 'MEMBER') AS read_files,
              (SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)) AS owned
       FROM pg_roles WHERE rolname = current_user`,
    );
    expect(rows[0]).toEqual({ name: 'cityops_app', rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, program: false, read_files: false, owned: 0 });
  });

  it('does its normal work: stores a reading, raises an alert, writes and reads audit rows, uses LISTEN/NOTIFY', async () => {
    await app.query(`INSERT INTO sensors (id, name, kind, unit) VALUES ('tide-roles', 'Tide', 'tide_level', 'm')`);
    const tsMs = Date.now() - 1000;
    const stored = await commitReadingBatch(app, {
      readings: [{ sensorId: 'tide-roles', tsMs, value: 1.25, seq: 1, battery: null, dedupeBySeq: false }],
      deadLetters: [],
    });
    expect(stored.inserted).toHaveLength(1);
    const raised = await raiseAlert(
      { db: app },
      { sourceType: 'sensor', sourceId: 'tide-roles', kind: 'sensor_level', severity: 'major', title: { vi: 'Triều cao', en: 'High tide' } },
      systemActor('roles-test'),
    );
    expect(raised.created).toBe(true);
    await recordAudit(app, systemActor('roles-test'), { action: 'check', entityType: 'test', entityId: 'roles' });
    const audit = await app.query(`SELECT action FROM audit_log WHERE entity_type = 'test'`);
    expect(audit.rows).toEqual([{ action: 'check' }]);
    await app.query(`LISTEN cityops_roles_test`);
    await app.query(`SELECT pg_notify('cityops_roles_test', 'hello')`);
  });

  it('cannot update, delete or truncate the audit log, nor disable its trigger', async () => {
    await recordAudit(app, systemActor('roles-test'), { action: 'keep', entityType: 'test' });
    expect(await refusal(`UPDATE audit_log SET username = 'someone-else'`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`DELETE FROM audit_log`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`TRUNCATE audit_log`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`)).toMatchObject({ code: PERMISSION_DENIED, message: expect.stringMatching(/must be owner/) });
    expect(await refusal(`DROP TRIGGER audit_log_no_update ON audit_log`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`)).toMatchObject({ code: PERMISSION_DENIED });
    expect((await owner.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'keep'`)).rows[0].n).toBe(1);
  });

  it('cannot run shell commands, read server files, create roles or databases, or change the schema', async () => {
    expect(await refusal(`COPY (SELECT 1) TO PROGRAM 'touch /tmp/cityops-roles-pwned'`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`COPY audit_log (action) FROM PROGRAM 'echo pwned'`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`COPY audit_log (action) FROM '/etc/passwd'`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`SELECT pg_read_file('/etc/passwd')`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`CREATE ROLE cityops_roles_test_intruder LOGIN SUPERUSER`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`CREATE DATABASE cityops_roles_test_intruder`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`CREATE TABLE public.intruder (id int)`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`DROP TABLE sensors`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`TRUNCATE sensor_readings`)).toMatchObject({ code: PERMISSION_DENIED });
    expect(await refusal(`DELETE FROM schema_migrations`)).toMatchObject({ code: PERMISSION_DENIED });
  });

  it('gets the same rights on tables a later migration creates (default privileges), audit rules aside', async () => {
    await owner.query(`CREATE TABLE later_feature (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)`);
    await app.query(`INSERT INTO later_feature (note) VALUES ('added by a future migration')`);
    expect((await app.query(`UPDATE later_feature SET note = 'changed'`)).rowCount).toBe(1);
    expect(await refusal(`TRUNCATE later_feature`)).toMatchObject({ code: PERMISSION_DENIED });
  });

  it('leaves partition maintenance to the owner, and stores readings in the partitions it makes', async () => {
    const farAhead = new Date(Date.now() + 40 * 86_400_000);
    await expect(maintainPartitions(app, test.caps, farAhead, { daysBack: 0, daysAhead: 0 })).rejects.toMatchObject({ code: PERMISSION_DENIED });
    const client = await owner.connect();
    try {
      await client.query('BEGIN');
      await maintainPartitions(client, test.caps, farAhead, { daysBack: 0, daysAhead: 0 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const day = farAhead.toISOString().slice(0, 10).replaceAll('-', '');
    const stored = await commitReadingBatch(app, {
      readings: [{ sensorId: 'tide-roles', tsMs: farAhead.getTime(), value: 2, seq: 2, battery: null, dedupeBySeq: false }],
      deadLetters: [],
    });
    expect(stored.inserted).toHaveLength(1);
    const where = await test.db.query(`SELECT tableoid::regclass::text AS partition FROM sensor_readings WHERE seq = 2`);
    expect(where.rows).toEqual([{ partition: `sensor_readings_p${day}` }]);
  });

  it('is checked at start: a superuser DATABASE_URL logs one warning, the application role none', async () => {
    const lines: string[] = [];
    const logger = createLogger('warn', 'cityops', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    await warnIfSuperuser(app, logger);
    expect(lines).toEqual([]);
    const superuser = createDatabase(test.superuserUrl, 1);
    try {
      await warnIfSuperuser(superuser, logger);
    } finally {
      await superuser.end();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).msg).toMatch(/superuser.*DATABASE_OWNER_URL/);
  });

  it('is created idempotently, also by several processes at once (role names are cluster-wide)', async () => {
    const name = `cityops_roles_test_${process.pid}`;
    const connections = Array.from({ length: 4 }, () => createDatabase(test.superuserUrl, 1));
    try {
      await Promise.all(connections.map((connection) => connection.query('SELECT 1'))); // connected: the creates race
      await Promise.all(connections.map((connection) => ensureLoginRole(connection, name)));
      await ensureLoginRole(connections[0], name);
      const { rows } = await connections[0].query(`SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1`, [name]);
      expect(rows).toEqual([{ rolcanlogin: true, rolsuper: false }]);
    } finally {
      await connections[0].query(`DROP ROLE IF EXISTS ${name}`).catch(() => {});
      await Promise.all(connections.map((connection) => connection.end()));
    }
  });
});
