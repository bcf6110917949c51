// Cameras' fields of view (#17 part 3), in Debian's Chromium against the real api role with the demo
// cameras: a sensor's alert shows the cameras that see its place (Ben Thanh Market's camera looks
// south-east over it) in its detail; an alert without a place shows none; on the wall, an unacknowledged
// critical alert holds those cameras on the tiles until it is acknowledged; the map draws the cones; the
// engineer turns a cone by dragging its tip. In Vietnamese and English.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { destination } from '../../contract/field-of-view.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { TestApi } from '../support/api.ts';
import { ensureDashboardBuilt, launchChromium, openSignedIn, screenshot, startDashboardServer } from './harness.ts';

let test: TestDatabase;
let api: TestApi;
let browser: Browser;
let raiser: ReturnType<typeof createAlertRaiser>;

/** The demo seed's Ben Thanh Market camera (devices/demo-seed.ts): bearing 120. */
const MARKET_CAMERA = { id: 'cam-007', vi: 'Chợ Bến Thành', en: 'Ben Thanh Market', lat: 10.7725, lon: 106.698, bearing: 120 };
/** 40 m in front of it: inside its 60° cone. */
const FLOODED = destination(MARKET_CAMERA, 120, 40);

const WORDS = {
  vi: { title: 'Camera tại hiện trường', sees: 'Nhìn thấy vị trí', pinned: 'Ghim theo cảnh báo khẩn' },
  en: { title: 'Cameras at the scene', sees: 'Sees the place', pinned: 'Pinned for the critical alert' },
};

beforeAll(async () => {
  ensureDashboardBuilt();
  test = await createTestDatabase();
  api = await startDashboardServer(test, { SIMULATED_CAMERAS: '8' });
  browser = await launchChromium();
  raiser = createAlertRaiser({ db: test.db });
  const sensor = await api.request('POST', '/api/sensors', { role: 'engineer', body: { id: 'fov-water', name: 'Mực nước chợ Bến Thành', nameEn: 'Ben Thanh water level', kind: 'water_level', ...FLOODED } });
  expect(sensor.status).toBe(201);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
});

const raise = (zoneId: string, severity: 'critical' | 'major', place: { lat: number; lon: number } | null) =>
  raiser.raise({
    sourceType: place ? 'sensor' : 'system',
    sourceId: place ? 'fov-water' : 'fov-system',
    kind: place ? 'sensor_level' : 'manual',
    zoneId,
    severity,
    title: { vi: `Ngập gần chợ (${zoneId})`, en: `Flooding near the market (${zoneId})` },
    ...(place ?? {}),
  });

async function placeCameraIds(page: Page): Promise<{ id: string; sees: string | null }[]> {
  const tiles = page.locator('[data-testid=place-camera]');
  await tiles.first().waitFor();
  return tiles.evaluateAll((elements) => elements.map((element) => ({ id: element.getAttribute('data-camera-id')!, sees: element.getAttribute('data-sees') })));
}

describe('the cameras that see a place', () => {
  for (const language of ['vi', 'en'] as const) {
    const words = WORDS[language];

    it(`shows the cameras that see a sensor alert's place, live, in its detail; none without a place (${language})`, async () => {
      const { alertId } = await raise(`detail-${language}`, 'major', FLOODED);
      const page = await openSignedIn(browser, api, 'operator', `/alerts/${alertId}`, { language });
      const panel = page.locator('[data-testid=place-cameras]');
      await panel.waitFor();
      expect(await panel.locator('h3').innerText()).toBe(words.title);
      const cameras = await placeCameraIds(page);
      expect(cameras[0]).toEqual({ id: MARKET_CAMERA.id, sees: 'true' });
      const first = panel.locator('[data-testid=place-camera]').first();
      expect(await first.innerText()).toContain(MARKET_CAMERA[language]);
      expect(await first.innerText()).toContain(words.sees);
      // A live tile (without a camera-ingest role here it says so, in words).
      await first.locator('[data-testid=live-video]').waitFor();
      await panel.scrollIntoViewIfNeeded();
      await screenshot(page, `camera-fov-alert-detail-${language}`);

      const { alertId: nowhere } = await raise(`nowhere-${language}`, 'major', null);
      await page.goto(`${api.baseUrl}/alerts/${nowhere}`);
      await page.locator(`[data-testid=alert-detail][data-alert-id="${nowhere}"] [data-testid=alert-no-location]`).waitFor();
      expect(await page.locator('[data-testid=place-cameras]').count()).toBe(0);
      await page.context().close();
    });

    it(`shows the cameras that see an incident's place, live, in the incident's page (${language})`, async () => {
      const opened = await api.request('POST', '/api/incidents', { role: 'operator', body: { kind: 'flooding', severity: 'major', ...FLOODED } });
      expect(opened.status).toBe(201);
      const { incident } = await opened.json();
      const page = await openSignedIn(browser, api, 'operator', `/incidents/${incident.id}`, { language });
      const panel = page.locator('[data-testid=place-cameras]');
      await panel.waitFor();
      expect(await panel.locator('h3').innerText()).toBe(words.title);
      expect((await placeCameraIds(page))[0]).toEqual({ id: MARKET_CAMERA.id, sees: 'true' });
      const first = panel.locator('[data-testid=place-camera]').first();
      expect(await first.innerText()).toContain(MARKET_CAMERA[language]);
      expect(await first.innerText()).toContain(words.sees);
      await first.locator('[data-testid=live-video]').waitFor();
      await panel.scrollIntoViewIfNeeded();
      await screenshot(page, `camera-fov-incident-${language}`);
      await page.context().close();
    });

    it(`pins the cameras at a critical alert's place on the wall until it is acknowledged (${language})`, async () => {
      const page = await openSignedIn(browser, api, 'operator', '/', { language });
      await page.goto(`${api.baseUrl}/wall`);
      await page.locator('[data-testid=wall-tiles]').waitFor();
      const { alertId } = await raise(`wall-${language}`, 'critical', FLOODED);
      const pinned = page.locator('[data-testid=wall-tile][data-pinned=true]');
      await pinned.first().waitFor({ timeout: 30_000 });
      expect(await pinned.first().getAttribute('data-camera-id')).toBe(MARKET_CAMERA.id);
      expect(await pinned.first().innerText()).toContain(words.pinned);
      await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
      await screenshot(page, `camera-fov-wall-pinned-${language}`);

      const acknowledged = await api.request('POST', `/api/alerts/${alertId}/acknowledge`, { role: 'operator', body: {} });
      expect(acknowledged.status).toBe(200);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=wall-tile][data-pinned=true]').length === 0, undefined, { timeout: 30_000 });
      await page.context().close();
    });
  }

  // Vietnamese turns the camera east, English back north: each run moves the bearing the other saved.
  for (const [language, turn] of [['vi', { bearing: 90, dx: 0.3, dy: 0, caption: 'Vùng nhìn của camera' }], ['en', { bearing: 0, dx: 0, dy: -0.3, caption: 'Camera field of view' }]] as const) {
  it(`draws every camera with a bearing as a cone on the map, and the engineer turns one by dragging its tip (${language})`, async () => {
    const page = await openSignedIn(browser, api, 'engineer', `/engineer/cameras/${MARKET_CAMERA.id}`, { language });
    const editor = page.locator('[data-testid=fov-editor]');
    await editor.waitFor();
    await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 60_000 });
    // The demo's eight cameras all have a bearing: eight cones in the one source.
    await page.waitForFunction(() => {
      const map = (window as unknown as { cityopsMap?: { getSource(id: string): { serialize(): { data: { features: unknown[] } } } | undefined } }).cityopsMap;
      return (map?.getSource('camera-fov')?.serialize().data.features.length ?? 0) >= 8;
    }, undefined, { timeout: 30_000 });

    // In the form, beside the numbers it edits.
    expect(await page.locator('[data-testid=camera-form] [data-testid=fov-editor] figcaption').innerText()).toBe(turn.caption);
    await editor.scrollIntoViewIfNeeded();
    const svg = (await editor.locator('svg').boundingBox())!;
    const tip = (await page.locator('[data-testid=fov-tip]').boundingBox())!;
    // Drag the tip straight east (or north) of the camera, the centre of the drawing.
    await page.mouse.move(tip.x + tip.width / 2, tip.y + tip.height / 2);
    await page.mouse.down();
    await page.mouse.move(svg.x + svg.width * (0.5 + turn.dx), svg.y + svg.height * (0.5 + turn.dy), { steps: 5 });
    await page.mouse.up();
    expect(await page.locator('[data-field=bearing] input').inputValue()).toBe(String(turn.bearing));
    await page.fill('[data-field=fovDegrees] input', '40');
    await screenshot(page, `camera-fov-engineer-${language}`);
    await page.click('[data-testid=device-save]');
    await page.waitForFunction(async ({ id, expected }) => {
      const response = await fetch(`/api/cameras/${id}`);
      const { camera } = await response.json();
      return camera.bearing === expected && camera.fovDegrees === 40;
    }, { id: MARKET_CAMERA.id, expected: turn.bearing }, { timeout: 30_000 });

    // Out of range: a clear error on the field, nothing saved.
    await page.fill('[data-field=rangeMeters] input', '0');
    await page.click('[data-testid=device-save]');
    await page.locator('[data-field=rangeMeters].invalid').waitFor();
    // Beside its field, in the reader's language, without the field's key in front.
    const rangeError = await page.locator('[data-field=rangeMeters] .field-error').innerText();
    expect(rangeError).not.toMatch(/rangeMeters/);
    expect(rangeError.length).toBeGreaterThan(5);
    if (language === 'vi') expect(rangeError).not.toMatch(/must|greater|least/i);
    const { camera } = await (await api.request('GET', `/api/cameras/${MARKET_CAMERA.id}`, { role: 'engineer' })).json();
    expect(camera.rangeMeters).toBeGreaterThan(0);
    await page.context().close();
  });
  }
});
