// The live adapter's LISTEN connection on a real PostgreSQL: an error on it (the database restarting or
// going away) is reported once and never crashes the process, also when it arrives after the adapter has
// released the connection itself (pg-pool throws on a second release; seen once in CI as an uncaught
// exception when a test's database was dropped).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { supervisedListenPool } from '../../core/live/socket-adapter.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { adminUrl } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';

let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await createTestDatabase();
  db = createDatabase(test.url, 4);
});
afterAll(async () => {
  await db?.end();
  await test?.drop();
});

describe('the live adapter\'s LISTEN connection', () => {
  it('takes an error after the adapter released it without releasing it again', async () => {
    const errors: Error[] = [];
    const pool = supervisedListenPool(db, { maxDisconnectionDurationMs: 1000, onError: (error) => errors.push(error) });
    const client = await pool.connect();
    client.release();
    expect(() => client.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
    expect(() => client.release()).not.toThrow();
    expect(errors).toEqual([]);
  });

  it('reports a connection the database ends once, and the adapter\'s own release after it is harmless', async () => {
    const errors: Error[] = [];
    const pool = supervisedListenPool(db, { maxDisconnectionDurationMs: 1000, onError: (error) => errors.push(error) });
    const client = await pool.connect();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await client.query('LISTEN live_adapter_test');
    const admin = createDatabase(adminUrl(), 1);
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await waitFor('the error to be reported', () => errors.length === 1);
    expect(() => client.release()).not.toThrow();
    expect(errors).toHaveLength(1);
  });
});
