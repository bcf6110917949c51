import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { createUser, ensureFirstAdmin } from '../../core/auth/users.ts';
import { base32Decode, totp } from '../../core/auth/totp.ts';
import { connectSocket } from '../alerts/support/sockets.ts';

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

describe('TOTP second factor (admins and engineers)', () => {
  const cookieOf = (response: Response) => response.headers.getSetCookie()[0].split(';')[0];
  const actionsOf = async (username: string) =>
    (await test.db.query(`SELECT action FROM audit_log WHERE username = $1 ORDER BY id`, [username])).rows.map((row) => row.action);

  /** Logs in and starts enrolling an authenticator (allowed even while enrolment is required); returns the secret. */
  async function enrolStarted(on: TestApi, username: string) {
    const cookie = cookieOf(await on.login(username, TEST_PASSWORD));
    const started = await on.request('POST', '/api/auth/totp/enrol', { cookie });
    expect(started.status).toBe(200);
    const { secret: text, otpauthUri } = await started.json();
    expect(otpauthUri).toBe(`otpauth://totp/CityOps:${username}?secret=${text}&issuer=CityOps&algorithm=SHA1&digits=6&period=30`);
    const secret = base32Decode(text);
    // Stored encrypted only.
    const stored = (await test.db.query('SELECT totp_secret_encrypted FROM users WHERE username = $1', [username])).rows[0].totp_secret_encrypted;
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(text);
    return { cookie, secret };
  }

  it('enrols with a secret shown once and a first code, then asks the code at login, refuses a replayed code and rotates the session', async () => {
    await createUser(test.db, { username: 'totp-engineer', password: TEST_PASSWORD, role: 'engineer' });
    const { cookie, secret } = await enrolStarted(api, 'totp-engineer');
    expect((await api.request('POST', '/api/auth/totp/confirm', { cookie, body: { code: '000000' === totp(secret, Date.now()) ? '111111' : '000000' } })).status).toBe(401);
    const firstCode = totp(secret, Date.now());
    const confirmed = await api.request('POST', '/api/auth/totp/confirm', { cookie, body: { code: firstCode } });
    expect(confirmed.status).toBe(200);
    expect((await confirmed.json()).user.totpEnabled).toBe(true);
    expect((await api.request('POST', '/api/auth/totp/enrol', { cookie })).status).toBe(409);

    // The password alone now opens a session that can only send the code.
    const passwordStep = await api.login('totp-engineer', TEST_PASSWORD);
    expect(passwordStep.status).toBe(200);
    expect((await passwordStep.json()).user.secondFactorPending).toBe(true);
    const pending = cookieOf(passwordStep);
    const refused = await api.request('GET', '/api/cameras', { cookie: pending });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('second_factor_required');
    await expect(connectSocket(api.baseUrl, { cookie: pending })).rejects.toThrow(/unauthenticated/);
    expect((await (await api.request('GET', '/api/auth/me', { cookie: pending })).json()).user.secondFactorPending).toBe(true);

    // The code already used to confirm is refused (replay), even within its 30 seconds.
    const replay = await api.request('POST', '/api/auth/totp/verify', { cookie: pending, body: { code: firstCode } });
    expect(replay.status).toBe(401);
    expect((await replay.json()).error.code).toBe('invalid_code');
    // The next step's code is accepted (one step of clock drift is allowed) and the session token changes.
    const verified = await api.request('POST', '/api/auth/totp/verify', { cookie: pending, body: { code: totp(secret, Date.now() + 30_000) } });
    expect(verified.status).toBe(200);
    const full = cookieOf(verified);
    expect(full).not.toBe(pending);
    expect((await api.request('GET', '/api/auth/me', { cookie: pending })).status).toBe(401);
    expect((await api.request('GET', '/api/cameras', { cookie: full })).status).toBe(200);

    expect(await actionsOf('totp-engineer')).toEqual([
      'login', 'totp_enrolment_started', 'second_factor_failed', 'totp_enabled', 'login_password_ok', 'second_factor_failed', 'login',
    ]);

    // The administration's user list says who has a second factor (its 2FA badge and reset button).
    const user = (await test.db.query(`SELECT id FROM users WHERE username = 'totp-engineer'`)).rows[0];
    const listedTotp = async () =>
      (await (await api.request('GET', '/api/users', { role: 'admin' })).json()).users.find((entry: { id: number }) => entry.id === user.id).totpEnabled;
    expect(await listedTotp()).toBe(true);

    // A lost phone: an admin removes the authenticator; the user's sessions end and the password suffices again.
    expect((await api.request('POST', `/api/users/${user.id}/totp-reset`, { role: 'admin' })).status).toBe(200);
    expect(await listedTotp()).toBe(false);
    expect((await api.request('GET', '/api/auth/me', { cookie: full })).status).toBe(401);
    expect((await (await api.login('totp-engineer', TEST_PASSWORD)).json()).user.secondFactorPending).toBe(false);
  });

  it('throttles wrong codes like wrong passwords', async () => {
    await createUser(test.db, { username: 'totp-guessed', password: TEST_PASSWORD, role: 'admin' });
    const { cookie, secret } = await enrolStarted(api, 'totp-guessed');
    expect((await api.request('POST', '/api/auth/totp/confirm', { cookie, body: { code: totp(secret, Date.now()) } })).status).toBe(200);
    const pending = cookieOf(await api.login('totp-guessed', TEST_PASSWORD));
    const right = totp(secret, Date.now() + 30_000);
    const wrong = right === '123456' ? '654321' : '123456';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.request('POST', '/api/auth/totp/verify', { cookie: pending, body: { code: wrong } })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // The right code is refused too while the limit holds.
    expect((await api.request('POST', '/api/auth/totp/verify', { cookie: pending, body: { code: right } })).status).toBe(429);
  });

  it('still lets a user whose role lost the second factor sign in with the authenticator they have', async () => {
    await createUser(test.db, { username: 'totp-demoted', password: TEST_PASSWORD, role: 'engineer' });
    const { cookie, secret } = await enrolStarted(api, 'totp-demoted');
    expect((await api.request('POST', '/api/auth/totp/confirm', { cookie, body: { code: totp(secret, Date.now()) } })).status).toBe(200);
    const user = (await test.db.query(`SELECT id FROM users WHERE username = 'totp-demoted'`)).rows[0];
    expect((await api.request('PATCH', `/api/users/${user.id}`, { role: 'admin', body: { role: 'operator' } })).status).toBe(200);
    const pending = await api.login('totp-demoted', TEST_PASSWORD);
    expect((await pending.json()).user.secondFactorPending).toBe(true);
    const verified = await api.request('POST', '/api/auth/totp/verify', { cookie: cookieOf(pending), body: { code: totp(secret, Date.now() + 30_000) } });
    expect(verified.status).toBe(200);
    expect((await verified.json()).user.role).toBe('operator');
  });

  it('with REQUIRE_2FA, makes an admin without an authenticator enrol before anything else; other roles are not asked', async () => {
    const strict = await startTestApi(test, { REQUIRE_2FA: 'true' }, { skipLogins: true });
    try {
      await createUser(test.db, { username: 'must-enrol', password: TEST_PASSWORD, role: 'admin' });
      const { cookie, secret } = await enrolStarted(strict, 'must-enrol');
      expect((await (await strict.request('GET', '/api/auth/me', { cookie })).json()).user.totpEnrolmentRequired).toBe(true);
      const blocked = await strict.request('GET', '/api/users', { cookie });
      expect(blocked.status).toBe(403);
      expect((await blocked.json()).error.code).toBe('second_factor_enrolment_required');
      await expect(connectSocket(strict.baseUrl, { cookie })).rejects.toThrow(/enrolment required/);

      const done = await strict.request('POST', '/api/auth/totp/confirm', { cookie, body: { code: totp(secret, Date.now()) } });
      expect(done.status).toBe(200);
      expect((await done.json()).user.totpEnrolmentRequired).toBe(false);
      expect((await strict.request('GET', '/api/users', { cookie })).status).toBe(200);

      const operator = cookieOf(await strict.login('operator-user', TEST_PASSWORD));
      expect((await strict.request('GET', '/api/cameras', { cookie: operator })).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
