// Issue #15's walk, in Debian's Chromium against the real api role and PostgreSQL. A resident on a phone
// reports flooding on the public /report page (no account) with a photo and the phone's position, with
// no connection: the report is kept on the phone ("saved on this phone") and sent by the outbox when the
// connection returns, answered with a code; the tracking page /report/{code} shows it received, the
// description as text (a <script> in it is not run). The command room sees it joined to the level II
// tide alert 150 m away on one flooding incident (the incident page: "reported by 1 resident", the tide
// alert, the resident's photo); a team resolves it from the field with a note and a photo; the
// resident's page then says resolved, with the note and the photo, and the resident rates it; the figures
// page shows the report resolved and rated, per category and per agency, and gives it as CSV.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import type { TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitFor } from '../support/wait.ts';
import { ensureDashboardBuilt, launchChromium, newTestContext, openSignedIn, recordExternalRequests, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;
let tideAlertId: number;

/** Nguyễn Huệ walking street, Quận 1: inside the demo city's districts. */
const HERE = { latitude: 10.7745, longitude: 106.7038, accuracy: 15 };
const DESCRIPTION = 'Nước ngập 30 cm trước số 12 <script>alert(1)</script>';

async function residentPhone(): Promise<Page> {
  context = await newTestContext(browser, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    geolocation: HERE,
    permissions: ['geolocation'],
  });
  await context.addInitScript(() => localStorage.setItem('cityops.language', 'vi'));
  const page = await context.newPage();
  page.on('pageerror', (error) => console.log('page error:', error.message));
  return page;
}

async function reportRows() {
  return (await test.db.query(`SELECT r.code, r.category, r.description, r.lat, r.lon, (SELECT count(*)::int FROM citizen_report_media m WHERE m.report_id = r.id AND m.kind = 'photo') AS photos FROM citizen_reports r`)).rows;
}

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
  // A tide gauge 150 m north of the resident, at level II: an alert that opens no incident by itself.
  const sensor = await test.db.query(`SELECT id FROM sensors WHERE district_id IS NOT NULL ORDER BY id LIMIT 1`);
  const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
  tideAlertId = (
    await raiser.raise({ sourceType: 'sensor', sourceId: sensor.rows[0].id, kind: 'sensor_level', severity: 'major', zoneId: 'level-2', title: { vi: 'Triều cường mức II', en: 'Tide level II' }, lat: HERE.latitude + 150 / 111_195, lon: HERE.longitude })
  ).alertId;
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('a resident reports a problem from a phone', () => {
  it('keeps a report written with no connection on the phone, sends it when the connection returns, and shows its tracking page with the description as text', async () => {
    const page = await residentPhone();
    const external = recordExternalRequests(page);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    // Public: no login page, the residents' own shell and manifest.
    await page.goto(`${api.baseUrl}/report`);
    await page.waitForSelector('[data-testid=report-form]');
    expect(await page.locator('.shell, input[name=username]').count()).toBe(0);
    expect(await page.getAttribute('link[rel=manifest]', 'href')).toBe('/report.webmanifest');

    await page.click('[data-testid=report-category-flooding]');
    const photo = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#3a6ea5' } }).jpeg().toBuffer();
    await page.setInputFiles('[data-testid=report-photo-input]', { name: 'ngap.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.waitForSelector('[data-testid=report-photo-preview]');
    await page.click('[data-testid=report-use-location]');
    const place = page.locator('[data-testid=report-place]');
    await place.waitFor();
    expect(Number(await place.getAttribute('data-lat'))).toBeCloseTo(HERE.latitude, 5);
    expect(Number(await place.getAttribute('data-lon'))).toBeCloseTo(HERE.longitude, 5);
    await page.fill('[data-testid=report-description]', DESCRIPTION);

    await context.setOffline(true);
    await page.click('[data-testid=report-send]');
    const queued = page.locator('[data-testid=report-queued]');
    await queued.waitFor();
    expect(await queued.textContent()).toContain('Đã lưu trên điện thoại này');
    await screenshot(page, 'citizen-report-queued-vi');
    expect(await reportRows()).toEqual([]);

    await context.setOffline(false);
    const sent = page.locator('[data-testid=report-sent]');
    await sent.waitFor({ timeout: 30_000 });
    const code = (await sent.getAttribute('data-code'))!;
    expect(await page.textContent('[data-testid=report-code]')).toBe(code);
    await screenshot(page, 'citizen-report-sent-vi');
    const rows = await reportRows();
    expect(rows).toEqual([{ code, category: 'flooding', description: DESCRIPTION, lat: HERE.latitude, lon: HERE.longitude, photos: 1 }]);
    // The phone remembers it for "my reports".
    await page.locator(`[data-testid=report-mine-link][data-code="${code}"]`).waitFor();

    await page.click('[data-testid=report-tracking-link]');
    await page.waitForURL(`**/report/${code}`);
    const tracking = page.locator('[data-testid=track-page]');
    await tracking.waitFor();
    expect(await tracking.getAttribute('data-state')).toBe('received');
    expect(await page.textContent('[data-testid=track-state]')).toContain('Đã tiếp nhận');
    expect(await page.textContent('[data-testid=track-description]')).toBe(DESCRIPTION);
    expect(await page.locator('[data-testid=track-description] script').count()).toBe(0);
    await page.locator('[data-testid=track-photo]').waitFor();
    await page.click('[data-testid=language-en]');
    expect(await page.textContent('[data-testid=track-state]')).toContain('Received');
    await screenshot(page, 'citizen-report-tracking-en');

    expect(dialogs).toEqual([]);
    expect(external).toEqual([]);

    // The command room: one flooding incident holding the report and the tide alert 150 m north.
    const stored = await test.db.query(`SELECT incident_id FROM citizen_reports WHERE code = $1`, [code]);
    const incidentId = Number(stored.rows[0].incident_id);
    const incident = await (await api.request('GET', `/api/incidents/${incidentId}`, { role: 'operator' })).json();
    expect(incident.incident).toMatchObject({ kind: 'flooding', reportCount: 1, alertIds: [tideAlertId] });
    const desk = await openSignedIn(browser, api, 'operator', `/incidents/${incidentId}`);
    await desk.locator('[data-testid=incident-reported-by]').waitFor();
    expect(await desk.textContent('[data-testid=incident-reported-by]')).toContain('1 người dân');
    await desk.locator(`[data-testid=incident-alert][data-alert-id="${tideAlertId}"]`).waitFor();
    await desk.locator(`[data-testid=incident-report][data-code="${code}"] [data-testid=incident-report-photo]`).waitFor();
    expect(await desk.textContent('[data-testid=incident-report-description]')).toBe(DESCRIPTION);
    await screenshot(desk, 'citizen-report-incident-vi');
    await desk.context().close();

    // A team resolves it from the field with a note and a photo (flooding needs a photo of the fix).
    const fieldUser = await test.db.query(`SELECT id FROM users WHERE username = 'field-user'`);
    const team = await test.db.query(`INSERT INTO teams (name) VALUES ('Đội thoát nước Q1') RETURNING id`);
    await test.db.query(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, [team.rows[0].id, fieldUser.rows[0].id]);
    expect((await api.request('POST', `/api/incidents/${incidentId}/assign`, { role: 'operator', body: { teamId: Number(team.rows[0].id) } })).status).toBe(200);
    const proof = new FormData();
    proof.append('note', 'Đã thông cống, nước rút hết');
    proof.append('photo', new Blob([new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2e7d32' } }).jpeg().toBuffer())], { type: 'image/jpeg' }), 'fix.jpg');
    const resolved = await fetch(`${api.baseUrl}/api/incidents/${incidentId}/resolve`, { method: 'POST', headers: { cookie: api.cookieFor('field') }, body: proof });
    expect(resolved.status).toBe(200);

    // The resident sees it resolved, with the team's note and photo, and rates the handling.
    await page.reload();
    await page.locator('[data-testid=track-page][data-state=resolved]').waitFor();
    expect(await page.textContent('[data-testid=track-resolution-note]')).toContain('Đã thông cống');
    await page.locator('[data-testid=track-proof-photo]').waitFor();
    await page.click('[data-testid=rating-star-4]');
    await page.fill('[data-testid=rating-comment]', 'Nhanh, cảm ơn');
    await page.click('[data-testid=rating-submit]');
    await page.locator('[data-testid=track-rated][data-stars="4"]').waitFor();
    await screenshot(page, 'citizen-report-resolved-vi');
    const rating = await test.db.query(`SELECT rating_stars, rating_comment FROM citizen_reports WHERE code = $1`, [code]);
    expect(rating.rows[0]).toEqual({ rating_stars: 4, rating_comment: 'Nhanh, cảm ơn' });

    // The command room's figures page: the report counted, resolved and rated 4, per category and per
    // agency (the team, which belongs to none), and the rows on screen downloaded as CSV.
    for (const language of ['vi', 'en'] as const) {
      const figures = await openSignedIn(browser, api, 'viewer', '/figures', { language });
      const flooding = figures.locator('[data-testid=report-figures-row][data-key=flooding]');
      await flooding.waitFor();
      const cells = await flooding.locator('td').allInnerTexts();
      expect(cells.slice(0, 4)).toEqual([language === 'vi' ? 'Ngập nước' : 'Flooding', '1', '0', '1']);
      expect(cells[6]).toContain(language === 'vi' ? '4,0 / 5' : '4.0 / 5');
      await figures.locator('[data-testid=report-figures]').scrollIntoViewIfNeeded();
      await screenshot(figures, `citizen-report-figures-${language}`);
      await figures.selectOption('[data-testid=report-figures-by]', 'agency');
      await figures.locator('[data-testid=report-figures-row][data-key="Đội thoát nước Q1"]').waitFor();
      expect(await figures.locator('[data-testid=report-figures-row]').count()).toBe(1);
      const [download] = await Promise.all([figures.waitForEvent('download'), figures.click('[data-testid=report-figures-csv]')]);
      expect(download.suggestedFilename()).toMatch(/^report-figures-agency-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      const lines = readFileSync((await download.path())!, 'utf8').split('\r\n').filter(Boolean);
      expect(lines.map((line) => line.split(',').slice(0, 5).join(','))).toEqual(['by,group,reports,rejected,resolved', 'agency,Đội thoát nước Q1,1,0,1']);
      expect(lines[1].split(',').slice(7, 9)).toEqual(['1', '4']);
      await figures.context().close();
    }
  });

  for (const language of ['vi', 'en'] as const) {
    it(`puts the pin on the city's map, with its districts and river, for a resident without an account (${language})`, async () => {
      const phone = await newTestContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await phone.addInitScript((chosen) => localStorage.setItem('cityops.language', chosen), language);
      const page = await phone.newPage();
      const refused: string[] = [];
      const geography = new Map<string, number>();
      page.on('response', (response) => {
        const { pathname } = new URL(response.url());
        if (response.status() === 401 || response.status() === 403) refused.push(pathname);
        if (pathname === '/api/web/districts.geojson' || pathname === '/api/web/waterways.geojson') {
          void response.json().then((body: { features: unknown[] }) => geography.set(pathname, body.features.length));
        }
      });
      await page.goto(`${api.baseUrl}/report`);
      await page.click('[data-testid=report-pick-on-map]');
      await page.locator('[data-testid=report-map][data-ready=true]').waitFor({ timeout: 60_000 });
      await waitFor('the districts and the river', () => geography.size === 2 || undefined);
      expect(geography.get('/api/web/districts.geojson')).toBeGreaterThan(10);
      expect(geography.get('/api/web/waterways.geojson')).toBe(3);
      expect(refused).toEqual([]);

      const map = (await page.locator('[data-testid=report-map] canvas').boundingBox())!;
      await page.mouse.click(map.x + map.width / 2, map.y + map.height / 2);
      const place = page.locator('[data-testid=report-place]');
      await place.waitFor();
      expect(await place.innerText()).toContain(language === 'vi' ? 'Đã đặt ghim' : 'Pin placed');
      await page.locator('[data-testid=report-map]').scrollIntoViewIfNeeded();
      await screenshot(page, `citizen-report-pin-map-${language}`);
      await phone.close();
    });
  }
});
