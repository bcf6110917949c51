// Starts the real api role (Fastify + socket.io) on an ephemeral port against a test database, and
// logs in users of every role. Used by every HTTP and socket test.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { SecretBox } from '../../core/secret-box.ts';
import { hashPassword } from '../../core/auth/passwords.ts';
import { insertUser } from '../../core/auth/users.ts';
import { USER_ROLES, type UserRole } from '../../contract/roles.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { ApiRole } from '../../dashboard/server/role.ts';
import { featureRoutes } from '../../apps/routes.ts';
import type { Queryable } from '../../core/database/pool.ts';
import type { TestDatabase } from './database.ts';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

/**
 * The test password's scrypt hash, made once per process and given to every `<role>-user` this file
 * creates: a hash costs about half a second of a core (core/auth/passwords.ts), and each api started on a
 * fresh database would otherwise make five. The hash is a real one at today's parameters, so every login
 * still runs the full check (and needs no rehash).
 */
let testPasswordHash: Promise<string> | undefined;
const testPasswordHashOnce = () => (testPasswordHash ??= hashPassword(TEST_PASSWORD));

/** A user whose password is TEST_PASSWORD, with that hash. */
export async function createTestUser(db: Queryable, input: { username: string; role: UserRole; displayName?: string }): Promise<{ id: number }> {
  return insertUser(db, { ...input, passwordHash: await testPasswordHashOnce() });
}

/** HTTP access to a running api role, with a logged-in session for every user role. */
export interface ApiClient {
  baseUrl: string;
  /** Session cookie header for a user of that role (user `<role>-user`). */
  cookieFor(role: UserRole): string;
  login(username: string, password: string): Promise<Response>;
  request(method: string, path: string, options?: { role?: UserRole; cookie?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
}

export interface TestApi extends ApiClient {
  role: ApiRole;
  config: Config;
  secretBox: SecretBox;
  stop(): Promise<void>;
}

export async function startTestApi(
  test: TestDatabase,
  overrides: Record<string, string> = {},
  options: { logDestination?: NodeJS.WritableStream; skipLogins?: boolean; sessionsOf?: ApiClient } = {},
): Promise<TestApi> {
  // Each api its own media store (residents' photos and clips), removed when it stops.
  const mediaDir = overrides.REPORT_MEDIA_DIR ? undefined : await mkdtemp(path.join(tmpdir(), 'cityops-report-media-'));
  const config = loadConfig(
    {
      ...(mediaDir ? { REPORT_MEDIA_DIR: mediaDir } : {}),
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: test.url,
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SIMULATE: 'false',
      // The open data daily files are written only where a test asks for them (tests/opendata/daily-files.test.ts).
      OPEN_DATA_DAILY_FILES: 'false',
      // Likewise the leaders' reports (tests/reports/leader-reports.test.ts runs the schedule itself).
      LEADER_REPORTS_SCHEDULE: 'false',
      ...overrides,
    },
    [],
  );
  const logger = createLogger(config.LOG_LEVEL, 'cityops', options.logDestination);
  const secretBox = SecretBox.fromConfig(config.SECRET_KEY, config.dataDir);
  const role = new ApiRole({
    config,
    db: test.db,
    caps: test.caps,
    logger,
    secretBox,
    connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
  }, featureRoutes);
  await role.start();
  const client = await connectApiClient(test.db, `http://127.0.0.1:${role.port}`, options);
  return {
    ...client,
    role,
    config,
    secretBox,
    async stop() {
      await role.stop();
      if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
    },
  };
}

/**
 * Logs in a user of every role (created on first use) at the api role listening on `baseUrl`, whether
 * it runs in this process or in another one on the same database.
 */
export async function connectApiClient(db: Queryable, baseUrl: string, options: { skipLogins?: boolean; sessionsOf?: ApiClient } = {}): Promise<ApiClient> {
  const login = (username: string, password: string) =>
    fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  const cookies = new Map<UserRole, string>();
  // `sessionsOf`: an api restarted on the same database takes the sessions its predecessor opened (they
  // live in PostgreSQL), instead of five more logins of a full scrypt check each.
  if (options.sessionsOf) for (const userRole of USER_ROLES) cookies.set(userRole, options.sessionsOf.cookieFor(userRole));
  for (const userRole of options.skipLogins || options.sessionsOf ? [] : USER_ROLES) {
    const username = `${userRole}-user`;
    const existing = await db.query('SELECT 1 FROM users WHERE username = $1', [username]);
    if (!existing.rowCount) await createTestUser(db, { username, role: userRole });
    const response = await login(username, TEST_PASSWORD);
    if (response.status !== 200) throw new Error(`test login as ${username} failed: ${response.status} ${await response.text()}`);
    cookies.set(userRole, response.headers.getSetCookie()[0].split(';')[0]);
  }

  return {
    baseUrl,
    cookieFor: (userRole) => cookies.get(userRole)!,
    login,
    request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const cookie = options.cookie ?? (options.role ? cookies.get(options.role) : undefined);
      if (cookie) headers.cookie = cookie;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${baseUrl}${path}`, { method, headers, body });
    },
  };
}
