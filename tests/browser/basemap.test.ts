// The offline basemap end to end: `npm run basemap:build` turns the district GeoJSON into a PMTiles
// archive, the real api serves it (MAP_PMTILES_FILE) with range requests, and Debian's Chromium draws
// it on the operations page: the tiles arrive, their features are rendered in the basemap layers
// (fill and labels), the pixels show it, and nothing leaves 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { ensureDashboardBuilt, launchChromium, logIn, recordExternalRequests, SCREENSHOT_DIR, startDashboardServer, newTestContext } from './harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const districtsFile = path.join(assetMirrorDir(), 'geo', 'hcmc-districts.geojson');
const workDir = mkdtempSync(path.join(os.tmpdir(), 'cityops-basemap-'));
const basemapFile = path.join(workDir, 'hcmc.pmtiles');
/** MAP_PALETTES.*.area in map-style.ts: the fill of `areas` features of an unknown kind such as `districts`. */
const AREA_RGB = [0x16, 0x24, 0x3d];
const LIGHT_AREA_RGB = [0xe5, 0xe9, 0xef];

let test: TestDatabase;
let api: TestApi;
let browser: Browser;

interface RenderedFeature {
  source: string;
  properties: Record<string, unknown>;
}
type MapHook = {
  queryRenderedFeatures(options: { layers: string[] }): RenderedFeature[];
  getStyle(): { layers: { id: string }[] };
  setLayoutProperty(layer: string, property: string, value: unknown): void;
  once(event: string, listener: () => void): void;
  triggerRepaint(): void;
};

/** Shows only the layers whose id passes the filter and waits until the map has drawn that. */
async function showOnly(page: Page, prefixes: string[]): Promise<void> {
  await page.evaluate(async (kept) => {
    const map = (window as unknown as { cityopsMap: MapHook }).cityopsMap;
    const idle = new Promise<void>((resolve) => map.once('idle', resolve));
    for (const { id } of map.getStyle().layers) {
      map.setLayoutProperty(id, 'visibility', kept.some((prefix) => id.startsWith(prefix)) ? 'visible' : 'none');
    }
    map.triggerRepaint();
    await idle;
  }, prefixes);
}

/** The share of the map canvas's pixels that have the basemap's area fill colour. */
async function areaPixelShare(page: Page, name: string, rgb = AREA_RGB): Promise<number> {
  const png = await page.locator('[data-testid=city-map] canvas.maplibregl-canvas').screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let matching = 0;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.abs(data[i] - rgb[0]) <= 3 && Math.abs(data[i + 1] - rgb[1]) <= 3 && Math.abs(data[i + 2] - rgb[2]) <= 3) matching++;
  }
  return matching / (info.width * info.height);
}

beforeAll(async () => {
  ensureDashboardBuilt();
  // The command a city runs, as it runs it.
  execFileSync('npm', ['run', '--silent', 'basemap:build', '--', `districts=${districtsFile}`, basemapFile], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  test = await createTestDatabase();
  api = await startDashboardServer(test, { MAP_PMTILES_FILE: basemapFile });
  browser = await launchChromium();
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await test?.drop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('offline PMTiles basemap in Chromium', () => {
  it('draws the districts built by basemap:build from the local archive, with no request leaving 127.0.0.1', async () => {
    const context = await newTestContext(browser, { viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => localStorage.setItem('cityops.language', 'vi'));
    const page = await context.newPage();
    const external = recordExternalRequests(page);
    const basemapResponses: { status: number; range: string | undefined }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/web/basemap.pmtiles') basemapResponses.push({ status: response.status(), range: response.request().headers().range });
    });
    // MapLibre's errors (tiles, glyphs, style) reach the console through city-map.tsx as `map: ...`.
    const mapErrors: string[] = [];
    page.on('console', (message) => {
      if (/^map:|pmtiles|glyph/i.test(message.text())) mapErrors.push(message.text());
    });

    await logIn(page, api.baseUrl, 'operator-user', TEST_PASSWORD);
    await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 45_000 });

    // Drawn: the basemap's district polygons and their labels are among the rendered features.
    const districtNames = (JSON.parse(readFileSync(districtsFile, 'utf8')) as { features: { properties: { localname: string } }[] }).features.map((feature) => feature.properties.localname);
    const rendered = await page.waitForFunction(
      () => {
        const map = (window as unknown as { cityopsMap?: MapHook }).cityopsMap;
        if (!map) return false;
        const areas = map.queryRenderedFeatures({ layers: ['basemap-areas'] });
        const labels = map.queryRenderedFeatures({ layers: ['basemap-area-labels'] });
        if (areas.length === 0 || labels.length === 0) return false;
        return { areas: areas.map((feature) => ({ source: feature.source, kind: feature.properties.kind, name: feature.properties.name })), labels: labels.map((feature) => String(feature.properties.name)) };
      },
      undefined,
      { timeout: 45_000, polling: 250 },
    );
    const { areas, labels } = (await rendered.jsonValue()) as { areas: { source: string; kind: string; name: string }[]; labels: string[] };
    expect(new Set(areas.map((area) => area.source))).toEqual(new Set(['basemap']));
    expect(new Set(areas.map((area) => area.kind))).toEqual(new Set(['districts']));
    expect(areas.every((area) => districtNames.includes(area.name))).toBe(true);
    expect(new Set(labels).size).toBeGreaterThanOrEqual(3);
    expect(labels.every((label) => districtNames.includes(label))).toBe(true);

    // Requested: the archive came through range requests to the api, all answered.
    expect(basemapResponses.length).toBeGreaterThanOrEqual(2);
    expect(basemapResponses.every((response) => response.status === 206 && /^bytes=\d+-\d+$/.test(response.range ?? ''))).toBe(true);

    // The devices still draw on top of the basemap (the demo registry has 20).
    await page.waitForFunction(
      () => {
        const map = (window as unknown as { cityopsMap: { queryRenderedFeatures(options: object): { properties: Record<string, number> }[] } }).cityopsMap;
        const features = map.queryRenderedFeatures({ layers: ['device-points', 'device-clusters'] });
        return features.reduce((sum, feature) => sum + (feature.properties.point_count ?? 1), 0) >= 20;
      },
      undefined,
      { timeout: 45_000, polling: 250 },
    );
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'basemap-operations.png') });
    // Seen: with only the background and the basemap shown, a large part of the map has the area
    // fill; with the basemap hidden as well, none has (the same measure on the background alone).
    await showOnly(page, ['background', 'basemap-']);
    const withBasemap = await areaPixelShare(page, 'basemap-only');
    await showOnly(page, ['background']);
    const backgroundOnly = await areaPixelShare(page, 'basemap-background-only');
    console.log(`area fill: ${(withBasemap * 100).toFixed(1)} % of the map with the basemap, ${(backgroundOnly * 100).toFixed(1)} % without`);
    expect(withBasemap).toBeGreaterThan(0.2);
    expect(backgroundOnly).toBeLessThan(0.01);

    expect(mapErrors).toEqual([]);
    expect(external).toEqual([]);
    await context.close();
  });

  it('draws the same basemap in the light palette for the light theme, labels dark on it', async () => {
    const context = await newTestContext(browser, { viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      localStorage.setItem('cityops.language', 'en');
      localStorage.setItem('cityops.theme', 'light');
    });
    const page = await context.newPage();
    await logIn(page, api.baseUrl, 'operator-user', TEST_PASSWORD);
    await page.waitForSelector('[data-testid=city-map][data-map-ready=true]', { timeout: 45_000 });
    await page.waitForFunction(() => (window as unknown as { cityopsMap?: MapHook }).cityopsMap?.queryRenderedFeatures({ layers: ['basemap-area-labels'] }).length, undefined, { timeout: 45_000, polling: 250 });
    const labelColour = await page.evaluate(() => (window as unknown as { cityopsMap: { getPaintProperty(layer: string, name: string): string } }).cityopsMap.getPaintProperty('basemap-area-labels', 'text-color'));
    expect(labelColour).toBe('#2b3a4e');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'basemap-operations-light.png') });
    await showOnly(page, ['background', 'basemap-']);
    expect(await areaPixelShare(page, 'basemap-only-light', LIGHT_AREA_RGB)).toBeGreaterThan(0.2);
    await context.close();
  });
});
