// The typed LISTEN/NOTIFY bus (core/database/notification-bus.ts) on a real PostgreSQL: a notification
// arrives parsed, a payload that cannot be read is counted (not thrown) and the next one still arrives,
// and when the listening backend is terminated the bus reconnects, tells its owner, and delivers again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonChannel, notify, NotificationBus, textChannel } from '../../core/database/notification-bus.ts';
import { createDatabase, type Database } from '../../core/database/pool.ts';
import { createLogger } from '../../core/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitFor } from '../support/wait.ts';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const doorbell = jsonChannel('cityops_test_bus_doorbell', z.object({ door: z.string(), rings: z.number().int() }));
const chatter = textChannel('cityops_test_bus_chatter');

let test: TestDatabase;
let superuser: Database;
let bus: NotificationBus;
const rings: { door: string; rings: number }[] = [];
const lines: string[] = [];
let reconnects = 0;
let failures = 0;

beforeAll(async () => {
  test = await createTestDatabase();
  superuser = createDatabase(test.superuserUrl, 2);
  bus = new NotificationBus({
    db: test.db,
    logger,
    name: 'test-bus',
    retryMinMs: 50,
    retryMaxMs: 500,
    onFailure: () => failures++,
    onReconnected: () => reconnects++,
  })
    .on(doorbell, (value) => rings.push(value))
    .on(chatter, (value) => lines.push(value));
  await bus.start();
});

afterAll(async () => {
  await bus?.stop();
  await superuser?.end();
  await test?.drop();
});

describe('the notification bus', () => {
  it('delivers each channel its own payloads, parsed', async () => {
    expect(bus.listening).toBe(true);
    await notify(test.db, doorbell, { door: 'front', rings: 2 });
    await notify(test.db, chatter, 'hello');
    await waitFor('the ring and the line', () => rings.length === 1 && lines.length === 1);
    expect(rings).toEqual([{ door: 'front', rings: 2 }]);
    expect(lines).toEqual(['hello']);
  });

  it('counts a payload it cannot read and goes on listening', async () => {
    await test.db.query('SELECT pg_notify($1, $2)', [doorbell.name, 'not json']);
    await test.db.query('SELECT pg_notify($1, $2)', [doorbell.name, JSON.stringify({ door: 'back' })]);
    await waitFor('two bad payloads counted', () => bus.badPayloads === 2);
    await notify(test.db, doorbell, { door: 'side', rings: 1 });
    await waitFor('the next ring', () => rings.length === 2);
    expect(rings[1]).toEqual({ door: 'side', rings: 1 });
  });

  it('reconnects by itself when its backend is terminated, LISTENs again and delivers', async () => {
    // The bus's connection ran `LISTEN cityops_test_bus_chatter` last (one LISTEN per channel).
    const listeners = () =>
      superuser.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN ${chatter.name}'`);
    const before = await listeners();
    expect(before.rowCount).toBe(1);
    const cut = await superuser.query('SELECT pg_terminate_backend($1) AS done', [before.rows[0].pid]);
    expect(cut.rows[0].done).toBe(true);
    await waitFor('the owner told the bus is back', () => reconnects === 1);
    expect(failures).toBeGreaterThan(0);
    expect(bus.listening).toBe(true);
    const after = await listeners();
    expect(after.rows.map((row) => row.pid)).not.toContain(before.rows[0].pid);
    await notify(test.db, doorbell, { door: 'front', rings: 3 });
    await notify(test.db, chatter, 'back again');
    await waitFor('a ring after the reconnect', () => rings.length === 3 && lines.length === 2);
    expect(rings[2]).toEqual({ door: 'front', rings: 3 });
    expect(lines[1]).toBe('back again');
  });
});
