// The reports page (#17 part 7) in Debian's Chromium against the real api role, in Vietnamese and
// English: the reports the schedule made are listed, a report is generated now from the form, and its
// PDF and CSV download from the list. The downloaded PDF is read back (pdftotext) and its first page
// rendered (pdftoppm) beside the page's screenshot, to look at.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { runReportSchedule } from '../../dashboard/server/leader-reports/schedule.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, SCREENSHOT_DIR, startDashboardServer } from './harness.ts';

const run = promisify(execFile);
const DAY_MS = 86_400_000;
/** The city's day `back` days before today (Vietnam: UTC+7 all year). */
const cityDay = (back: number) => new Date(Date.now() + 7 * 3_600_000 - back * DAY_MS).toISOString().slice(0, 10);

let test: TestDatabase;
let api: TestApi;
let browser: Browser;

const WORDS = {
  vi: { title: 'Báo cáo vận hành ngày', district: 'Quận Bình Thạnh', heading: 'Cảnh báo theo quận', schedule: 'Tự động', generate: 'Lập báo cáo ngay' },
  en: { title: 'Daily operations report', district: 'Binh Thanh District', heading: 'Alerts by district', schedule: 'Schedule', generate: 'Generate now' },
};

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
  // Two alerts in Bình Thạnh at noon, ten and eleven days ago (city time): the days the form asks for,
  // never the day the schedule makes (yesterday, or the day before just after midnight).
  for (const back of [10, 11]) {
    await test.db.query(
      `INSERT INTO alerts (kind, severity, source_type, source_id, title_vi, title_en, district_id, first_seen_at, last_seen_at)
       VALUES ('congestion', 'major', 'camera', $1, 'Ùn tắc', 'Congestion', 'quan-binh-thanh', $2, $2)`,
      [`report-${back}`, new Date(`${cityDay(back)}T05:00:00Z`)],
    );
  }
  // What the schedule makes after midnight: yesterday's and last week's reports in both languages.
  expect(await runReportSchedule(test.db)).toHaveLength(4);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('the reports page', () => {
  for (const [language, back] of [['vi', 10], ['en', 11]] as const) {
    const words = WORDS[language];

    it(`lists the reports, generates one now and downloads its PDF and CSV (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'viewer', '/', { language });
      await page.click('[data-testid=nav-reports]');
      const rows = page.locator('[data-testid=leader-report-row]');
      await rows.first().waitFor();
      const before = await rows.count();
      expect(await rows.filter({ hasText: words.schedule }).count()).toBeGreaterThanOrEqual(4);

      // Generate now: the day `back` days ago, in the page's language (the form's default).
      expect(await page.locator('[data-testid=leader-report-language]').inputValue()).toBe(language);
      await page.fill('[data-testid=leader-report-day]', cityDay(back));
      await page.click('[data-testid=leader-report-generate]');
      await page.locator('[data-testid=leader-report-made]').waitFor();
      const made = page.locator(`[data-testid=leader-report-row][data-day="${cityDay(back)}"][data-language=${language}][data-kind=daily]`);
      await made.waitFor();
      expect(await rows.count()).toBe(before + 1);
      expect(await made.innerText()).toContain('viewer-user');
      await screenshot(page, `leader-reports-page-${language}`);

      const [pdf] = await Promise.all([page.waitForEvent('download'), made.locator('[data-testid=leader-report-pdf]').click()]);
      expect(pdf.suggestedFilename()).toBe(`cityops-daily-report-${cityDay(back)}-${language}.pdf`);
      const pdfPath = (await pdf.path())!;
      expect((await readFile(pdfPath)).subarray(0, 5).toString()).toBe('%PDF-');
      const text = (await run('pdftotext', ['-layout', pdfPath, '-'])).stdout;
      for (const expected of [words.title, words.heading, words.district]) expect(text, expected).toContain(expected);
      await run('pdftoppm', ['-png', '-r', '70', '-f', '1', '-l', '1', pdfPath, path.join(SCREENSHOT_DIR, `leader-reports-downloaded-${language}`)]);

      const [csv] = await Promise.all([page.waitForEvent('download'), made.locator('[data-testid=leader-report-csv]').click()]);
      expect(csv.suggestedFilename()).toBe(`cityops-daily-report-${cityDay(back)}-${language}.csv`);
      expect(await readFile((await csv.path())!, 'utf8')).toContain(`alerts_by_district,quan-binh-thanh,${words.district},alerts,1`);
      await page.context().close();
    });
  }

  it('is not offered to field teams', async () => {
    const page = await openSignedIn(browser, api, 'field', '/reports');
    await page.locator('.field').waitFor();
    expect(await page.locator('[data-testid=leader-reports]').count()).toBe(0);
    await page.context().close();
  });
});
