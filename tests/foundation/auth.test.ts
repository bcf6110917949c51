import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { ensureFirstAdmin } from '../../core/auth/users.ts';

let test: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test, { LOGIN_MAX_ATTEMPTS_PER_MINUTE: '5', SESSION_IDLE_MINUTES: '30' });
});
afterAll(async () => {
  await api?.stop();
  await test?.drop();
});

describe('logging in', () => {
  it('sets an httpOnly, SameSite=Strict session cookie and returns the user without its hash', async () => {
    const response = await api.login('operator-user', TEST_PASSWORD);
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie()[0];
    expect(cookie).toMatch(/^cityops_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const body = await response.json();
    expect(body.user).toMatchObject({ username: 'operator-user', role: 'operator' });
    expect(JSON.stringify(body)).not.toMatch(/scrypt|passwordHash/);
  });

  it('answers 401 to a wrong password, counts it, audits it, and 429 after the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api.login('viewer-user', 'wrong-password')).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // Even the right password is refused while the limit holds: a guesser learns nothing.
    expect((await api.login('viewer-user', TEST_PASSWORD)).status).toBe(429);
    const failures = await test.db.query(`SELECT count(*) AS n FROM audit_log WHERE action = 'login_failed' AND username = 'viewer-user'`);
    expect(failures.rows[0].n).toBe(5);
    const metrics = await api.request('GET', '/metrics', { role: 'admin' });
    expect(await metrics.text()).toMatch(/cityops_login_failures_total\{reason="wrong_password"\} [1-9]/);
  });

  it('ends a session that has been idle longer than the timeout', async () => {
    const login = await api.login('engineer-user', TEST_PASSWORD);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    expect((await api.request('GET', '/api/auth/me', { cookie })).status).toBe(200);
    // Age only this session: 29 idle minutes keep it, 31 end it.
    const age = (minutes: number) =>
      test.db.query(`UPDATE sessions SET last_seen_at = now() - make_interval(mins => $1) WHERE created_at = (SELECT max(created_at) FROM sessions)`, [minutes]);
    await age(29);
    expect((await api.request('GET', '/api/auth/me', { cookie })).status).toBe(200);
    await age(31);
    expect((await api.request('GET', '/api/auth/me', { cookie })).status).toBe(401);
  });

  it('makes the first admin change the one-time password before doing anything else', async () => {
    const oneTime = await ensureFirstAdmin(test.db, 'chief');
    // Users already exist in this database, so no admin is created and no password is shown.
    expect(oneTime).toBeUndefined();
    const empty = await createTestDatabase();
    try {
      const password = await ensureFirstAdmin(empty.db, 'chief');
      expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
      expect(await ensureFirstAdmin(empty.db, 'chief')).toBeUndefined();
    } finally {
      await empty.drop();
    }
    await test.db.query(`INSERT INTO users (username, role, password_hash, must_change_password)
      SELECT 'fresh-admin', 'admin', password_hash, true FROM users WHERE username = 'admin-user'`);
    const login = await api.login('fresh-admin', TEST_PASSWORD);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    expect((await api.request('GET', '/api/cameras', { cookie })).status).toBe(403);
    const change = await api.request('POST', '/api/auth/password', {
      cookie,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'a-much-longer-password' },
    });
    expect(change.status).toBe(200);
    expect((await api.request('GET', '/api/cameras', { cookie })).status).toBe(200);
  });

  it('logs out: the cookie no longer works', async () => {
    const login = await api.login('field-user', TEST_PASSWORD);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    expect((await api.request('POST', '/api/auth/logout', { cookie })).status).toBe(200);
    expect((await api.request('GET', '/api/auth/me', { cookie })).status).toBe(401);
  });
});

describe('operations endpoints', () => {
  it('serves /healthz and /readyz without a login, and /metrics only to admins, engineers or the token', async () => {
    expect((await api.request('GET', '/healthz')).status).toBe(200);
    const ready = await api.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.database).toBe('ok');
    expect((await api.request('GET', '/metrics')).status).toBe(401);
    expect((await api.request('GET', '/metrics', { role: 'operator' })).status).toBe(403);
    const metrics = await api.request('GET', '/metrics', { role: 'engineer' });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('cityops_process_');
  });

  it('serves the OpenAPI document at /api/docs with the device routes in it', async () => {
    const response = await api.request('GET', '/api/docs/json');
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/cameras', '/api/sensors', '/api/devices/import']));
    expect(document.paths['/api/cameras'].post.requestBody).toBeDefined();
  });
});
