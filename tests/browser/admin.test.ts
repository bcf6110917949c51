// Administration and engineer tools in Debian's Chromium against the real api role on PostgreSQL:
// an admin creates a field user and a team with that member, the new user signs in with the one-time
// password and must change it; an operator neither sees nor may open the administration; an engineer
// discovers a simulated ONVIF camera over real WS-Discovery and registers it from a profile; an
// operator pins a camera with a note; an engineer sets up an authenticator app on the account page of their
// own accord and an admin resets it. Screenshots of each screen in both languages.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../../contract/roles.ts';
import type { SimulatedOnvifDevice } from '../../ingest/onvif/simulated-device.ts';
import { base32Decode, totp } from '../../core/auth/totp.ts';
import { createTestUser, startTestApi, TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ONVIF_TEST_CREDENTIALS, startOnvifTestDevice } from '../support/onvif.ts';
import { addSessionCookie, ensureDashboardBuilt, launchChromium, logIn, SCREENSHOT_DIR, sessionCookieOf, startDashboardServer, newTestContext, recordExternalRequests } from './harness.ts';

const LANGUAGES = ['vi', 'en'] as const;
/** Generous: other test files may share the two cores, and every page load renders a map in software. */
const WAIT_MS = 30_000;
type Language = (typeof LANGUAGES)[number];

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let onvifDevice: SimulatedOnvifDevice;
const contexts: BrowserContext[] = [];

async function newPage(language: Language): Promise<Page> {
  const context = await newTestContext(browser, { viewport: { width: 1600, height: 900 }, timezoneId: 'Europe/Paris' });
  contexts.push(context);
  await context.addInitScript((chosen) => localStorage.setItem('cityops.language', chosen), language);
  return context.newPage();
}

/** A page signed in with a session the API holds (`api.cookieFor(role)`, or a given `name=value` cookie),
 *  opened at `path`, a light page the test then leaves through the navigation. The login form is
 *  tested here where signing in is the point (one-time password, two-step sign-in), and it lands on the
 *  map, slow in software WebGL. */
async function signedIn(role: UserRole | { cookie: string; name: string }, language: Language, path: string): Promise<Page> {
  const page = await newPage(language);
  const name = typeof role === 'string' ? role : role.name;
  await step(page, `signed-in-${name}-${language}`, async () => {
    await addSessionCookie(page.context(), api.baseUrl, typeof role === 'string' ? api.cookieFor(role) : role.cookie);
    await page.goto(`${api.baseUrl}${path}`);
    await page.waitForSelector('.shell', { timeout: WAIT_MS });
  });
  return page;
}

/** Closes the pages of a finished step: many open map pages on software WebGL starve a small machine. */
async function closePages() {
  for (const context of contexts.splice(0)) await context.close().catch(() => {});
}

async function shot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}

/** The enrolment's QR code is there and the browser could draw it (a local SVG, nothing fetched). */
async function expectQrCodeDrawn(page: Page) {
  const qr = page.locator('[data-testid=totp-qr]');
  await qr.waitFor({ timeout: WAIT_MS });
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;/);
  expect(await qr.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth > 0)).toBe(true);
}

/** Runs a step and keeps a screenshot of the page when it fails, to see why. */
async function step<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    await shot(page, `failure-${name}`).catch(() => {});
    throw error;
  }
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  onvifDevice = await startOnvifTestDevice();
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await closePages();
  await browser?.close();
  await onvifDevice?.stop();
  await api?.stop();
  await test?.drop();
});

describe('administration', () => {
  it('lets an admin create a field user and a team with them; the new user must change the one-time password', async () => {
    for (const language of LANGUAGES) {
      const username = `doi-${language}.nguyen`;
      const displayName = language === 'vi' ? 'Nguyễn Văn Đội' : 'Field Tester';
      const teamName = language === 'vi' ? 'Đội phản ứng nhanh Quận 1' : 'Rapid response team';
      const admin = await signedIn('admin', language, '/account');

      const oneTimePassword = await step(admin, `admin-users-${language}`, async () => {
        await admin.click('[data-testid=nav-admin]');
        await admin.waitForSelector('[data-testid=user-row][data-username=admin-user]', { timeout: WAIT_MS });
        await admin.fill('input[name=new-username]', username);
        await admin.fill('input[name=new-display-name]', displayName);
        await admin.selectOption('select[name=new-role]', 'field');
        await admin.click('[data-testid=user-create-submit]');
        const shown = (await admin.locator('[data-testid=one-time-password]').textContent({ timeout: WAIT_MS }))!.trim();
        await admin.waitForSelector(`[data-testid=user-row][data-username="${username}"]`, { timeout: WAIT_MS });
        return shown;
      });
      expect(oneTimePassword).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
      await shot(admin, `admin-users-${language}`);
      // Shown once: only its hash is stored, and closing the notice removes it from the page.
      const stored = await test.db.query('SELECT password_hash, must_change_password, role FROM users WHERE username = $1', [username]);
      expect(stored.rows[0]).toMatchObject({ must_change_password: true, role: 'field' });
      expect(stored.rows[0].password_hash).not.toContain(oneTimePassword);
      await admin.click('[data-testid=one-time-password-close]');
      expect(await admin.locator('[data-testid=one-time-password]').count()).toBe(0);

      await step(admin, `admin-teams-${language}`, async () => {
        await admin.click('[data-testid=admin-tab-teams]');
        await admin.fill('input[name=team-name]', teamName);
        await admin.click('[data-testid=team-create-submit]');
        const card = admin.locator(`[data-testid=team-card][data-team-name="${teamName}"]`);
        await card.waitFor({ timeout: WAIT_MS });
        await card.locator('[data-testid=team-candidate]').selectOption({ label: `${displayName} (${username})` });
        await card.locator('[data-testid=team-add-member]').click();
        await card.locator(`[data-testid=team-member][data-username="${username}"]`).waitFor({ timeout: WAIT_MS });
      });
      await shot(admin, `admin-teams-${language}`);
      const members = await test.db.query(
        `SELECT u.username FROM team_members m JOIN teams t ON t.id = m.team_id JOIN users u ON u.id = m.user_id WHERE t.name = $1`,
        [teamName],
      );
      expect(members.rows).toEqual([{ username }]);

      // The new user signs in with the one-time password and cannot go further without changing it.
      const newcomer = await newPage(language);
      const newPassword = `mat-khau-moi-${language}-2026`;
      await step(newcomer, `first-login-${language}`, async () => {
        await logIn(newcomer, api.baseUrl, username, oneTimePassword);
        await newcomer.waitForSelector('[data-testid=password-form]', { timeout: WAIT_MS });
      });
      await shot(newcomer, `first-login-password-change-${language}`);
      await newcomer.fill('input[name=currentPassword]', oneTimePassword);
      await newcomer.fill('input[name=newPassword]', newPassword);
      await newcomer.fill('input[name=repeatPassword]', newPassword);
      await newcomer.click('[data-testid=password-form] button[type=submit]');
      await step(newcomer, `after-password-change-${language}`, () => newcomer.waitForSelector('[data-testid=password-form]', { state: 'detached', timeout: WAIT_MS }));
      expect((await test.db.query('SELECT must_change_password FROM users WHERE username = $1', [username])).rows[0].must_change_password).toBe(false);
      expect((await api.login(username, oneTimePassword)).status).toBe(401);
      expect((await api.login(username, newPassword)).status).toBe(200);

      const audit = await test.db.query(`SELECT action, entity_type FROM audit_log WHERE username = 'admin-user' AND entity_type IN ('user', 'team') ORDER BY id`);
      expect(audit.rows.map((row) => `${row.entity_type}:${row.action}`)).toEqual(expect.arrayContaining(['user:create', 'team:create', 'team:add_member']));
      await closePages();
    }
  }, 180_000);

  it('hides the administration from an operator and refuses it at its URL', async () => {
    for (const language of LANGUAGES) {
      const operator = await signedIn('operator', language, '/account');
      await operator.waitForSelector('[data-testid=nav-operations]');
      expect(await operator.locator('[data-testid=nav-admin]').count()).toBe(0);
      await operator.goto(`${api.baseUrl}/admin`);
      await step(operator, `admin-refused-${language}`, () => operator.waitForSelector('[data-testid=admin-refused]', { timeout: WAIT_MS }));
      expect(await operator.locator('[data-testid=user-table]').count()).toBe(0);
      await shot(operator, `admin-refused-${language}`);
      expect((await api.request('GET', '/api/users', { role: 'operator' })).status).toBe(403);
      await closePages();
    }
  }, 180_000);
});

describe('two-step sign-in', () => {
  const TITLES = { vi: { enrol: 'Bật xác thực hai lớp', code: 'Mã xác thực' }, en: { enrol: 'Set up two-step sign-in', code: 'Authentication code' } };

  it('with REQUIRE_2FA, an admin sets up an authenticator at first login, then signs in with password and code', async () => {
    const strict = await startTestApi(test, { REQUIRE_2FA: 'true' }, { skipLogins: true });
    try {
      for (const language of LANGUAGES) {
        const username = `two-step-${language}`;
        await createTestUser(test.db, { username, role: 'admin' });
        const page = await newPage(language);
        const secretText = await step(page, `enrol-${language}`, async () => {
          await logIn(page, strict.baseUrl, username, TEST_PASSWORD, '/account');
          await page.waitForSelector('[data-testid=enrol-form]', { timeout: WAIT_MS });
          expect(await page.locator('[data-testid=enrol-form] h1').textContent()).toBe(TITLES[language].enrol);
          await page.click('[data-testid=enrol-form] button[type=submit]');
          await page.waitForSelector('input[name=secret]', { timeout: WAIT_MS });
          expect(await page.getAttribute('[data-testid=otpauth-link]', 'href')).toMatch(/^otpauth:\/\/totp\/CityOps:/);
          await expectQrCodeDrawn(page);
          await shot(page, `totp-enrol-${language}`);
          return (await page.inputValue('input[name=secret]')).replaceAll(' ', '');
        });
        const secret = base32Decode(secretText);
        await step(page, `enrol-confirm-${language}`, async () => {
          await page.fill('input[name=code]', totp(secret, Date.now()));
          await page.click('[data-testid=enrol-form] button[type=submit]');
          await page.waitForSelector('.shell', { timeout: WAIT_MS });
        });
        await closePages();

        const again = await newPage(language);
        await step(again, `code-${language}`, async () => {
          await logIn(again, strict.baseUrl, username, TEST_PASSWORD, '/account');
          await again.waitForSelector('[data-testid=code-form]', { timeout: WAIT_MS });
          expect(await again.locator('[data-testid=code-form] h1').textContent()).toBe(TITLES[language].code);
          await shot(again, `totp-code-${language}`);
          // The code used to enrol is spent: the next step's code (one step of drift is allowed) signs in.
          await again.fill('input[name=code]', totp(secret, Date.now() + 30_000));
          await again.click('[data-testid=code-form] button[type=submit]');
          await again.waitForSelector('.shell', { timeout: WAIT_MS });
        });
        const actions = (await test.db.query(`SELECT action FROM audit_log WHERE username = $1 ORDER BY id`, [username])).rows.map((row) => row.action);
        expect(actions).toEqual(['login', 'totp_enrolment_started', 'totp_enabled', 'login_password_ok', 'login']);
        await closePages();
      }
    } finally {
      await strict.stop();
    }
  }, 240_000);
});

describe('voluntary two-step sign-in (no REQUIRE_2FA)', () => {
  const STATE = { vi: { off: 'Xác thực hai lớp: tắt', on: 'Xác thực hai lớp: bật' }, en: { off: 'Two-factor: off', on: 'Two-factor: on' } };

  it('lets an engineer set up an authenticator on the account page; the next login asks its code; an admin resets it', async () => {
    for (const language of LANGUAGES) {
      const username = `voluntary-${language}`;
      const created = await createTestUser(test.db, { username, role: 'engineer', displayName: language === 'vi' ? 'Lê Thị Kỹ Sư' : 'Volunteer Engineer' });
      const engineer = await signedIn({ cookie: await sessionCookieOf(api, username), name: username }, language, '/engineer');
      const external = recordExternalRequests(engineer);
      const state = engineer.locator('[data-testid=totp-state]');
      await step(engineer, `account-${language}`, async () => {
        await engineer.click('[data-testid=nav-account]');
        await engineer.waitForSelector('[data-testid=account-page]', { timeout: WAIT_MS });
        expect(await state.getAttribute('data-enabled')).toBe('false');
        expect(await state.textContent()).toBe(STATE[language].off);
      });
      await shot(engineer, `account-two-factor-off-${language}`);

      const secret = await step(engineer, `account-enrol-${language}`, async () => {
        await engineer.click('[data-testid=enrol-form] button[type=submit]');
        await engineer.waitForSelector('input[name=secret]', { timeout: WAIT_MS });
        const uri = (await engineer.getAttribute('[data-testid=otpauth-link]', 'href'))!;
        expect(uri).toMatch(new RegExp(`^otpauth://totp/CityOps:${username}\\?secret=[A-Z2-7]+&`));
        await expectQrCodeDrawn(engineer);
        const shown = await engineer.inputValue('input[name=secret]');
        // Grouped by four for reading aloud or typing into a phone; the link carries the same secret.
        expect(shown).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
        expect(new URL(uri).searchParams.get('secret')).toBe(shown.replaceAll(' ', ''));
        return base32Decode(shown);
      });
      await shot(engineer, `account-enrol-${language}`);
      expect(external).toEqual([]);
      await step(engineer, `account-confirm-${language}`, async () => {
        await engineer.fill('input[name=code]', totp(secret, Date.now()));
        await engineer.click('[data-testid=enrol-form] button[type=submit]');
        await engineer.waitForSelector('[data-testid=totp-state][data-enabled=true]', { timeout: WAIT_MS });
      });
      expect(await state.textContent()).toBe(STATE[language].on);
      expect(await engineer.locator('[data-testid=enrol-form]').count()).toBe(0);
      await shot(engineer, `account-two-factor-on-${language}`);

      // Signed out and in again: the password alone no longer opens the dashboard.
      await step(engineer, `account-relogin-${language}`, async () => {
        await engineer.click('[data-testid=logout]');
        await engineer.waitForSelector('[data-testid=login-form]', { timeout: WAIT_MS });
        await logIn(engineer, api.baseUrl, username, TEST_PASSWORD, '/account');
        await engineer.waitForSelector('[data-testid=code-form]', { timeout: WAIT_MS });
        expect(await engineer.locator('.shell').count()).toBe(0);
        // The code that confirmed the enrolment is spent; the next step's code signs in.
        await engineer.fill('input[name=code]', totp(secret, Date.now() + 30_000));
        await engineer.click('[data-testid=code-form] button[type=submit]');
        await engineer.waitForSelector('.shell', { timeout: WAIT_MS });
      });
      await closePages();

      const admin = await signedIn('admin', language, '/account');
      const badge = admin.locator(`[data-testid=totp-${username}]`);
      await step(admin, `admin-two-factor-${language}`, async () => {
        await admin.click('[data-testid=nav-admin]');
        await badge.waitFor({ timeout: WAIT_MS });
        expect(await badge.getAttribute('data-enabled')).toBe('true');
      });
      await shot(admin, `admin-users-two-factor-on-${language}`);
      await step(admin, `admin-two-factor-reset-${language}`, async () => {
        admin.once('dialog', (dialog) => void dialog.accept());
        await admin.click(`[data-testid=reset-totp-${username}]`);
        await admin.waitForSelector(`[data-testid=totp-${username}][data-enabled=false]`, { timeout: WAIT_MS });
      });
      expect(await admin.locator(`[data-testid=reset-totp-${username}]`).count()).toBe(0);
      await shot(admin, `admin-users-two-factor-off-${language}`);
      expect((await test.db.query('SELECT totp_enabled, totp_secret_encrypted FROM users WHERE id = $1', [created.id])).rows[0]).toEqual({ totp_enabled: false, totp_secret_encrypted: null });
      const reset = await test.db.query(`SELECT username FROM audit_log WHERE action = 'totp_reset' AND entity_type = 'user' AND entity_id = $1`, [String(created.id)]);
      expect(reset.rows).toEqual([{ username: 'admin-user' }]);
      // Without a second factor again, the password alone signs in.
      expect((await (await api.login(username, TEST_PASSWORD)).json()).user.secondFactorPending).toBe(false);
      await closePages();
    }
  }, 240_000);

  it('shows no authenticator section to a role that cannot use one', async () => {
    for (const language of LANGUAGES) {
      const operator = await signedIn('operator', language, '/incidents');
      await step(operator, `account-operator-${language}`, async () => {
        await operator.click('[data-testid=nav-account]');
        await operator.waitForSelector('[data-testid=account-page]', { timeout: WAIT_MS });
      });
      expect(await operator.locator('[data-testid=account-page]').textContent()).toContain('operator-user');
      expect(await operator.locator('[data-testid=account-two-factor]').count()).toBe(0);
      expect(await operator.locator('[data-testid=enrol-form]').count()).toBe(0);
      await shot(operator, `account-operator-${language}`);
      await closePages();
    }
  }, 120_000);
});

describe('engineer tools', () => {
  it('discovers the ONVIF camera, reads its profiles without echoing the password, and prefills the camera form', async () => {
    for (const language of LANGUAGES) {
      const engineer = await signedIn('engineer', language, '/account');
      const device = `[data-testid=onvif-device][data-urn="${onvifDevice.urn}"]`;
      await step(engineer, `onvif-discover-${language}`, async () => {
        await engineer.click('[data-testid=nav-engineer]');
        await engineer.click('[data-testid=engineer-tab-onvif]');
        await engineer.click('[data-testid=onvif-discover]');
        await engineer.waitForSelector(device, { timeout: 45_000 });
      });
      expect(await engineer.locator(device).textContent()).toContain('Nút giao Hàng Xanh');

      await engineer.fill(`${device} [data-testid=onvif-username]`, ONVIF_TEST_CREDENTIALS.username);
      await engineer.fill(`${device} [data-testid=onvif-password]`, ONVIF_TEST_CREDENTIALS.password);
      const answer = engineer.waitForResponse((response) => response.url().endsWith('/api/cameras/onvif/streams'));
      await engineer.click(`${device} [data-testid=onvif-read]`);
      expect(await (await answer).text()).not.toContain(ONVIF_TEST_CREDENTIALS.password);
      await step(engineer, `onvif-profiles-${language}`, () => engineer.waitForSelector(`${device} [data-testid=onvif-profile][data-token=sub]`, { timeout: WAIT_MS }));
      const profiles = (await engineer.locator(`${device} [data-testid=onvif-profiles]`).textContent())!;
      expect(profiles).toContain('rtsp://127.0.0.1:8554/cam-main');
      expect(profiles).toContain('1920×1080');
      expect(profiles).not.toContain(ONVIF_TEST_CREDENTIALS.password);
      await shot(engineer, `onvif-discovery-${language}`);

      await engineer.click(`${device} [data-testid=onvif-use-main]`);
      const form = '[data-testid=camera-form]';
      const input = (field: string) => engineer.locator(`${form} [data-field=${field}] input`);
      await step(engineer, `onvif-prefill-${language}`, () => engineer.waitForSelector('[data-testid=onvif-prefilled]', { timeout: WAIT_MS }));
      expect(await input('id').inputValue()).toBe('nut-giao-hang-xanh');
      expect(await input('name').inputValue()).toBe('Nút giao Hàng Xanh');
      expect(await input('rtspUrl').inputValue()).toBe('rtsp://127.0.0.1:8554/cam-main');
      expect(await input('username').inputValue()).toBe(ONVIF_TEST_CREDENTIALS.username);
      await shot(engineer, `onvif-camera-prefilled-${language}`);

      const cameraId = `onvif-${language}`;
      await input('id').fill(cameraId);
      await engineer.click('[data-testid=device-save]');
      await step(engineer, `onvif-save-${language}`, () => engineer.waitForURL(`**/engineer/cameras/${cameraId}`, { timeout: WAIT_MS }));
      const saved = await test.db.query('SELECT rtsp_url, rtsp_username FROM cameras WHERE id = $1', [cameraId]);
      expect(saved.rows).toEqual([{ rtsp_url: 'rtsp://127.0.0.1:8554/cam-main', rtsp_username: ONVIF_TEST_CREDENTIALS.username }]);

      // The prefill is used once: a later "new camera" starts blank.
      await engineer.goto(`${api.baseUrl}/engineer/cameras/new`);
      await engineer.waitForSelector(form, { timeout: WAIT_MS });
      expect(await input('rtspUrl').inputValue()).toBe('');
      await closePages();
    }
  }, 180_000);
});

describe('analysis slots', () => {
  it('lets an operator pin a camera with a note that is stored, audited and shown in the table', async () => {
    for (const language of LANGUAGES) {
      await test.db.query('DELETE FROM analysis_pins');
      const note = language === 'vi' ? 'Kẹt xe giờ cao điểm, theo dõi sát' : 'Rush-hour jam, watch closely';
      const operator = await signedIn('operator', language, '/account');
      await operator.click('[data-testid=nav-analysis]');
      const row = operator.locator('[data-testid=slot-camera-row]').first();
      await step(operator, `pin-note-${language}`, () => row.waitFor({ timeout: WAIT_MS }));
      const cameraId = (await row.getAttribute('data-camera-id'))!;
      await operator.click(`[data-testid=pin-${cameraId}]`);
      await operator.fill(`[data-testid=note-for-pin-${cameraId}]`, note);
      await shot(operator, `analysis-pin-note-typing-${language}`);
      await operator.click(`[data-testid=confirm-pin-${cameraId}]`);
      const shown = operator.locator(`[data-testid=slot-camera-row][data-camera-id="${cameraId}"] [data-testid=pinned-note-${cameraId}]`);
      await step(operator, `pinned-note-${language}`, () => shown.waitFor({ timeout: WAIT_MS }));
      expect(await shown.textContent()).toContain(note);
      expect(await shown.textContent()).toContain('operator-user');
      await shot(operator, `analysis-pin-note-${language}`);

      const pins = await test.db.query('SELECT note, pinned_by FROM analysis_pins WHERE camera_id = $1', [cameraId]);
      expect(pins.rows).toEqual([{ note, pinned_by: 'operator-user' }]);
      const audit = await test.db.query(`SELECT details FROM audit_log WHERE action = 'pin' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, [cameraId]);
      expect(audit.rows[0].details.note).toBe(note);
      await closePages();
    }
  }, 180_000);
});
