// Logins as ASVS L2 asks (issue 11), against the real api role, PostgreSQL and sockets: no forwarded
// header believed unless TRUST_PROXY names the proxy; throttling per user and per address that holds
// under parallel requests on two api processes; scrypt at OWASP's parameters with a rehash of older
// hashes at the next login; HTTPS served directly.
import { execFileSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../core/auth/users.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';

const LIMIT = 5;
let test: TestDatabase;
let direct: TestApi;
let behindProxy: TestApi;

beforeAll(async () => {
  test = await createTestDatabase();
  // The default: facing browsers directly, no proxy trusted.
  direct = await startTestApi(test, { LOGIN_MAX_ATTEMPTS_PER_MINUTE: String(LIMIT) });
  // A second api process on the same database, behind a reverse proxy on this machine.
  behindProxy = await startTestApi(test, { LOGIN_MAX_ATTEMPTS_PER_MINUTE: String(LIMIT), TRUST_PROXY: '127.0.0.1' }, { skipLogins: true });
  // Every login costs a 128 MiB scrypt: on a loaded machine starting two api processes takes a while.
}, 300_000);
afterAll(async () => {
  await direct?.stop();
  await behindProxy?.stop();
  await test?.drop();
});

const login = (api: TestApi, username: string, password: string, headers: Record<string, string> = {}) =>
  api.request('POST', '/api/auth/login', { body: { username, password }, headers });

const newUser = async (username: string, role: 'admin' | 'engineer' | 'operator' = 'operator') => {
  await createUser(test.db, { username, password: TEST_PASSWORD, role });
  return username;
};

const auditSources = async (username: string, action: string) =>
  (await test.db.query(`SELECT source_address FROM audit_log WHERE username = $1 AND action = $2 ORDER BY id`, [username, action])).rows.map((row) => row.source_address);

describe('X-Forwarded-For', () => {
  it('is believed from nobody by default: a forged address per try still ends in 429, and the audit shows the real peer', async () => {
    // A user name nobody has: failures cost no scrypt, so the tries stay well inside the throttle's minute.
    const username = 'xff-direct';
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) statuses.push((await login(direct, username, 'wrong-password', { 'x-forwarded-for': `10.9.0.${i + 1}` })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429, 429]);
    expect(await auditSources(username, 'login_failed')).toEqual(Array(LIMIT).fill('127.0.0.1'));
    expect(await auditSources(username, 'login_throttled')).toEqual(['127.0.0.1', '127.0.0.1']);

    // The session and the login audit row keep the TCP peer too, and a forged "https" does not make the cookie Secure.
    const other = await newUser('xff-direct-ok');
    const ok = await login(direct, other, TEST_PASSWORD, { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https' });
    expect(ok.status).toBe(200);
    expect(ok.headers.getSetCookie()[0]).not.toMatch(/Secure/i);
    expect(await auditSources(other, 'login')).toEqual(['127.0.0.1']);
    const session = await test.db.query(`SELECT s.source_address FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1`, [other]);
    expect(session.rows.map((row) => row.source_address)).toEqual(['127.0.0.1']);
  });

  it('is believed from a proxy TRUST_PROXY names: client address in audit and session, Secure cookie when it says https', async () => {
    const username = await newUser('xff-proxied');
    const response = await login(behindProxy, username, TEST_PASSWORD, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()[0]).toMatch(/; Secure/i);
    expect(await auditSources(username, 'login')).toEqual(['203.0.113.7']);
    const session = await test.db.query(`SELECT s.source_address FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1`, [username]);
    expect(session.rows[0].source_address).toBe('203.0.113.7');
  });
});

describe('X-Forwarded-For on live sockets', () => {
  /** Connects a socket with a forged forwarded address and returns the address the server recorded for it. */
  const recordedSocketAddress = async (api: TestApi, username: string) => {
    const cookie = (await login(api, username, TEST_PASSWORD)).headers.getSetCookie()[0].split(';')[0];
    const socket = io(api.baseUrl, { transports: ['websocket'], extraHeaders: { cookie, 'x-forwarded-for': '203.0.113.99' }, reconnection: false, forceNew: true });
    try {
      const id = await new Promise<string>((resolve, reject) => {
        socket.once('connect', () => resolve(socket.id!));
        socket.once('connect_error', reject);
      });
      const server = (await api.role.realtime!.fetchSockets()).find((candidate) => candidate.id === id);
      return server?.data.sourceAddress as string | undefined;
    } finally {
      socket.close();
    }
  };

  it('records the TCP peer for a socket from a peer TRUST_PROXY does not name', async () => {
    expect(await recordedSocketAddress(direct, await newUser('xff-socket-direct'))).toBe('127.0.0.1');
  });

  it('records the client a proxy TRUST_PROXY names says, as request.ip does', async () => {
    expect(await recordedSocketAddress(behindProxy, await newUser('xff-socket-proxied'))).toBe('203.0.113.99');
  });
});

describe('login throttle', () => {
  it('gives at most the limit of 401s to 30 parallel wrong logins for one user from 30 addresses on two api processes', async () => {
    const username = await newUser('parallel-target');
    const attempts = Array.from({ length: 30 }, (_, i) =>
      // Through the trusted proxy each try comes from a new address: only the per-user limit can stop them.
      i % 2 ? login(behindProxy, username, `guess-${i}`, { 'x-forwarded-for': `192.0.2.${i + 1}` }) : login(direct, username, `guess-${i}`),
    );
    const statuses = (await Promise.all(attempts)).map((response) => response.status);
    const count = (status: number) => statuses.filter((value) => value === status).length;
    expect(count(401)).toBeLessThanOrEqual(LIMIT);
    expect(count(401) + count(429)).toBe(30);
    // The right password is refused too while the limit holds: a guesser learns nothing from it.
    expect((await login(direct, username, TEST_PASSWORD)).status).toBe(429);
    const metrics = await (await direct.request('GET', '/metrics', { role: 'admin' })).text();
    expect(metrics).toMatch(/cityops_login_throttled_total\{limit="user"\} [1-9]/);
  });

  it('stops one address trying many user names at 5 × the limit, and does not count successful logins', async () => {
    // Successful logins from the same address as everyone else's do not use up its allowance.
    for (let i = 0; i < 3; i++) expect((await login(behindProxy, 'viewer-user', TEST_PASSWORD, { 'x-forwarded-for': '198.51.100.50' })).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5 * LIMIT + 1; i++) statuses.push((await login(behindProxy, `nobody-${i}`, 'x', { 'x-forwarded-for': '198.51.100.50' })).status);
    expect(statuses.slice(0, 5 * LIMIT).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not affected.
    expect((await login(behindProxy, 'viewer-user', TEST_PASSWORD, { 'x-forwarded-for': '198.51.100.51' })).status).toBe(200);
  });

  it('throttles guesses of the current password on the change-password form', async () => {
    const username = await newUser('change-guesser');
    const cookie = (await login(direct, username, TEST_PASSWORD)).headers.getSetCookie()[0].split(';')[0];
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      statuses.push((await direct.request('POST', '/api/auth/password', { cookie, body: { currentPassword: `guess-${i}`, newPassword: 'a-new-long-password' } })).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });
});

describe('password hashes', () => {
  it('stores new passwords with scrypt N=2^17, r=8, p=1', async () => {
    await newUser('fresh-hash');
    const { rows } = await test.db.query(`SELECT password_hash FROM users WHERE username = 'fresh-hash'`);
    expect(rows[0].password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
  });

  it('verifies an older N=2^14 hash at its own parameters and rehashes it at the next successful login, audited', async () => {
    const salt = randomBytes(16);
    const legacy = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync(TEST_PASSWORD, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
    await test.db.query(`INSERT INTO users (username, role, password_hash) VALUES ('legacy-hash', 'viewer', $1)`, [legacy]);
    expect((await login(direct, 'legacy-hash', 'not-the-password')).status).toBe(401);
    expect((await test.db.query(`SELECT password_hash FROM users WHERE username = 'legacy-hash'`)).rows[0].password_hash).toBe(legacy);

    expect((await login(direct, 'legacy-hash', TEST_PASSWORD)).status).toBe(200);
    const upgraded = (await test.db.query(`SELECT id, password_hash FROM users WHERE username = 'legacy-hash'`)).rows[0];
    expect(upgraded.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect((await login(direct, 'legacy-hash', TEST_PASSWORD)).status).toBe(200);
    const audit = await test.db.query(`SELECT action FROM audit_log WHERE entity_type = 'user' AND entity_id = $1`, [String(upgraded.id)]);
    expect(audit.rows.map((row) => row.action)).toEqual(['password_rehashed']);
  });

  it('refuses a stored hash asking for absurd parameters instead of allocating them', async () => {
    await test.db.query(`INSERT INTO users (username, role, password_hash) VALUES ('absurd-hash', 'viewer', 'scrypt$1073741824$64$64$AAAA$AAAA')`);
    expect((await login(direct, 'absurd-hash', TEST_PASSWORD)).status).toBe(401);
    expect((await direct.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('HTTPS directly', () => {
  it('serves HTTPS and WSS with TLS_CERT_FILE and TLS_KEY_FILE, with a Secure session cookie', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cityops-tls-'));
    const [certFile, keyFile] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const ca = readFileSync(certFile);
    const tls = await startTestApi(test, { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }, { skipLogins: true });
    try {
      const username = await newUser('tls-user');
      const answer = await httpsRequest(tls.role.port, ca, 'POST', '/api/auth/login', { username, password: TEST_PASSWORD });
      expect(answer.status).toBe(200);
      const setCookie = [answer.headers['set-cookie']].flat()[0]!;
      expect(setCookie).toMatch(/; Secure/i);
      // Plain HTTP on the same port gets nothing.
      await expect(fetch(`http://127.0.0.1:${tls.role.port}/healthz`)).rejects.toThrow();
      // Live sockets work over WSS with the same cookie.
      const socket = io(`https://127.0.0.1:${tls.role.port}`, { transports: ['websocket'], extraHeaders: { cookie: setCookie.split(';')[0] }, ca: ca.toString(), reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      socket.close();
    } finally {
      await tls.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function httpsRequest(port: number, ca: Buffer, method: string, urlPath: string, body?: unknown) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const request = https.request({ host: '127.0.0.1', port, method, path: urlPath, ca, headers: body ? { 'content-type': 'application/json' } : {} }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
    });
    request.on('error', reject);
    request.end(body ? JSON.stringify(body) : undefined);
  });
}
