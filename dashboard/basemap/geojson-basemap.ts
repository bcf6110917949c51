// Turns a city's own GeoJSON (district boundaries, roads, rivers) into the vector tiles of an offline
// basemap, so a command room without internet still has a map under its devices. geojson-vt cuts and
// simplifies the features per tile, vt-pbf encodes each tile as a Mapbox Vector Tile, and
// pmtiles-writer packs them into one PMTiles file that the api serves at /api/web/basemap.pmtiles.
//
// Every feature lands in one of four source layers, by geometry, whatever file it came from; the
// dashboard's offline style (dashboard/web/src/map/map-style.ts) draws exactly these:
//   areas        polygons (fill and outline)
//   area_labels  one point per named polygon, inside it, carrying its name (text)
//   lines        line strings (line, and their name along the line)
//   points       points (circle and name)
// Each feature keeps its primitive properties, plus `kind` (the input's kind, by default its file
// name: `rivers`, `roads`, `hcmc-districts`) that the style colours by, and `name` when it has one.
import type { Feature, FeatureCollection, Geometry, Polygon, Position } from 'geojson';
import { GeoJSONVT, type GeoJSONVTTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { TileType, writePmtilesArchive, type ArchiveTile } from './pmtiles-writer.ts';
import { AppError } from '@cityops/core/errors';

export const BASEMAP_LAYERS = ['areas', 'area_labels', 'lines', 'points'] as const;
export type BasemapLayer = (typeof BASEMAP_LAYERS)[number];

export interface BasemapInput {
  /** What the features are (`water`, `roads`, `districts`...); the style picks colours by it. */
  kind: string;
  collection: FeatureCollection;
}

export interface BasemapOptions {
  minZoom: number;
  maxZoom: number;
  name?: string;
}

export interface BuiltBasemap {
  archive: Buffer;
  tileCount: number;
  bounds: [number, number, number, number];
  featureCounts: Record<BasemapLayer, number>;
}

/** Property names that hold a feature's name in common sources (OSM, GADM, city GIS exports). */
const NAME_PROPERTIES = ['name', 'localname', 'name:vi', 'NAME', 'Name', 'ten', 'TEN'];
const EXTENT = 4096;

function featureName(properties: Record<string, unknown> | null): string | undefined {
  for (const key of NAME_PROPERTIES) {
    const value = properties?.[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

function tileProperties(feature: Feature, kind: string): Record<string, string | number | boolean> {
  const properties: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(feature.properties ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') properties[key] = value;
  }
  properties.kind = kind;
  const name = featureName(feature.properties);
  if (name) properties.name = name;
  return properties;
}

function layerOf(geometry: Geometry): BasemapLayer | undefined {
  switch (geometry.type) {
    case 'Polygon':
    case 'MultiPolygon':
      return 'areas';
    case 'LineString':
    case 'MultiLineString':
      return 'lines';
    case 'Point':
    case 'MultiPoint':
      return 'points';
    default:
      return undefined; // GeometryCollection: split it in the source file
  }
}

function ringArea(ring: Position[]): number {
  let twiceArea = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) twiceArea += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return Math.abs(twiceArea / 2);
}

/** A point inside the polygon for its label: on the horizontal line through the centroid's latitude,
 *  the middle of the widest stretch inside the outer ring. Unlike the centroid itself it cannot fall
 *  outside a concave district. */
function labelPoint(polygon: Position[][]): Position {
  const ring = polygon[0];
  const latitude = ring.reduce((sum, point) => sum + point[1], 0) / ring.length;
  const crossings: number[] = [];
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [x1, y1] = ring[j];
    const [x2, y2] = ring[i];
    if (y1 > latitude !== y2 > latitude) crossings.push(x1 + ((latitude - y1) / (y2 - y1)) * (x2 - x1));
  }
  crossings.sort((a, b) => a - b);
  let best: Position = ring[0];
  let widest = -1;
  for (let i = 0; i + 1 < crossings.length; i += 2) {
    if (crossings[i + 1] - crossings[i] > widest) {
      widest = crossings[i + 1] - crossings[i];
      best = [(crossings[i] + crossings[i + 1]) / 2, latitude];
    }
  }
  return best;
}

function largestPolygon(geometry: Geometry): Position[][] | undefined {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type !== 'MultiPolygon') return undefined;
  return geometry.coordinates.reduce<Polygon['coordinates'] | undefined>((best, polygon) => (!best || ringArea(polygon[0]) > ringArea(best[0]) ? polygon : best), undefined);
}

function extendBounds(bounds: [number, number, number, number], geometry: Geometry): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value) && typeof value[0] === 'number') {
      const [longitude, latitude] = value as number[];
      bounds[0] = Math.min(bounds[0], longitude);
      bounds[1] = Math.min(bounds[1], latitude);
      bounds[2] = Math.max(bounds[2], longitude);
      bounds[3] = Math.max(bounds[3], latitude);
    } else if (Array.isArray(value)) value.forEach(visit);
  };
  if (geometry.type !== 'GeometryCollection') visit(geometry.coordinates);
}

/** Web Mercator tile column and row of a position (the XYZ scheme PMTiles uses). */
function tileOf(longitude: number, latitude: number, z: number): [number, number] {
  const tiles = 2 ** z;
  const sin = Math.sin((Math.max(-85.05, Math.min(85.05, latitude)) * Math.PI) / 180);
  const x = Math.floor(((longitude + 180) / 360) * tiles);
  const y = Math.floor((0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * tiles);
  return [Math.min(tiles - 1, Math.max(0, x)), Math.min(tiles - 1, Math.max(0, y))];
}

/** Splits the inputs into the four layers, with `kind` and `name` on every feature. */
export function basemapFeatures(inputs: BasemapInput[]): { layers: Record<BasemapLayer, Feature[]>; bounds: [number, number, number, number] } {
  const layers: Record<BasemapLayer, Feature[]> = { areas: [], area_labels: [], lines: [], points: [] };
  const bounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const { kind, collection } of inputs) {
    const inputBounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const feature of collection.features) {
      if (!feature.geometry) continue;
      const layer = layerOf(feature.geometry);
      if (!layer) continue;
      const properties = tileProperties(feature, kind);
      layers[layer].push({ type: 'Feature', properties, geometry: feature.geometry });
      extendBounds(inputBounds, feature.geometry);
      const polygon = layer === 'areas' && typeof properties.name === 'string' ? largestPolygon(feature.geometry) : undefined;
      if (polygon) layers.area_labels.push({ type: 'Feature', properties: { kind, name: properties.name }, geometry: { type: 'Point', coordinates: labelPoint(polygon) } });
    }
    if (!Number.isFinite(inputBounds[0])) continue;
    // City GIS exports are often in a projected system (VN-2000, UTM) in metres; GeoJSON is degrees.
    const [west, south, east, north] = inputBounds;
    if (west < -180 || east > 180 || south < -90 || north > 90) {
      throw new AppError('invalid_geojson', `${kind}: coordinates out of longitude/latitude range (${west}, ${south} .. ${east}, ${north}); export the file in WGS 84 (EPSG:4326)`);
    }
    bounds[0] = Math.min(bounds[0], west);
    bounds[1] = Math.min(bounds[1], south);
    bounds[2] = Math.max(bounds[2], east);
    bounds[3] = Math.max(bounds[3], north);
  }
  if (!Number.isFinite(bounds[0])) throw new AppError('invalid_geojson', 'the GeoJSON inputs hold no point, line or polygon');
  return { layers, bounds };
}

/** Builds the vector tiles for every zoom from minZoom to maxZoom over the inputs' bounds and packs
 *  them into a PMTiles archive. */
export function buildBasemap(inputs: BasemapInput[], options: BasemapOptions): BuiltBasemap {
  const { layers, bounds } = basemapFeatures(inputs);
  const indexes = BASEMAP_LAYERS.filter((layer) => layers[layer].length > 0).map((layer) => ({
    layer,
    index: new GeoJSONVT({ type: 'FeatureCollection', features: layers[layer] }, { maxZoom: options.maxZoom, extent: EXTENT, buffer: 64, tolerance: 3 }),
  }));
  const tiles: ArchiveTile[] = [];
  for (let z = options.minZoom; z <= options.maxZoom; z++) {
    const [minX, minY] = tileOf(bounds[0], bounds[3], z);
    const [maxX, maxY] = tileOf(bounds[2], bounds[1], z);
    for (let x = minX; x <= maxX; x++) {
      for (let y = minY; y <= maxY; y++) {
        const tileLayers: Record<string, GeoJSONVTTile> = {};
        for (const { layer, index } of indexes) {
          const tile = index.getTile(z, x, y);
          if (tile && tile.features.length > 0) tileLayers[layer] = tile;
        }
        if (Object.keys(tileLayers).length > 0) tiles.push({ z, x, y, data: fromGeojsonVt(tileLayers, { version: 2, extent: EXTENT }) });
      }
    }
  }
  const vectorLayers = BASEMAP_LAYERS.filter((layer) => layers[layer].length > 0).map((layer) => ({
    id: layer,
    description: `CityOps offline basemap: ${layer.replace('_', ' ')}`,
    minzoom: options.minZoom,
    maxzoom: options.maxZoom,
    fields: { kind: 'String', name: 'String' },
  }));
  const archive = writePmtilesArchive(tiles, {
    tileType: TileType.Mvt,
    minZoom: options.minZoom,
    maxZoom: options.maxZoom,
    bounds,
    center: [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, options.minZoom],
    metadata: {
      name: options.name ?? 'CityOps offline basemap',
      type: 'baselayer',
      description: `Built by npm run basemap:build from ${inputs.map((input) => input.kind).join(', ')}`,
      vector_layers: vectorLayers,
    },
  });
  return { archive, tileCount: tiles.length, bounds, featureCounts: { areas: layers.areas.length, area_labels: layers.area_labels.length, lines: layers.lines.length, points: layers.points.length } };
}
