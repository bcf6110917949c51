// The dashboard with awkward data, in Debian's Chromium against the real api role: a camera registered
// without a location, an alert from it (no position), and the camera deleted while its alert is open.
// Each is said in words; nothing breaks the page (no page error, the map still draws).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { raiseDemoAlerts } from './demo-data.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
const pageErrors: string[] = [];

const watchErrors = (page: Page) => page.on('pageerror', (error) => pageErrors.push(error.message));

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('dashboard with awkward data', () => {
  it('says when a device has no location and when an alert’s device was deleted, without breaking the page', async () => {
    const created = await api.request('POST', '/api/cameras', {
      role: 'engineer',
      body: { id: 'cam-unplaced', name: 'Camera chưa định vị', rtspUrl: 'rtsp://127.0.0.1:1/unplaced', enabled: false },
    });
    expect(created.status).toBe(201);
    const [alertId] = await raiseDemoAlerts(test.db, [
      {
        sourceType: 'camera', sourceId: 'cam-unplaced', kind: 'camera_tamper', zoneId: '', severity: 'major',
        title: { vi: 'Camera chưa định vị bị che', en: 'Unplaced camera covered' },
      },
    ]);

    // The engineer sees which device still needs placing.
    // Signed in with the API's session on a light page (the login form lands on the map); the page's
    // errors are watched from before the device table loads.
    const engineer = await openSignedIn(browser, api, 'engineer', '/account', { language: 'en' });
    watchErrors(engineer);
    await engineer.goto(`${api.baseUrl}/engineer`);
    const row = engineer.locator('[data-testid=device-table] tr', { hasText: 'Camera chưa định vị' });
    await expect(row.locator('.warning-tag').textContent()).resolves.toBe('no location');

    // The operator opens the alert: no position, said so; the map still draws the other devices.
    const operator = await openSignedIn(browser, api, 'operator', '/', { language: 'en' });
    watchErrors(operator);
    await operator.waitForSelector('[data-testid=city-map][data-map-ready=true]');
    await operator.click(`[data-testid=alert-row][data-alert-id="${alertId}"]`);
    await operator.waitForSelector(`[data-testid=alert-detail][data-alert-id="${alertId}"]`);
    await expect(operator.locator('[data-testid=alert-no-location]').textContent()).resolves.toContain('No location');

    // Deleted while the alert is open: the detail says so live, the alert stays workable.
    expect((await api.request('DELETE', '/api/cameras/cam-unplaced', { role: 'engineer' })).status).toBe(200);
    await operator.locator('[data-testid=alert-detail] .warning-tag', { hasText: 'device deleted' }).waitFor();
    await screenshot(operator, 'alert-device-deleted-en');
    await operator.fill('[data-testid=alert-note]', 'Camera removed from the registry; closing');
    await operator.click('[data-testid=action-acknowledge]');
    await operator.waitForSelector(`[data-testid=alert-row][data-alert-id="${alertId}"][data-state=acknowledged]`);
    await engineer.reload();
    await engineer.waitForSelector('[data-testid=device-table] tr >> nth=1');
    await expect(engineer.locator('[data-testid=device-table] tr', { hasText: 'Camera chưa định vị' }).count()).resolves.toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
