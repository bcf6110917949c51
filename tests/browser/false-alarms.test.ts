// False alarms in Debian's Chromium against the real api role with the demo devices: the operator
// resolves a crowd alert on a bus stop camera as a false alarm ("normal at this place and hour"); the
// engineer's "Alert precision" tab then puts that camera and rule first, with its precision and the
// hour the false alarms came at. In Vietnamese and in English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

const CAMERA = 'cam-002';
let test: TestDatabase;
let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test, { CITY_TIME_ZONE: 'Asia/Ho_Chi_Minh' });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('false alarms', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`are marked by the operator when resolving and counted for the engineer (${language})`, async () => {
      const raiser = createAlertRaiser({ db: test.db });
      const { alertId } = await raiser.raise({ sourceType: 'camera', sourceId: CAMERA, kind: 'crowd', zoneId: `stop-${language}`, severity: 'major', title: { vi: 'Đám đông ở trạm xe buýt', en: 'Crowd at the bus stop' } });
      const operator = await openSignedIn(browser, api, 'operator', '/', { language });
      await operator.waitForSelector('[data-testid=city-map][data-map-ready=true]');
      await operator.click(`[data-testid=alert-row][data-alert-id="${alertId}"]`);
      await operator.waitForSelector(`[data-testid=alert-detail][data-alert-id="${alertId}"]`);
      await operator.click('[data-testid=action-acknowledge]');
      await operator.waitForSelector(`[data-testid=alert-row][data-alert-id="${alertId}"][data-state=acknowledged]`);
      await operator.fill('[data-testid=alert-note]', language === 'vi' ? 'Khách chờ xe buýt giờ tan tầm' : 'People waiting for the evening bus');
      await operator.selectOption('[data-testid=alert-verdict]', 'normal_here');
      expect(await operator.locator('[data-testid=action-resolve]').innerText()).toBe(language === 'vi' ? 'Đóng là báo động giả' : 'Resolve as false alarm');
      await screenshot(operator, `false-alarm-resolve-${language}`);
      await operator.click('[data-testid=action-resolve]');
      await expect.poll(async () => (await test.db.query(`SELECT state, false_alarm_reason FROM alerts WHERE id = $1`, [alertId])).rows[0]).toEqual({ state: 'resolved', false_alarm_reason: 'normal_here' });
      await operator.context().close();

      const engineer = await openSignedIn(browser, api, 'engineer', '/engineer/precision', { language });
      const row = engineer.locator(`[data-testid=precision-row][data-source-id="${CAMERA}"][data-kind=crowd]`);
      await row.waitFor();
      const falseSoFar = language === 'vi' ? 1 : 2;
      expect(await row.locator('[data-testid=precision-value]').innerText()).toBe('0 %');
      expect(await row.locator('td').nth(3).innerText()).toBe(String(falseSoFar));
      const hour = Number(new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date()));
      expect(await row.locator(`.hour-cell[data-hour="${hour}"]`).getAttribute('data-false-alarms')).toBe(String(falseSoFar));
      expect(await engineer.locator('[data-testid=engineer-tab-precision]').innerText()).toContain(language === 'vi' ? 'Độ chính xác cảnh báo' : 'Alert precision');
      await screenshot(engineer, `alert-precision-${language}`);
      await engineer.context().close();
    }, 120_000);
  }
});
