// A resident's report from a phone, in Debian's Chromium against the real api role and PostgreSQL: the
// public /report page (no account) with a category, a photo and the phone's position, sent with no
// connection (kept on the phone, "saved on this phone"), then sent by the outbox when the connection
// returns, answered with a code; the tracking page /report/{code} shows it received, the description as
// text (a <script> in it is not run). The operators' and teams' side and the rating are the end-to-end
// test's; the rating form's testids are listed in dashboard/web/src/report/tracking-page.tsx.
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ensureDashboardBuilt, launchChromium, newTestContext, recordExternalRequests, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let context: BrowserContext;

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
  });
});
