// A session's end ends its live sockets too (logout, idle and absolute expiry, a password change that
// ends the user's other sessions), against the real api role, PostgreSQL and socket.io. Also what the
// api says when the database breaks a rule or is away: which field or which dependency, never the
// database's own text; and the pool's limits that keep slow requests from starving the others.
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../core/auth/users.ts';
import { createDatabase, DEFAULT_DATABASE_TIMEOUTS } from '../../core/database/pool.ts';
import { connectSocket } from '../alerts/support/sockets.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { waitFor } from '../support/wait.ts';

let test: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { SESSION_RECHECK_SECONDS: '1', SESSION_IDLE_MINUTES: '30', SESSION_MAX_HOURS: '12' });
  // Every login costs a 128 MiB scrypt: slow on a loaded machine.
}, 300_000);
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

const cookieOf = (response: Response) => response.headers.getSetCookie()[0].split(';')[0];

/** Tracks whether the server closed the socket (a close by the client itself does not count). */
function watchServerClose(socket: Socket) {
  const state = { closedByServer: false };
  socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') state.closedByServer = true;
  });
  return state;
}

async function loggedInTwice(username: string) {
  await createUser(test.db, { username, password: TEST_PASSWORD, role: 'operator' });
  const first = cookieOf(await api.login(username, TEST_PASSWORD));
  const second = cookieOf(await api.login(username, TEST_PASSWORD));
  const firstSocket = await connectSocket(api.baseUrl, { cookie: first });
  const secondSocket = await connectSocket(api.baseUrl, { cookie: second });
  return { first, second, firstSocket, secondSocket, firstClosed: watchServerClose(firstSocket), secondClosed: watchServerClose(secondSocket) };
}

describe('live sockets follow their session', () => {
  it('closes the sockets of the session that logs out, and only those', async () => {
    const user = await loggedInTwice('logout-sockets');
    expect((await api.request('POST', '/api/auth/logout', { cookie: user.first })).status).toBe(200);
    await waitFor('the logged-out session\'s socket to be closed by the server', () => user.firstClosed.closedByServer);
    // The other session (another screen of the same person) goes on, live.
    expect((await api.request('GET', '/api/auth/me', { cookie: user.second })).status).toBe(200);
    expect(user.secondSocket.connected).toBe(true);
    await expect(connectSocket(api.baseUrl, { cookie: user.first })).rejects.toThrow(/unauthenticated/);
    user.secondSocket.close();
  });

  it('a password change ends the user\'s other sessions and their sockets, keeps this one, and audits it', async () => {
    const user = await loggedInTwice('password-sockets');
    const changed = await api.request('POST', '/api/auth/password', { cookie: user.first, body: { currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-password' } });
    expect(changed.status).toBe(200);
    await waitFor('the other session\'s socket to be closed by the server', () => user.secondClosed.closedByServer);
    expect((await api.request('GET', '/api/auth/me', { cookie: user.second })).status).toBe(401);
    expect((await api.request('GET', '/api/auth/me', { cookie: user.first })).status).toBe(200);
    expect(user.firstSocket.connected).toBe(true);
    expect(user.firstClosed.closedByServer).toBe(false);
    const audit = await test.db.query(`SELECT details FROM audit_log WHERE action = 'password_changed' AND username = 'password-sockets'`);
    expect(audit.rows).toEqual([{ details: { otherSessionsEnded: 1 } }]);
    user.firstSocket.close();
  });

  it('closes the socket of a session that went idle past SESSION_IDLE_MINUTES', async () => {
    const user = await loggedInTwice('idle-sockets');
    await test.db.query(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes'
      WHERE user_id = (SELECT id FROM users WHERE username = 'idle-sockets') AND id = (SELECT min(s.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'idle-sockets')`);
    await waitFor('the idle session\'s socket to be closed by the server', () => user.firstClosed.closedByServer);
    expect(user.secondSocket.connected).toBe(true);
    expect((await api.request('GET', '/api/auth/me', { cookie: user.first })).status).toBe(401);
    user.secondSocket.close();
  });

  it('ends a session SESSION_MAX_HOURS after login however active it is, with its socket', async () => {
    const user = await loggedInTwice('old-sessions');
    expect((await api.request('GET', '/api/auth/me', { cookie: user.first })).status).toBe(200);
    await test.db.query(`UPDATE sessions SET created_at = now() - interval '12 hours 1 minute', last_seen_at = now()
      WHERE id = (SELECT min(s.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'old-sessions')`);
    expect((await api.request('GET', '/api/auth/me', { cookie: user.first })).status).toBe(401);
    await waitFor('the expired session\'s socket to be closed by the server', () => user.firstClosed.closedByServer);
    expect((await api.request('GET', '/api/auth/me', { cookie: user.second })).status).toBe(200);
    user.secondSocket.close();
  });
});

describe('database errors in answers', () => {
  it('answers a PATCH that breaks a CHECK with the field and the rule, never the row (no encrypted password)', async () => {
    const created = await api.request('POST', '/api/sensors', {
      role: 'engineer',
      body: { id: 'tide-check', name: 'Check', kind: 'tide_level', level1: 1.5, level2: 1.6, level3: 1.7, mqttPassword: 'device-secret-123' },
    });
    expect(created.status).toBe(201);
    const patched = await api.request('PATCH', '/api/sensors/tide-check', { role: 'engineer', body: { level1: 5 } });
    expect(patched.status).toBe(400);
    const text = await patched.text();
    expect(text).not.toMatch(/v1:|Failing row|tide-check|device-secret/);
    const { error } = JSON.parse(text);
    expect(error).toMatchObject({ code: 'invalid', field: 'level1' });
    // The order depends on rules.levelsBelow (low-side levels), so the rule names that column too.
    expect(error.message).toMatch(/level1, level2(, rules)?: breaks the rule CHECK/);
  });

  it('says only which dependency is down on /readyz; the reason goes to the log', async () => {
    const unreachable = createDatabase('postgres://nobody:not-a-password@127.0.0.1:1/nowhere', 1, { ...DEFAULT_DATABASE_TIMEOUTS, connectTimeoutMs: 2000 });
    const broken = await startTestApi({ ...test, db: unreachable } as TestDatabase, {}, { skipLogins: true });
    try {
      const ready = await broken.request('GET', '/readyz');
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.checks).toEqual({ database: 'unreachable' });
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|nobody|nowhere/);
    } finally {
      await broken.stop();
      await unreachable.end();
    }
  });
});

describe('database pool limits', () => {
  it('fails a query that waits too long for a connection, instead of queueing behind slow ones forever', async () => {
    const db = createDatabase(test.url, 1, { connectTimeoutMs: 300, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 });
    const slow = await db.connect(); // a slow CSV download holding the only connection
    try {
      await expect(db.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/);
    } finally {
      slow.release();
      await db.end();
    }
  });

  it('has the server end a statement past the statement timeout and a transaction left idle', async () => {
    const db = createDatabase(test.url, 2, { connectTimeoutMs: 5000, statementTimeoutMs: 500, idleInTransactionTimeoutMs: 500 });
    try {
      await expect(db.query('SELECT pg_sleep(30)')).rejects.toMatchObject({ code: '57014' });
      const client = await db.connect();
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await client.query('BEGIN');
      await waitFor('the idle transaction\'s backend to be ended by the server', async () =>
        (await test.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0);
      client.release(true);
    } finally {
      await db.end();
    }
  });

  it('answers 503 with a clear code when no connection frees up in time', async () => {
    const db = createDatabase(test.url, 2, { connectTimeoutMs: 300, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 0 });
    const busy = await startTestApi({ ...test, db } as TestDatabase, {}, { skipLogins: true });
    // Slow CSV downloads holding every connection the live adapter leaves free.
    const held: Array<{ release(): void }> = [];
    for (;;) {
      const client = await db.connect().catch(() => undefined);
      if (!client) break;
      held.push(client);
    }
    try {
      const response = await busy.request('GET', '/api/auth/me', { cookie: api.cookieFor('viewer') });
      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe('database_unavailable');
    } finally {
      for (const client of held) client.release();
      await busy.stop();
      await db.end();
    }
  });
});
