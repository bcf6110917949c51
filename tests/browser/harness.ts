// What the browser tests and the dashboard benchmark share: a migrated database outside vitest's
// template, a built dashboard, the real api role with demo devices, and Debian's Chromium.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { UserRole } from '../../contract/roles.ts';
import { migrate } from '../../core/database/migrate.ts';
import { createLogger } from '../../core/logger.ts';
import { seedDemoDevices } from '../../devices/demo-seed.ts';
import { startTestApi, TEST_PASSWORD, type ApiClient, type TestApi } from '../support/api.ts';
import { openTestDatabase, type TestDatabase } from '../support/open-database.ts';
import { adminUrl, assetMirrorDir } from '../support/urls.ts';
import { freePort } from '../support/free-port.ts';

export { freePort };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const webRoot = path.join(root, 'dashboard', 'web');
export const SCREENSHOT_DIR = path.join(root, 'tests', 'artifacts', 'screenshots');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dashboard/web when dist is missing or older than any source file. */
export function ensureDashboardBuilt(): void {
  const built = path.join(webRoot, 'dist', 'index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(webRoot)) return;
  // NODE_ENV=production: vitest sets NODE_ENV=test, which vite would pass on, building React's
  // development bundle (StrictMode double effects, slower): the tests must see what users get.
  execFileSync('npm', ['run', '--silent', 'build:dashboard'], { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A migrated database for runs outside vitest (the benchmark); named like the test databases so
 *  stale ones are dropped by the next test run. */
export async function createStandaloneDatabase(): Promise<TestDatabase> {
  const name = `cityops_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const database = await openTestDatabase(name, { as: 'superuser' });
  await migrate(database.db);
  return database;
}


/** The real api role on a fixed port (so a restart keeps the URL), with the demo devices seeded; a restart
 *  may take the sessions of the api it replaces (`sessionsOf`). */
export async function startDashboardServer(test: TestDatabase, overrides: Record<string, string> = {}, options: { sessionsOf?: ApiClient } = {}): Promise<TestApi> {
  const port = overrides.PORT ?? String(await freePort());
  const api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir(), SIMULATED_CAMERAS: '8', SIMULATED_SENSORS: '12', ...overrides, PORT: port }, options);
  await seedDemoDevices({ db: test.db, secretBox: api.secretBox, config: api.config, logger: createLogger('silent') });
  return api;
}

export async function launchChromium(): Promise<Browser> {
  // --enable-unsafe-swiftshader: software WebGL for MapLibre on machines without a GPU (CI).
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-unsafe-swiftshader', '--autoplay-policy=no-user-gesture-required'];
  // CHROMIUM_ARGS="--flag ..." replaces them (e.g. without --disable-gpu on a machine with a GPU).
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: process.env.CHROMIUM_ARGS ? process.env.CHROMIUM_ARGS.split(/\s+/) : args });
}

/** A browser context whose waits default to 45 s: software WebGL on a loaded 2-core CI machine is slow,
 *  and a wait that times out should mean something is wrong, not that the machine was busy. */
export async function newTestContext(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(45_000);
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

/** Every request the page makes that does not go to this machine. */
export function recordExternalRequests(page: Page): string[] {
  const external: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') external.push(request.url());
  });
  return external;
}

/** Signs in through the login form. The form is what any page of the app shows a visitor without a
 *  session, and the user then stays on that page: `at` a light page (`/account`) spares a test that is
 *  about signing in the map that `/login` lands on, slow in software WebGL. */
export async function logIn(page: Page, baseUrl: string, username: string, password: string, at = '/login'): Promise<void> {
  await page.goto(`${baseUrl}${at}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

/** Gives the context a session the API already holds (`api.cookieFor(role)`, or a login's `name=value`
 *  cookie): for tests where the login form is not what is tested. It skips the form and the map the form
 *  lands on; the tests about signing in keep the form (dashboard, admin, field-offline). */
export async function addSessionCookie(context: BrowserContext, baseUrl: string, cookie: string): Promise<void> {
  const equals = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, equals), value: cookie.slice(equals + 1), url: baseUrl }]);
}

/** The session cookie of a login through the API, as `name=value`. */
export async function sessionCookieOf(api: ApiClient, username: string, password = TEST_PASSWORD): Promise<string> {
  const response = await api.login(username, password);
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status}`);
  return response.headers.getSetCookie()[0].split(';')[0];
}

/** A new context logged in as `username`, in `language`, waiting until the app shell (or the field
 *  view) is up. Shows the dashboard in Asia/Ho_Chi_Minh whatever the browser's own zone. */
export async function openLoggedIn(
  browser: Browser,
  baseUrl: string,
  username: string,
  options: { language?: 'vi' | 'en'; viewport?: { width: number; height: number }; password?: string } = {},
): Promise<Page> {
  const context = await newTestContext(browser, { viewport: options.viewport ?? { width: 1600, height: 900 }, timezoneId: 'Europe/Paris' });
  await context.addInitScript((chosen) => localStorage.setItem('cityops.language', chosen), options.language ?? 'vi');
  const page = await context.newPage();
  await logIn(page, baseUrl, username, options.password ?? TEST_PASSWORD);
  await page.waitForSelector(username.startsWith('field') ? '.field' : '.shell');
  return page;
}

/** Like openLoggedIn, without the login form: a new context with the API's session for `role`, opened at
 *  `path` (a light page such as `/account` keeps the map out of a test that does not look at it). */
export async function openSignedIn(
  browser: Browser,
  api: ApiClient,
  role: UserRole,
  path: string,
  options: { language?: 'vi' | 'en'; viewport?: { width: number; height: number } } = {},
): Promise<Page> {
  const context = await newTestContext(browser, { viewport: options.viewport ?? { width: 1600, height: 900 }, timezoneId: 'Europe/Paris' });
  await context.addInitScript((chosen) => localStorage.setItem('cityops.language', chosen), options.language ?? 'vi');
  await addSessionCookie(context, api.baseUrl, api.cookieFor(role));
  const page = await context.newPage();
  await page.goto(`${api.baseUrl}${path}`);
  await page.waitForSelector(role === 'field' ? '.field' : '.shell');
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
