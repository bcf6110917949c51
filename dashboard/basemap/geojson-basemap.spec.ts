// A city's GeoJSON in, a PMTiles archive of Mapbox Vector Tiles out: read back with the `pmtiles`
// reader and decoded with @mapbox/vector-tile, the decoder MapLibre itself uses.
import type { Feature, FeatureCollection, Position } from 'geojson';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { PMTiles, TileType, type Source } from 'pmtiles';
import { describe, expect, it } from 'vitest';
import { basemapFeatures, buildBasemap, type BasemapInput } from './geojson-basemap.ts';

// A U-shaped canal (concave: its bounding box centre lies in the gap), a road and a market, in Quận 1.
const canal: Position[] = [
  [106.69, 10.77], [106.72, 10.77], [106.72, 10.79], [106.71, 10.79], [106.71, 10.775], [106.70, 10.775], [106.70, 10.79], [106.69, 10.79], [106.69, 10.77],
];
const inputs: BasemapInput[] = [
  { kind: 'water', collection: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Kênh Thử', depth: 3, tags: { x: 1 } }, geometry: { type: 'Polygon', coordinates: [canal] } }] } },
  { kind: 'roads', collection: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Đường Lê Lợi' }, geometry: { type: 'LineString', coordinates: [[106.695, 10.772], [106.705, 10.776]] } }] } },
  { kind: 'places', collection: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { localname: 'Chợ Bến Thành' }, geometry: { type: 'Point', coordinates: [106.698, 10.7725] } }] } },
];

function memorySource(archive: Buffer): Source {
  return {
    getKey: () => 'memory.pmtiles',
    getBytes: async (offset, length) => ({ data: archive.buffer.slice(archive.byteOffset + offset, archive.byteOffset + offset + length) as ArrayBuffer }),
  };
}

function tileOf(longitude: number, latitude: number, z: number): [number, number] {
  const n = 2 ** z;
  const radians = (latitude * Math.PI) / 180;
  return [Math.floor(((longitude + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(radians) + 1 / Math.cos(radians)) / Math.PI) / 2) * n)];
}

function inside([x, y]: Position, ring: Position[]): boolean {
  let result = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    if (ring[i][1] > y !== ring[j][1] > y && x < ((ring[j][0] - ring[i][0]) * (y - ring[i][1])) / (ring[j][1] - ring[i][1]) + ring[i][0]) result = !result;
  }
  return result;
}

async function decodedTile(reader: PMTiles, z: number, longitude: number, latitude: number) {
  const [x, y] = tileOf(longitude, latitude, z);
  const tile = await reader.getZxy(z, x, y);
  if (!tile) throw new Error(`no tile ${z}/${x}/${y}`);
  const decoded = new VectorTile(new Pbf(new Uint8Array(tile.data)));
  const features = (layer: string): Feature[] => {
    const found = decoded.layers[layer];
    return found ? Array.from({ length: found.length }, (_, i) => found.feature(i).toGeoJSON(x, y, z)) : [];
  };
  return { layers: Object.keys(decoded.layers).sort(), features };
}

describe('GeoJSON to offline basemap', () => {
  it('writes vector tiles with the four documented layers, kind and name, for every zoom', async () => {
    const built = buildBasemap(inputs, { minZoom: 8, maxZoom: 14 });
    expect(built.featureCounts).toEqual({ areas: 1, area_labels: 1, lines: 1, points: 1 });
    const reader = new PMTiles(memorySource(built.archive));
    const header = await reader.getHeader();
    expect(header).toMatchObject({ tileType: TileType.Mvt, minZoom: 8, maxZoom: 14 });
    expect([header.minLon, header.minLat, header.maxLon, header.maxLat].map((value) => Number(value.toFixed(5)))).toEqual([106.69, 10.77, 106.72, 10.79]);
    const metadata = (await reader.getMetadata()) as { vector_layers: { id: string }[] };
    expect(metadata.vector_layers.map((layer) => layer.id)).toEqual(['areas', 'area_labels', 'lines', 'points']);

    for (let z = 8; z <= 14; z++) {
      const tile = await decodedTile(reader, z, 106.698, 10.7725);
      expect(tile.layers, `zoom ${z}`).toEqual(['area_labels', 'areas', 'lines', 'points']);
    }
    const tile = await decodedTile(reader, 14, 106.698, 10.7725);
    const [market] = tile.features('points');
    expect(market.properties).toEqual({ localname: 'Chợ Bến Thành', kind: 'places', name: 'Chợ Bến Thành' });
    const [longitude, latitude] = (market.geometry as { coordinates: Position }).coordinates;
    expect(longitude).toBeCloseTo(106.698, 4);
    expect(latitude).toBeCloseTo(10.7725, 4);
    // Primitive properties travel; nested objects do not (MVT values are scalars).
    expect(tile.features('areas')[0].properties).toEqual({ name: 'Kênh Thử', depth: 3, kind: 'water' });
    expect(tile.features('lines')[0].properties).toEqual({ name: 'Đường Lê Lợi', kind: 'roads' });
  });

  it('leaves tiles out where there is nothing to draw', async () => {
    const built = buildBasemap(inputs, { minZoom: 12, maxZoom: 12 });
    const reader = new PMTiles(memorySource(built.archive));
    const [x, y] = tileOf(106.698, 10.7725, 12);
    expect(await reader.getZxy(12, x, y)).toBeDefined();
    expect(await reader.getZxy(12, x + 3, y)).toBeUndefined();
  });

  it('puts the label of a concave area inside it, not in its gap', () => {
    const [label] = basemapFeatures(inputs).layers.area_labels;
    const point = (label.geometry as { coordinates: Position }).coordinates;
    expect(label.properties).toEqual({ kind: 'water', name: 'Kênh Thử' });
    expect(inside(point, canal)).toBe(true);
    expect(inside([106.705, 10.78], canal)).toBe(false); // the bounding box centre, for contrast
  });

  it('refuses inputs with nothing to draw, and coordinates in metres instead of degrees', () => {
    const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };
    expect(() => buildBasemap([{ kind: 'empty', collection: empty }], { minZoom: 8, maxZoom: 9 })).toThrow(/no point, line or polygon/);
    // A VN-2000 / UTM zone 48N export: easting and northing in metres.
    const projected: FeatureCollection = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [686_000, 1_191_000] } }] };
    expect(() => buildBasemap([...inputs, { kind: 'utm', collection: projected }], { minZoom: 8, maxZoom: 9 })).toThrow(/utm: coordinates out of longitude\/latitude range.*EPSG:4326/);
  });
});
