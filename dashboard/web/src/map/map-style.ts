// The basemap. With no MAP_STYLE_URL the dashboard draws an offline style that makes no request
// outside CityOps: a dark background, the local PMTiles basemap when one is configured, and the district
// boundaries from /api/web/districts.geojson. The style has no `glyphs` URL: MapLibre then draws label
// text with the browser's own fonts (TinySDF), so labels need no remote glyph server either.
// Two palettes: dark for the command room and the wall, light for the light theme (theme.tsx).
import type { StyleSpecification, LayerSpecification, SymbolLayerSpecification } from 'maplibre-gl';
import type { WebConfig } from './web-config.ts';

export interface MapPalette {
  background: string;
  land: string;
  landuse: string;
  water: string;
  road: string;
  roadMajor: string;
  building: string;
  districtFill: string;
  districtLine: string;
  /** The river and canals drawn along the district boundaries (no basemap needed). */
  river: string;
  area: string;
  areaLine: string;
  green: string;
  label: string;
  /** A raster basemap is dimmed on dark so device colours stay the brightest thing on the wall. */
  raster: { opacity: number; saturation: number; brightnessMax: number };
}

export const MAP_PALETTES: Record<'dark' | 'light', MapPalette> = {
  dark: {
    background: '#0a1222',
    land: '#0f1a2e',
    landuse: '#102238',
    water: '#0b2a45',
    road: '#1f3350',
    roadMajor: '#2a4468',
    building: '#15233b',
    districtFill: '#13284a',
    districtLine: '#3a6ea5',
    river: '#2f8fd8',
    area: '#16243d',
    areaLine: '#2b4a72',
    green: '#122e2a',
    label: '#9db3cf',
    raster: { opacity: 0.55, saturation: -0.6, brightnessMax: 0.55 },
  },
  // Pale ground and mid-tone lines: the severity and device colours stay the strongest marks on it.
  light: {
    background: '#e8edf3',
    land: '#f2f4f7',
    landuse: '#e4eadf',
    water: '#a8c8e4',
    road: '#d3dbe6',
    roadMajor: '#b7c3d4',
    building: '#dde2e9',
    districtFill: '#c9d8ec',
    districtLine: '#2f5f96',
    river: '#4a90d0',
    area: '#e5e9ef',
    areaLine: '#b6c2d2',
    green: '#d2e6cd',
    label: '#2b3a4e',
    raster: { opacity: 0.9, saturation: -0.3, brightnessMax: 1 },
  },
};

/** The dark palette, for the maps that have no theme of their own (the residents' pin map). */
export const COLORS = MAP_PALETTES.dark;

/** `kind` values (the input file names of npm run basemap:build) drawn as water or as green space. */
const WATER_KINDS = ['water', 'waterway', 'waterways', 'river', 'rivers', 'canal', 'canals', 'lake', 'lakes', 'sea'];
const GREEN_KINDS = ['park', 'parks', 'green', 'forest', 'garden', 'gardens'];
/** No glyphs URL in the style: this stack is a CSS font family list for the browser's local fonts. */
const LABEL_FONT = ['sans-serif'];

const absolute = (path: string) => new URL(path, window.location.href).href;

/** Generic layers for the two common vector tile schemas (Protomaps and OpenMapTiles); a layer whose
 *  source-layer is not in the file simply draws nothing. */
function vectorBasemapLayers(palette: MapPalette): LayerSpecification[] {
  const layers: LayerSpecification[] = [];
  for (const sourceLayer of ['earth', 'landcover']) {
    layers.push({ id: `basemap-${sourceLayer}`, type: 'fill', source: 'basemap', 'source-layer': sourceLayer, paint: { 'fill-color': palette.land } });
  }
  for (const sourceLayer of ['landuse', 'park']) {
    layers.push({ id: `basemap-${sourceLayer}`, type: 'fill', source: 'basemap', 'source-layer': sourceLayer, paint: { 'fill-color': palette.landuse, 'fill-opacity': 0.6 } });
  }
  layers.push({ id: 'basemap-water', type: 'fill', source: 'basemap', 'source-layer': 'water', paint: { 'fill-color': palette.water } });
  layers.push({ id: 'basemap-waterway', type: 'line', source: 'basemap', 'source-layer': 'waterway', paint: { 'line-color': palette.water, 'line-width': 1.2 } });
  for (const sourceLayer of ['buildings', 'building']) {
    layers.push({ id: `basemap-${sourceLayer}`, type: 'fill', source: 'basemap', 'source-layer': sourceLayer, minzoom: 14, paint: { 'fill-color': palette.building } });
  }
  for (const sourceLayer of ['roads', 'transportation']) {
    layers.push({
      id: `basemap-${sourceLayer}`,
      type: 'line',
      source: 'basemap',
      'source-layer': sourceLayer,
      paint: { 'line-color': palette.road, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.4, 16, 3] },
    });
  }
  layers.push(...cityBasemapLayers(palette));
  return layers;
}

/** The layers npm run basemap:build writes (dashboard/basemap/geojson-basemap.ts): areas, lines and
 *  points coloured by their `kind`. Their labels come separately, above the district overlay. */
function cityBasemapLayers(palette: MapPalette): LayerSpecification[] {
  const base = { source: 'basemap' } as const;
  return [
    { ...base, id: 'basemap-areas', type: 'fill', 'source-layer': 'areas', paint: { 'fill-color': ['match', ['get', 'kind'], WATER_KINDS, palette.water, GREEN_KINDS, palette.green, palette.area] } },
    { ...base, id: 'basemap-areas-outline', type: 'line', 'source-layer': 'areas', paint: { 'line-color': ['match', ['get', 'kind'], WATER_KINDS, palette.water, palette.areaLine], 'line-width': 0.8 } },
    {
      ...base,
      id: 'basemap-lines',
      type: 'line',
      'source-layer': 'lines',
      paint: {
        'line-color': ['match', ['get', 'kind'], WATER_KINDS, palette.water, palette.roadMajor],
        'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.6, 16, 4],
      },
    },
    { ...base, id: 'basemap-points', type: 'circle', 'source-layer': 'points', minzoom: 12, paint: { 'circle-color': palette.areaLine, 'circle-radius': 2.5 } },
  ];
}

function cityBasemapLabels(palette: MapPalette): LayerSpecification[] {
  const text: SymbolLayerSpecification['layout'] = { 'text-field': ['get', 'name'], 'text-font': LABEL_FONT, 'text-size': ['interpolate', ['linear'], ['zoom'], 10, 11, 15, 14] };
  const paint = { 'text-color': palette.label, 'text-halo-color': palette.background, 'text-halo-width': 1.2 };
  return [
    { id: 'basemap-area-labels', type: 'symbol', source: 'basemap', 'source-layer': 'area_labels', minzoom: 10, layout: { ...text }, paint },
    { id: 'basemap-line-labels', type: 'symbol', source: 'basemap', 'source-layer': 'lines', minzoom: 14, layout: { ...text, 'symbol-placement': 'line' }, paint },
    { id: 'basemap-point-labels', type: 'symbol', source: 'basemap', 'source-layer': 'points', minzoom: 14, layout: { ...text, 'text-offset': [0, 0.9], 'text-anchor': 'top' }, paint },
  ];
}

export function offlineStyle(config: WebConfig, palette: MapPalette = COLORS): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    name: 'CityOps offline',
    sources: {
      districts: { type: 'geojson', data: absolute('/api/web/districts.geojson') },
      waterways: { type: 'geojson', data: absolute('/api/web/waterways.geojson') },
    },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': palette.background } }],
  };
  if (config.basemap) {
    const { url, tileType, minZoom, maxZoom } = config.basemap;
    const pmtilesUrl = `pmtiles://${absolute(url.replace(/^pmtiles:\/\//, ''))}`;
    if (tileType === 'vector') {
      style.sources.basemap = { type: 'vector', url: pmtilesUrl };
      style.layers.push(...vectorBasemapLayers(palette));
    } else {
      style.sources.basemap = { type: 'raster', url: pmtilesUrl, tileSize: 256, minzoom: minZoom, maxzoom: maxZoom };
      const { opacity, saturation, brightnessMax } = palette.raster;
      style.layers.push({ id: 'basemap-raster', type: 'raster', source: 'basemap', paint: { 'raster-opacity': opacity, 'raster-saturation': saturation, 'raster-brightness-max': brightnessMax } });
    }
  }
  style.layers.push(...districtLayers(palette));
  if (config.basemap?.tileType === 'vector') style.layers.push(...cityBasemapLabels(palette));
  return style;
}

/** District labels in the reader's language: the English name where one is known, else the local one. */
export function districtLabelField(language: 'vi' | 'en'): unknown[] {
  return language === 'en' ? ['coalesce', ['get', 'name_en'], ['get', 'name']] : ['get', 'name'];
}

export function districtLayers(palette: MapPalette = MAP_PALETTES.dark, language: 'vi' | 'en' = 'vi'): LayerSpecification[] {
  return [
    { id: 'districts-fill', type: 'fill', source: 'districts', paint: { 'fill-color': palette.districtFill, 'fill-opacity': 0.45 } },
    {
      id: 'districts-line',
      type: 'line',
      source: 'districts',
      paint: { 'line-color': palette.districtLine, 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.6, 14, 2], 'line-opacity': 0.8 },
    },
    // Over the district lines: the boundary runs down the river's middle and would split it in two.
    {
      id: 'waterways-line',
      type: 'line',
      source: 'waterways',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': palette.river,
        'line-width': ['interpolate', ['linear'], ['zoom'], 9, ['match', ['get', 'kind'], 'river', 3, 1.2], 15, ['match', ['get', 'kind'], 'river', 14, 5]],
        'line-opacity': 0.9,
      },
    },
    {
      id: 'districts-labels',
      type: 'symbol',
      source: 'districts',
      minzoom: 10,
      layout: { 'text-field': districtLabelField(language) as never, 'text-font': LABEL_FONT, 'text-size': ['interpolate', ['linear'], ['zoom'], 10, 11, 14, 15], 'text-max-width': 8 },
      paint: { 'text-color': palette.label, 'text-halo-color': palette.background, 'text-halo-width': 1.4, 'text-opacity': 0.85 },
    },
    {
      id: 'waterways-labels',
      type: 'symbol',
      source: 'waterways',
      minzoom: 11,
      layout: { 'text-field': districtLabelField(language) as never, 'text-font': LABEL_FONT, 'symbol-placement': 'line', 'text-size': 12, 'symbol-spacing': 400 },
      paint: { 'text-color': palette.river, 'text-halo-color': palette.background, 'text-halo-width': 1.4 },
    },
  ];
}

/** The layers whose text follows the reader's language. */
export const NAMED_LAYERS = ['districts-labels', 'waterways-labels'] as const;
