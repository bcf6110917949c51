// Severity by shape and text as well as colour (#17 part 8), in Debian's Chromium against the real api
// role: each alert row carries its severity's shape (star, triangle, diamond) and word, and the
// map legend shows the same shapes. In Vietnamese and in English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
const raised: Record<string, number> = {};
const WORDS = { vi: { critical: 'Khẩn cấp', major: 'Nghiêm trọng', minor: 'Nhẹ' }, en: { critical: 'Critical', major: 'Major', minor: 'Minor' } };

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
  const raiser = createAlertRaiser({ db: test.db });
  for (const [index, severity] of (['critical', 'major', 'minor'] as const).entries()) {
    const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: 'cam-001', kind: 'crowd', zoneId: `shape-${severity}`, severity, title: { vi: `Cảnh báo ${severity}`, en: `Alert ${severity}` }, lat: 10.77 + index * 0.01, lon: 106.7 });
    raised[severity] = alertId;
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('severity shown by shape and text', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`in the alert list and the map legend (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'operator', '/', { language });
      for (const [severity, alertId] of Object.entries(raised)) {
        const badge = page.locator(`[data-testid=alert-row][data-alert-id="${alertId}"] .alert-severity`);
        await badge.waitFor();
        expect(await badge.locator('svg').getAttribute('data-shape')).toBe(severity);
        expect((await badge.innerText()).toLowerCase()).toBe(WORDS[language][severity as keyof (typeof WORDS)['vi']].toLowerCase());
      }
      const legendShapes = await page.locator('.map-legend svg.severity-shape').evaluateAll((shapes) => shapes.map((shape) => shape.getAttribute('data-shape')));
      expect(legendShapes).toEqual(['critical', 'major', 'minor']);
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      await screenshot(page, `severity-shapes-${language}`);
      await page.context().close();
    });
  }
});
