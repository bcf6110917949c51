// Comfort on long shifts (#17 part 8), in Debian's Chromium against the real api role: the operations
// page's keyboard shortcuts (next/previous alert, acknowledge, assign, open the camera, Enter, Esc, the
// "?" help) act through the same buttons and API as a click (the state and the audit in PostgreSQL say
// so), and never while typing; the light theme is chosen, kept across a reload, repaints the map, and the
// wall stays dark. In Vietnamese and in English.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let teamId: number;

const TEXT = {
  vi: { selectedFirst: 'Cảnh báo 1/', acknowledged: 'Đã tiếp nhận cảnh báo', notNew: 'đã được tiếp nhận', assigned: 'Đã giao cảnh báo cho Đội phím tắt', camera: 'Đang mở video trực tiếp', help: 'Phím tắt', next: 'Cảnh báo tiếp theo', closed: 'Đã đóng chi tiết', notAllowed: 'không được xử lý cảnh báo' },
  en: { selectedFirst: 'Alert 1 of', acknowledged: 'Alert acknowledged', notNew: 'already acknowledged', assigned: 'Alert assigned to Đội phím tắt', camera: 'Opening live video', help: 'Keyboard shortcuts', next: 'Next alert', closed: 'Alert detail closed', notAllowed: 'may not act on alerts' },
};
const DARK_BACKGROUND = 'rgb(7, 13, 26)';
const LIGHT_BACKGROUND = 'rgb(238, 242, 247)';

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
  const created = await api.request('POST', '/api/teams', { role: 'admin', body: { name: 'Đội phím tắt' } });
  expect(created.status).toBe(201);
  teamId = ((await created.json()) as { team: { id: number } }).team.id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

const announced = (page: Page) => page.locator('[data-testid=announcer]').innerText();
const selectedId = (page: Page) => page.locator('[data-testid=alert-detail]').getAttribute('data-alert-id', { timeout: 10_000 }).then(Number);
const drawnRowIds = (page: Page) => page.locator('[data-testid=alert-row]').evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.alertId)));
const focusedTestId = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.tagName);
const auditActions = async (alertId: number) =>
  (await test.db.query(`SELECT action, username FROM audit_log WHERE entity_type = 'alert' AND entity_id = $1 AND action <> 'raise' ORDER BY id`, [String(alertId)])).rows;
const backgroundOf = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

describe('keyboard shortcuts on the operations page', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`move, acknowledge, assign and open the camera, not while typing (${language})`, async () => {
      const text = TEXT[language];
      const raiser = createAlertRaiser({ db: test.db });
      const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'cam-001', kind: 'crowd', zoneId: `keys-${language}`, severity: 'critical', title: { vi: 'Đám đông ở chợ Bến Thành', en: 'Crowd at Ben Thanh market' }, lat: 10.772, lon: 106.698 });
      await raiser.raise({ sourceType: 'camera', sourceId: 'cam-002', kind: 'crowd', zoneId: `keys-other-${language}`, severity: 'minor', title: { vi: 'Đám đông nhỏ', en: 'Small crowd' }, lat: 10.78, lon: 106.7 });
      const page = await openSignedIn(browser, api, 'operator', '/', { language });
      await page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"]`).waitFor();
      const rows = await drawnRowIds(page);
      expect(rows.length).toBeGreaterThanOrEqual(2);

      // J: the first row, selected as a click would (the detail opens), focused, and said aloud.
      await page.keyboard.press('j');
      expect(await selectedId(page)).toBe(rows[0]);
      expect(page.url()).toBe(`${api.baseUrl}/alerts/${rows[0]}`);
      expect(await page.locator(`[data-testid=alert-row][data-alert-id="${rows[0]}"]`).evaluate((row) => row === document.activeElement && row.classList.contains('selected'))).toBe(true);
      await expect.poll(() => announced(page)).toContain(text.selectedFirst);
      await page.keyboard.press('j');
      expect(await selectedId(page)).toBe(rows[1]);
      await page.keyboard.press('ArrowUp');
      expect(await selectedId(page)).toBe(rows[0]);
      // To this test's critical alert, wherever the other runs' alerts put it.
      for (let step = 0; step < rows.length && (await selectedId(page)) !== alertId; step++) await page.keyboard.press('ArrowDown');
      expect(await selectedId(page)).toBe(alertId);

      // Typing in the note: the letters go into the note, nothing is acknowledged or moved.
      const note = page.locator('[data-testid=alert-note]');
      await note.click();
      await page.keyboard.type('jak');
      expect(await note.inputValue()).toBe('jak');
      expect(await selectedId(page)).toBe(alertId);
      expect(await page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"]`).getAttribute('data-state')).toBe('new');
      // With a modifier held neither.
      await note.fill('');
      await page.locator('[data-testid=alert-detail] .detail-title').click();
      await page.keyboard.press('Control+a');
      expect(await page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"]`).getAttribute('data-state')).toBe('new');

      // A: acknowledged through the API, seen in the list, audited as the operator's.
      await page.keyboard.press('a');
      await page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"][data-state=acknowledged]`).waitFor();
      await expect.poll(() => announced(page)).toContain(text.acknowledged);
      expect((await test.db.query(`SELECT state FROM alerts WHERE id = $1`, [alertId])).rows[0].state).toBe('acknowledged');
      expect(await auditActions(alertId)).toEqual([{ action: 'acknowledge', username: 'operator-user' }]);
      await page.keyboard.press('a');
      await expect.poll(() => announced(page)).toContain(text.notNew);

      // S: the team choice has the keyboard; Tab and Enter assign.
      await page.locator('[data-testid=assign-team]:enabled').waitFor();
      await page.keyboard.press('s');
      await expect.poll(() => focusedTestId(page)).toBe('assign-team');
      await page.keyboard.press('Tab');
      expect(await focusedTestId(page)).toBe('action-assign');
      await page.keyboard.press('Enter');
      await page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"][data-state=assigned]`).waitFor();
      await expect.poll(() => announced(page)).toContain(text.assigned);
      expect((await test.db.query(`SELECT state, assigned_team_id FROM alerts WHERE id = $1`, [alertId])).rows[0]).toEqual({ state: 'assigned', assigned_team_id: teamId });
      expect((await auditActions(alertId)).map((row) => row.action)).toEqual(['acknowledge', 'assign']);

      // C: the camera's live video.
      await page.locator('[data-testid=alert-detail] .detail-title').click();
      await page.keyboard.press('c');
      await page.locator('[data-testid=alert-detail] > [data-testid=live-video]').waitFor();
      expect(await page.locator('[data-testid=tab-video]').getAttribute('class')).toContain('active');
      await expect.poll(() => announced(page)).toContain(text.camera);

      // Esc closes the detail and leaves the keyboard on the row; Enter opens it again.
      await page.keyboard.press('Escape');
      await page.locator('[data-testid=alert-detail]').waitFor({ state: 'detached' });
      expect(new URL(page.url()).pathname).toBe('/');
      await expect.poll(() => announced(page)).toContain(text.closed);
      await page.keyboard.press('Enter');
      expect(await selectedId(page)).toBe(alertId);

      // ?: the list of shortcuts in the user's language; Esc closes it (and only it).
      await page.keyboard.press('?');
      const help = page.locator('[data-testid=shortcut-help]');
      await help.waitFor();
      expect(await help.locator('h2').innerText()).toContain(text.help);
      expect(await help.innerText()).toContain(text.next);
      await screenshot(page, `shortcuts-help-${language}`);
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'detached' });
      expect(await selectedId(page)).toBe(alertId);
      await page.context().close();
    }, 180_000);
  }

  it('a viewer is told the role may not act, and nothing changes', async () => {
    const raiser = createAlertRaiser({ db: test.db });
    const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'cam-003', kind: 'crowd', zoneId: 'keys-viewer', severity: 'critical', title: { vi: 'Đám đông ở bến xe', en: 'Crowd at the bus station' } });
    const page = await openSignedIn(browser, api, 'viewer', `/alerts/${alertId}`, { language: 'en' });
    expect(await selectedId(page)).toBe(alertId);
    await page.keyboard.press('a');
    await expect.poll(() => announced(page)).toContain(TEXT.en.notAllowed);
    expect((await test.db.query(`SELECT state FROM alerts WHERE id = $1`, [alertId])).rows[0].state).toBe('new');
    expect(await auditActions(alertId)).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('light theme', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`is chosen, kept across a reload, repaints the map, and the wall stays dark (${language})`, async () => {
      const raiser = createAlertRaiser({ db: test.db });
      const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'cam-004', kind: 'crowd', zoneId: `theme-${language}`, severity: 'major', title: { vi: 'Đám đông ở công viên', en: 'Crowd in the park' }, lat: 10.776, lon: 106.695 });
      const page = await openSignedIn(browser, api, 'operator', '/', { language });
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      // Dark by default: the command room.
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await backgroundOf(page)).toBe(DARK_BACKGROUND);
      const mapBackground = () => page.evaluate(() => (window as unknown as { cityopsMap: { getPaintProperty(layer: string, name: string): string } }).cityopsMap.getPaintProperty('background', 'background-color'));
      expect(await mapBackground()).toBe('#0a1222');

      // The top bar's switch: the page and its map turn light at once.
      await page.click('[data-testid=theme-toggle]');
      await expect.poll(() => backgroundOf(page)).toBe(LIGHT_BACKGROUND);
      await expect.poll(mapBackground).toBe('#e8edf3');
      expect(await page.locator('[data-testid=city-map]').getAttribute('data-map-theme')).toBe('light');

      // Kept across a reload, the map drawn light from the start.
      await page.reload();
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
      expect(await backgroundOf(page)).toBe(LIGHT_BACKGROUND);
      expect(await mapBackground()).toBe('#e8edf3');
      await screenshot(page, `theme-light-map-${language}`);
      await page.click(`[data-testid=alert-row][data-alert-id="${alertId}"]`);
      await page.locator('[data-testid=alert-detail]').waitFor();
      // Body text on a panel, as drawn.
      expect(await page.locator('[data-testid=alert-detail] .detail-title').evaluate((title) => getComputedStyle(title).color)).toBe('rgb(15, 27, 45)');
      await screenshot(page, `theme-light-operations-${language}`);
      await page.keyboard.press('?');
      await page.locator('[data-testid=shortcut-help]').waitFor();
      await screenshot(page, `theme-light-help-${language}`);
      await page.keyboard.press('Escape');
      // Other command-room pages in the light theme, to be looked at.
      for (const [path, ready] of [['/incidents', '.page'], ['/sensors', '.sensors-page']] as const) {
        await page.goto(`${api.baseUrl}${path}`);
        await page.waitForSelector(ready);
        expect(await backgroundOf(page)).toBe(LIGHT_BACKGROUND);
        await screenshot(page, `theme-light${path.replace('/', '-')}-${language}`);
      }

      // The wall: dark whatever the choice, its map too.
      await page.goto(`${api.baseUrl}/wall`);
      await page.waitForSelector('[data-testid=wall]');
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await backgroundOf(page)).toBe(DARK_BACKGROUND);
      expect(await mapBackground()).toBe('#0a1222');
      await screenshot(page, `theme-light-chosen-wall-${language}`);

      // The account page names both and still has light chosen; dark again from there, kept too.
      await page.goto(`${api.baseUrl}/account`);
      await page.waitForSelector('[data-testid=account-theme]');
      expect(await backgroundOf(page)).toBe(LIGHT_BACKGROUND);
      expect(await page.locator('[data-testid=theme-light]').getAttribute('aria-pressed')).toBe('true');
      expect(await page.locator('[data-testid=account-theme] h2').innerText()).toBe(language === 'vi' ? 'Giao diện' : 'Theme');
      await screenshot(page, `theme-light-account-${language}`);
      await page.click('[data-testid=theme-dark]');
      await expect.poll(() => backgroundOf(page)).toBe(DARK_BACKGROUND);
      await page.reload();
      await page.waitForSelector('[data-testid=account-theme]');
      expect(await backgroundOf(page)).toBe(DARK_BACKGROUND);
      await page.context().close();
    }, 180_000);
  }
});
