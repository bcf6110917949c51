// Riders on the traffic page, in Debian's Chromium against the real api role: a camera's line counted
// 30 motorbikes carrying 42 riders (analytics counts a rider as `rider:motorbike`, not as a person);
// the motorbike card says 1.4 riders per vehicle, in Vietnamese and English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  await test.db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam-riders', 'Ngã tư Hàng Xanh', 'rtsp://127.0.0.1/riders')`);
  await test.db.query(
    `INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES
      ('cam-riders', 'stop-line', date_trunc('minute', now()) - interval '5 minutes', 'motorbike', '+', 30),
      ('cam-riders', 'stop-line', date_trunc('minute', now()) - interval '5 minutes', 'rider:motorbike', '+', 42),
      ('cam-riders', 'stop-line', date_trunc('minute', now()) - interval '5 minutes', 'car', '+', 8),
      ('cam-riders', 'stop-line', date_trunc('minute', now()) - interval '5 minutes', 'person', '+', 5)`,
  );
  api = await startTestApi(test);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('riders on the traffic page', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`shows how many ride each motorbike, and counts riders neither as vehicles nor as persons (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'viewer', '/traffic', { language });
      const riders = page.locator('[data-testid=riders-motorcycle]');
      await riders.waitFor();
      expect(await riders.innerText()).toBe(language === 'vi' ? '1,40 người trên mỗi xe' : '1.40 riders per vehicle');
      // 30 motorbikes and 8 cars: the 42 riders and 5 pedestrians are not vehicles.
      expect(await page.locator('.stat-card .kpi-value').first().innerText()).toBe('38');
      await screenshot(page, `traffic-riders-${language}`);
      await page.context().close();
    });
  }
});
