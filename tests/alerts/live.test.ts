// core/live: any process pushes events to dashboard sockets through PostgreSQL, on every API process.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTransaction } from '../../core/database/pool.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { liveRooms } from '../../core/live/rooms.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { collect, connectSocket, nextEvent } from './support/sockets.ts';

const run = promisify(execFile);
let test: TestDatabase;
let api: TestApi;
const sockets: Socket[] = [];
const connect = async (role: 'operator' | 'field' | 'viewer') => {
  const socket = await connectSocket(api.baseUrl, { cookie: api.cookieFor(role) });
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await api?.stop();
  await test?.drop();
});

describe('live publishing', () => {
  it('delivers an event published by another OS process to the sockets of the named rooms only', async () => {
    const operator = await connect('operator');
    const field = await connect('field');
    const fieldSeen = collect(field, 'sensor:reading');
    // Generous: starting a tsx child on a busy machine takes seconds.
    const received = nextEvent<{ value: number }>(operator, 'sensor:reading', () => true, 30_000);
    const [payload] = await Promise.all([
      received,
      run('npx', ['tsx', 'tests/alerts/support/publish-child.ts', test.url, liveRooms.staff().join(','), 'sensor:reading', '{"value":1.25}']),
    ]);
    expect(payload).toEqual({ value: 1.25 });
    // The field user is in neither room; give a late delivery a chance to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fieldSeen).toEqual([]);
  });

  it('delivers a transaction-bound event only when the transaction commits', async () => {
    const viewer = await connect('viewer');
    const seen = collect<{ n: number }>(viewer, 'camera:status');
    const live = createLivePublisher(test.db);
    await withTransaction(test.db, async (tx) => {
      await live.publishIn(tx, [liveRooms.role('viewer')], 'camera:status', { n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual([]); // not before the commit
    });
    await expect(
      withTransaction(test.db, async (tx) => {
        await live.publishIn(tx, [liveRooms.role('viewer')], 'camera:status', { n: 2 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await live.publish([liveRooms.role('viewer')], 'camera:status', { n: 3 });
    await nextEvent(viewer, 'camera:status', (payload: { n: number }) => payload.n === 3).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.map((payload) => payload.n)).toEqual([1, 3]);
  });

  it('carries payloads larger than the NOTIFY limit', async () => {
    const operator = await connect('operator');
    const big = { text: 'x'.repeat(50_000) };
    const received = nextEvent<{ text: string }>(operator, 'camera:status', (payload) => payload.text?.length === 50_000);
    await createLivePublisher(test.db).publish(liveRooms.staff(), 'camera:status', big);
    expect((await received).text).toBe(big.text);
  });

  it('makes the sockets of a user join a room, then delivers to that room', async () => {
    const field = await connect('field');
    const fieldUser = await test.db.query(`SELECT id FROM users WHERE username = 'field-user'`);
    const live = createLivePublisher(test.db);
    await live.joinRooms([liveRooms.user(fieldUser.rows[0].id)], [liveRooms.team(77)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const received = nextEvent(field, 'team:ping');
    await live.publish([liveRooms.team(77)], 'team:ping', { ok: true });
    expect(await received).toEqual({ ok: true });
  });

  it('delivers frames built by PostgreSQL (cityops_live_frame, used at alert commits) like its own', async () => {
    const viewer = await connect('viewer');
    const received = nextEvent<{ from: string }>(viewer, 'camera:status', (payload) => payload.from === 'sql');
    await test.db.query(`SELECT pg_notify('socket.io#/', cityops_live_frame(ARRAY['role:viewer'], 'camera:status', '{"from":"sql"}'::jsonb))`);
    expect(await received).toEqual({ from: 'sql' });
  });

  it('refuses to publish to nobody or under a reserved name', async () => {
    const live = createLivePublisher(test.db);
    expect(() => live.publish([], 'x', {})).toThrow(/at least one room/);
    expect(() => live.publish(['role:admin'], 'disconnect', {})).toThrow(/reserved/);
  });
});
