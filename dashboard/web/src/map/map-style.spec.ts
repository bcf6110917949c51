// The offline style: valid for MapLibre, draws every source layer npm run basemap:build writes, and
// names no address outside the page's own origin (no glyph server, no sprite, no remote tiles).
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASEMAP_LAYERS } from '../../../basemap/geojson-basemap.ts';
import { MAP_PALETTES, offlineStyle } from './map-style.ts';
import type { WebConfig } from './web-config.ts';

const ORIGIN = 'http://127.0.0.1:8080';
const vectorConfig: WebConfig = {
  timeZone: 'Asia/Ho_Chi_Minh',
  mapStyleUrl: null,
  center: [106.7, 10.78],
  basemap: { url: 'pmtiles:///api/web/basemap.pmtiles', tileType: 'vector', minZoom: 8, maxZoom: 14, bounds: [106.35, 10.37, 107.03, 11.16] },
};

beforeAll(() => {
  // offlineStyle makes its URLs absolute against the page, as in the browser.
  (globalThis as unknown as { window: { location: { href: string } } }).window = { location: { href: `${ORIGIN}/` } };
});

describe('offline map style', () => {
  it('draws every layer the basemap builder writes, labels above the district overlay', () => {
    const style = offlineStyle(vectorConfig);
    expect(validateStyleMin(style)).toEqual([]);
    const drawn = style.layers.flatMap((layer) => ('source' in layer && layer.source === 'basemap' && 'source-layer' in layer ? [layer['source-layer']] : []));
    for (const sourceLayer of BASEMAP_LAYERS) expect(drawn, sourceLayer).toContain(sourceLayer);
    const ids = style.layers.map((layer) => layer.id);
    expect(ids.indexOf('basemap-area-labels')).toBeGreaterThan(ids.indexOf('districts-fill'));
    expect(ids.indexOf('basemap-areas')).toBeLessThan(ids.indexOf('districts-fill'));
  });

  it('names nothing outside the page origin: local tiles, no glyphs or sprite', () => {
    for (const config of [vectorConfig, { ...vectorConfig, basemap: { ...vectorConfig.basemap!, tileType: 'raster' as const } }, { ...vectorConfig, basemap: null }]) {
      const style = offlineStyle(config);
      expect(style.glyphs).toBeUndefined();
      expect(style.sprite).toBeUndefined();
      const urls = JSON.stringify(style).match(/[a-z]+:\/\/[^"]+/g) ?? [];
      expect(urls.length).toBeGreaterThan(0);
      for (const url of urls) expect(url.replace(/^pmtiles:\/\//, '')).toMatch(new RegExp(`^${ORIGIN}/`));
    }
    expect(offlineStyle(vectorConfig).sources.basemap).toEqual({ type: 'vector', url: `pmtiles://${ORIGIN}/api/web/basemap.pmtiles` });
  });

  it('has a light palette with the same layers, for the light theme', () => {
    for (const config of [vectorConfig, { ...vectorConfig, basemap: { ...vectorConfig.basemap!, tileType: 'raster' as const } }]) {
      const dark = offlineStyle(config, MAP_PALETTES.dark);
      const light = offlineStyle(config, MAP_PALETTES.light);
      expect(validateStyleMin(light)).toEqual([]);
      expect(light.layers.map((layer) => layer.id)).toEqual(dark.layers.map((layer) => layer.id));
    }
    const background = (palette: keyof typeof MAP_PALETTES) => (offlineStyle(vectorConfig, MAP_PALETTES[palette]).layers[0] as unknown as { paint: Record<string, string> }).paint['background-color'];
    expect(background('dark')).toBe('#0a1222');
    expect(background('light')).toBe('#e8edf3');
  });
});
