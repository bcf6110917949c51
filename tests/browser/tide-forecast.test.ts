// The tide forecast on the sensors page, in Debian's Chromium against the real api role: a Phú An gauge
// with three days of the simulator's readings, three hours before a higher high water above level III;
// the forecaster's pass; the gauge's chart shows the forecast dashed over the measurements and ahead,
// a mark where level III is expected, and the line under it says when, in Vietnamese and in English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { TideForecaster } from '../../analytics/tide-forecast/forecaster.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { registerSensor, runTag, storeSimulatedTide, testLogger } from '../sensors/helpers.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot } from './harness.ts';

const HOUR_MS = 3_600_000;
const gauge = `phu-an-chart-${runTag()}`;
let test: TestDatabase;
let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  const now = Date.now();
  await registerSensor(test.db, { id: gauge, name: 'Trạm triều Phú An', kind: 'tide_level', lat: 10.7723, lon: 106.7105, level1: 1.5, level2: 1.6, level3: 1.7, hysteresis: 0.03, expectedIntervalSeconds: 300 });
  await storeSimulatedTide(test.db, gauge, now - 72 * HOUR_MS, now, (at) => (at - now) / HOUR_MS - 3);
  const forecaster = new TideForecaster({ db: test.db, caps: test.caps, logger: testLogger, alerts: createAlertRaiser({ db: test.db }), settings: { fitDays: 30, warnHours: 6, timeFactor: 1, timeZone: 'Asia/Ho_Chi_Minh' }, everyMs: 3_600_000 });
  expect(await forecaster.passOnce(now)).toBe(true);
  api = await startTestApi(test);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('tide forecast on the sensors page', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`draws the forecast over the measurements and says when level III is expected (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'viewer', `/sensors?sensor=${gauge}&hours=24`, { language });
      const chart = page.locator(`[data-testid=sensor-chart][data-sensor-id="${gauge}"]`).first();
      const summary = chart.locator('[data-testid=tide-forecast][data-state=level3]');
      await summary.waitFor();
      expect(await summary.innerText()).toContain(language === 'vi' ? 'đạt báo động cấp III lúc' : 'level III expected at');
      await chart.locator('[data-testid=chart-overlay]').waitFor();
      const marks = await chart.locator('[data-testid=chart-marker]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-label')));
      expect(marks.some((label) => label?.startsWith('III '))).toBe(true);
      expect(marks).toContain(language === 'vi' ? 'Bây giờ' : 'Now');
      await screenshot(page, `tide-forecast-${language}`);
      await page.context().close();
    });
  }
});
