// Smart parking on the operator's map, in Debian's Chromium against the real api role with the demo
// devices: the demo seed's parking zone at Ngã sáu Phù Đổng (cam-001, 12 spaces) with three hours of
// minute samples, the latest 10 vehicles: its badge under the camera says "P 2/12" and "filling up" in
// its label, the legend explains the badge; the badge opens the camera's detail with the free spaces
// now and the occupancy chart against the capacity. In Vietnamese and in English.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

const MINUTE_MS = 60_000;
const CAMERA = 'cam-001';
const ZONE = 'bai-do-le-lai';
let test: TestDatabase;
let api: TestApi;
let browser: Browser;

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test);
  // Three hours of a lot filling through the morning: 2 vehicles, rising to 10 of 12 spaces.
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const minutes = Array.from({ length: 180 }, (_, i) => now - (180 - i) * MINUTE_MS);
  await test.db.query(
    `INSERT INTO parking_occupancy (camera_id, zone_id, minute, occupied, capacity, frames)
     SELECT $1, $2, minute, occupied, 12, 118 FROM unnest($3::timestamptz[], $4::int[]) AS s(minute, occupied)`,
    [CAMERA, ZONE, minutes.map((minute) => new Date(minute)), minutes.map((_, i) => Math.min(10, 2 + Math.floor(i / 20)))],
  );
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

describe('parking on the map', () => {
  for (const language of ['vi', 'en'] as const) {
    it(`shows the zone's free spaces at its camera and opens its occupancy chart (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'operator', '/', { language });
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]');
      const badge = page.locator(`[data-testid=parking-badge][data-camera-id="${CAMERA}"][data-zone-id="${ZONE}"]`);
      await badge.waitFor();
      expect(await badge.innerText()).toMatch(/P\s*2\/12/);
      expect(await badge.getAttribute('data-level')).toBe('filling');
      expect(await badge.getAttribute('aria-label')).toBe(
        language === 'vi' ? 'Bãi đỗ xe Lê Lai: còn 2/12 chỗ trống · Sắp đầy (dưới 1/4)' : 'Bãi đỗ xe Lê Lai: 2 of 12 spaces free · Filling up (under 1/4)',
      );
      const legend = page.locator('[data-testid=parking-legend]');
      expect(await legend.innerText()).toContain(language === 'vi' ? 'chỗ trống/tổng chỗ' : 'free/spaces');
      await screenshot(page, `parking-map-${language}`);

      await badge.click();
      const detail = page.locator('[data-testid=device-detail]');
      const now = detail.locator('[data-testid=parking-now]');
      await now.waitFor();
      expect(await now.innerText()).toContain(language === 'vi' ? 'Đang đỗ 10/12 · còn 2 chỗ trống' : '10 of 12 spaces taken · 2 free');
      const chart = detail.locator(`[data-testid=parking-chart][data-zone-id="${ZONE}"]`);
      await chart.waitFor();
      expect(Number(await chart.getAttribute('data-samples'))).toBeGreaterThanOrEqual(179);
      expect(await chart.locator('.alarm-level').textContent()).toContain(language === 'vi' ? 'Số chỗ 12' : 'Capacity 12');
      expect(new URL(page.url()).searchParams.get('parking')).toBe(ZONE);
      await screenshot(page, `parking-chart-${language}`);
      await page.context().close();
    }, 120_000);
  }
});
