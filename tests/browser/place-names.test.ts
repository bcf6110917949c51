// Names people use (#17 part 1), in Debian's Chromium against the real api role: the engineer's device
// table, the alert detail, the wall, the district filter and the river on the map show "Quận Bình Thạnh" / "Cầu Sài Gòn" in
// Vietnamese and "Binh Thanh District" / "Saigon Bridge" in English, never a district id.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let alertId: number;

const NAMES = {
  vi: { district: 'Quận Bình Thạnh', camera: 'Cầu Sài Gòn', title: 'Xe dừng bất thường tại Cầu Sài Gòn' },
  en: { district: 'Binh Thanh District', camera: 'Saigon Bridge', title: 'Stalled vehicle at Saigon Bridge' },
};

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test, { SIMULATED_CAMERAS: '8' });
  browser = await launchChromium();
  const raiser = createAlertRaiser({ db: test.db });
  ({ alertId } = await raiser.raise({
    sourceType: 'camera',
    sourceId: 'cam-008',
    kind: 'stalled_vehicle',
    zoneId: 'names',
    severity: 'critical',
    title: { vi: NAMES.vi.title, en: NAMES.en.title },
  }));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

const textOf = (page: Page, selector: string) => page.locator(selector).first().innerText();

describe('names people use, in both languages', () => {
  for (const language of ['vi', 'en'] as const) {
    const names = NAMES[language];

    it(`the engineer's device table (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'engineer', '/engineer', { language });
      const row = page.locator('[data-testid=device-table] tr', { hasText: 'cam-008' });
      await row.waitFor();
      const cells = await row.locator('td').allInnerTexts();
      expect(cells[1]).toBe(names.camera);
      expect(cells[3]).toBe(names.district);
      // The search finds a device by either name.
      await page.fill('input[type=search]', language === 'vi' ? 'saigon bridge' : 'cầu sài gòn');
      await page.locator('[data-testid=device-table] tbody tr', { hasText: 'cam-008' }).waitFor();
      expect(await page.locator('[data-testid=device-table] tbody tr').count()).toBe(1);
      await page.fill('input[type=search]', '');
      await screenshot(page, `place-names-devices-${language}`);
      await page.context().close();
    });

    it(`the alert detail, the district filter and the wall (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'operator', `/alerts/${alertId}`, { language });
      const detail = page.locator('[data-testid=alert-detail]');
      await detail.waitFor();
      const facts = await detail.locator('.detail-facts').innerText();
      expect(facts).toContain(names.camera);
      expect(facts).toContain(names.district);
      expect(facts).not.toContain('quan-binh-thanh');
      const options = await page.locator('[data-testid=alert-filters] select').nth(2).locator('option').allInnerTexts();
      expect(options).toContain(names.district);
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      await screenshot(page, `place-names-operations-${language}`);

      // The river on the default map, named in the reader's language, where the Saigon River passes Bạch Đằng wharf.
      const river = await page.evaluate(async () => {
        type RenderedMap = {
          jumpTo(view: object): void;
          once(event: string, listener: () => void): void;
          queryRenderedFeatures(options: object): { properties: Record<string, string> }[];
          getLayoutProperty(layer: string, name: string): unknown;
        };
        const map = (window as unknown as { cityopsMap: RenderedMap }).cityopsMap;
        const idle = new Promise<void>((resolve) => map.once('idle', resolve));
        map.jumpTo({ center: [106.7068, 10.7748], zoom: 13.5 });
        await idle;
        return {
          drawn: map.queryRenderedFeatures({ layers: ['waterways-line'] }).map((feature) => feature.properties.name_en),
          labelled: map.queryRenderedFeatures({ layers: ['waterways-labels'] }).length,
          labelField: JSON.stringify(map.getLayoutProperty('waterways-labels', 'text-field')),
        };
      });
      expect(river.drawn).toContain('Saigon River');
      expect(river.labelled).toBeGreaterThan(0);
      expect(river.labelField).toContain(language === 'en' ? 'name_en' : '"name"');
      if (language === 'vi') expect(river.labelField).not.toContain('name_en');
      await screenshot(page, `place-names-river-${language}`);

      await page.goto(`${api.baseUrl}/wall`);
      const wallAlert = page.locator('[data-testid=wall-alert]', { hasText: names.title });
      await wallAlert.waitFor();
      expect(await wallAlert.locator('.wall-alert-meta').innerText()).toContain(names.district);
      expect(await textOf(page, '[data-testid=wall-tiles]')).toContain(names.camera);
      await screenshot(page, `place-names-wall-${language}`);
      await page.context().close();
    });
  }
});
