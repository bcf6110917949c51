// The response figures page and the wall's incident tile in Debian's Chromium against the real api role:
// incidents built through the API and moved to known times, the table in Vietnamese and English, the
// grouping switched to teams, the CSV downloaded from the page, and the wall counting the incidents in
// hand and the one past its deadline. Screenshots in /tmp/figures-shots/ (FIGURES_SHOTS_DIR).
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { addDistrict } from '../alerts/support/fixtures.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn } from './harness.ts';

const SHOTS = process.env.FIGURES_SHOTS_DIR ?? '/tmp/figures-shots';
const LANGUAGES = ['vi', 'en'] as const;

/** In hand, past its deadline to acknowledge: escalated before any page is opened. */
let lateFire: number;
let test: TestDatabase;
let api: TestApi;
let browser: Browser;
const pages: Page[] = [];

async function ok(method: string, url: string, body?: unknown) {
  const response = await api.request(method, url, { role: method === 'POST' && url === '/api/teams' ? 'admin' : 'operator', body });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** An incident through the API, then moved to `hoursAgo` with its team's answers `acknowledgeS`, `arriveS` after the dispatch. */
async function incident(kind: 'fire' | 'flooding' | 'traffic_accident', teamId: number | null, times: { hoursAgo: number; acknowledgeS?: number; arriveS?: number; resolveS?: number }) {
  const { incident: opened } = await ok('POST', '/api/hotline/calls', { line: '114', kind, said: 'Người dân gọi báo', districtId: 'q1', address: '1 Lê Duẩn' });
  if (teamId !== null) {
    const { assignment } = await ok('POST', `/api/incidents/${opened.id}/assign`, { teamId });
    if (times.acknowledgeS !== undefined) await ok('POST', `/api/incidents/${opened.id}/acknowledge`);
    if (times.arriveS !== undefined) await ok('POST', `/api/incidents/${opened.id}/arrive`);
    const assignedAt = `now() - make_interval(hours => $2) + interval '30 seconds'`;
    await test.db.query(
      `UPDATE incident_assignments SET acknowledge_by = ${assignedAt} + (acknowledge_by - assigned_at), arrive_by = ${assignedAt} + (arrive_by - assigned_at), assigned_at = ${assignedAt},
         acknowledged_at = ${assignedAt} + make_interval(secs => $3), arrived_at = ${assignedAt} + make_interval(secs => $4) WHERE id = $1`,
      [assignment.id, times.hoursAgo, times.acknowledgeS ?? null, times.arriveS ?? null],
    );
  }
  if (times.resolveS !== undefined) await ok('POST', `/api/incidents/${opened.id}/state`, { state: 'resolved' });
  await test.db.query(
    `UPDATE incidents SET opened_at = now() - make_interval(hours => $2), resolved_at = CASE WHEN $3::int IS NULL THEN NULL ELSE now() - make_interval(hours => $2) + make_interval(secs => $3) END WHERE id = $1`,
    [opened.id, times.hoursAgo, times.resolveS ?? null],
  );
  return opened.id as number;
}

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  // Resolved by state changes here: the proof photo some kinds need is tests/incidents/dispatch.test.ts's concern.
  await test.db.query(`UPDATE dispatch_policies SET requires_photo = false`);
  await addDistrict(test.db, 'q1');
  const fireTeam = (await ok('POST', '/api/teams', { name: 'Đội PCCC Quận 1' })).team.id;
  const floodTeam = (await ok('POST', '/api/teams', { name: 'Đội chống ngập' })).team.id;
  // Fire: acknowledged in 45 s, on scene in 6 min, resolved in 30 min. Flooding: late for both deadlines.
  await incident('fire', fireTeam, { hoursAgo: 30, acknowledgeS: 45, arriveS: 360, resolveS: 1800 });
  await incident('fire', fireTeam, { hoursAgo: 20, acknowledgeS: 75, arriveS: 540, resolveS: 2700 });
  await incident('flooding', floodTeam, { hoursAgo: 10, acknowledgeS: 500, arriveS: 2400, resolveS: 7200 });
  await incident('traffic_accident', null, { hoursAgo: 2 });
  // In hand, its team has not acknowledged and the deadline passed 4 minutes ago: the wall shows it red.
  lateFire = await incident('fire', fireTeam, { hoursAgo: 1 });
  await test.db.query(`UPDATE incident_assignments SET acknowledge_by = now() - interval '4 minutes' WHERE incident_id = $1`, [lateFire]);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const page of pages) await page.context().close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('response figures page', () => {
  for (const language of LANGUAGES) {
    it(`shows the figures per kind and per team, and downloads them as CSV (${language})`, async () => {
      // Signed in with the API's session on a light page (the login form lands on the map).
      const page = await openSignedIn(browser, api, 'viewer', '/account', { language });
      pages.push(page);
      await page.click('[data-testid=nav-figures]');
      await page.waitForSelector('[data-testid=figures-table]');
      // The late fire's escalation, taken before this page was opened, is shown on it too; read, then put away.
      const banner = page.locator(`[data-testid=escalation-banner][data-incident-id="${lateFire}"]`);
      await banner.waitFor();
      await banner.locator('[data-testid=escalation-dismiss]').click();
      await banner.waitFor({ state: 'detached' });
      const rows = page.locator('[data-testid=figures-row]');
      expect(await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-key')))).toEqual(['fire', 'flooding', 'traffic_accident']);
      const fireRow = (await rows.first().innerText()).replace(/\s+/g, ' ');
      // Two fires, median of 45 s and 75 s is 60 s; of 6 and 9 min on scene 7.5 min.
      expect(fireRow).toContain(language === 'vi' ? 'Cháy' : 'Fire');
      expect(fireRow).toContain(language === 'vi' ? '60 giây' : '60 s');
      expect(fireRow).toContain(language === 'vi' ? '7,5 phút' : '7.5 min');
      expect(await page.locator('[data-testid=figures-total-incidents]').innerText()).toBe('5');
      await expect.poll(() => page.locator('h1').innerText()).toBe(language === 'vi' ? 'Thời gian ứng phó sự cố' : 'Incident response times');
      await shot(page, `figures-kind-${language}`);

      await page.selectOption('[data-testid=figures-by]', 'team');
      await page.waitForFunction(() => document.querySelector('[data-testid=figures-row]')?.textContent?.includes('Đội PCCC Quận 1'));
      const teams = await page.locator('[data-testid=figures-row] .figures-group').allInnerTexts();
      expect(teams).toEqual(['Đội PCCC Quận 1', 'Đội chống ngập', language === 'vi' ? 'Chưa điều đội' : 'No team sent']);
      await shot(page, `figures-team-${language}`);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=figures-csv]')]);
      expect(download.suggestedFilename()).toMatch(/^response-figures-team-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync((await download.path())!, 'utf8');
      const lines = csv.split('\r\n').filter(Boolean);
      expect(lines[0].split(',').slice(0, 5)).toEqual(['by', 'key', 'label', 'incidents', 'resolved']);
      expect(lines.map((line) => line.split(',')[2])).toEqual(['label', 'Đội PCCC Quận 1', 'Đội chống ngập', '', '']);
      expect(lines.at(-1)).toMatch(/^team,\*,,5,3,/);
    });
  }
});

describe('the wall', () => {
  for (const language of LANGUAGES) {
    it(`counts the incidents in hand and the one past its deadline, in red (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'viewer', '/account', { language });
      pages.push(page);
      await page.goto(`${api.baseUrl}/wall`);
      await page.waitForSelector('[data-testid=wall-incidents].overdue');
      expect(await page.locator('[data-testid=wall-incidents-active] .kpi-value').innerText()).toBe('2');
      expect(await page.locator('[data-testid=wall-incidents-overdue] .kpi-value').innerText()).toBe('1');
      const color = await page.locator('[data-testid=wall-incidents-overdue] .kpi-value').evaluate((element) => getComputedStyle(element).color);
      expect(color).toBe('rgb(255, 59, 78)');
      expect(await page.locator('[data-testid=wall-incidents]').innerText()).toContain('Đội PCCC Quận 1');
      await shot(page, `wall-${language}`);
    });
  }
});
