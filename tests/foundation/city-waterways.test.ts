// The river on the default map (#17 part 2): the Saigon River and two canals drawn along the district
// boundaries they run between, from the city's boundary file, so a first start without a basemap still
// shows where the water is. Checked against places on the river people know.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Polygon, Position } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBoundary, waterwaysAlongBoundaries, type DistrictOutline } from '../../devices/city-waterways.ts';
import { slugify } from '../../devices/district-repository.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { assetMirrorDir } from '../support/urls.ts';

const square = (x: number, y: number, start = 0): Polygon => {
  const corners: Position[] = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1]];
  const ring = [...corners.slice(start), ...corners.slice(0, start)];
  return { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
};

/** Metres east and north of `origin`: plenty exact across a city. */
const local = ([lon, lat]: Position, origin: Position) => [(lon - origin[0]) * 111_320 * Math.cos((origin[1] * Math.PI) / 180), (lat - origin[1]) * 110_540];

/** Metres from a point to the nearest segment of a set of lines. */
function metresToLines(lines: Position[][], point: Position): number {
  let best = Infinity;
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const [ax, ay] = local(line[i - 1], point);
      const [bx, by] = local(line[i], point);
      const t = Math.max(0, Math.min(1, -(ax * (bx - ax) + ay * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2 || 1)));
      best = Math.min(best, Math.hypot(ax + t * (bx - ax), ay + t * (by - ay)));
    }
  }
  return best;
}

function lengthKm(lines: Position[][]): number {
  let metres = 0;
  for (const line of lines) for (let i = 1; i < line.length; i++) metres += Math.hypot(...local(line[i], line[i - 1]));
  return metres / 1000;
}

function mirrorOutlines(): DistrictOutline[] {
  const file = path.join(assetMirrorDir(), 'geo', 'hcmc-districts.geojson');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { features: { properties: { localname: string }; geometry: DistrictOutline['geometry'] }[] };
  return parsed.features.map((feature) => ({ id: slugify(feature.properties.localname), geometry: feature.geometry }));
}

describe('waterways along district boundaries', () => {
  it('takes the edge two districts share, whole even when it crosses the start of a ring', () => {
    // The right square starts its ring in the middle of nowhere; the left one at the shared edge's end.
    expect(sharedBoundary(square(0, 0), square(1, 0))).toEqual([[[1, 0], [1, 1]]]);
    expect(sharedBoundary(square(0, 0, 2), square(1, 0))).toEqual([[[1, 0], [1, 1]]]);
    // Corner to corner is a point, not a line; apart is nothing.
    expect(sharedBoundary(square(0, 0), square(1, 1))).toEqual([]);
    expect(sharedBoundary(square(0, 0), square(5, 5))).toEqual([]);
  });

  it('draws the Saigon River past the places on it, and leaves out a waterway whose districts are missing', () => {
    const features = waterwaysAlongBoundaries(mirrorOutlines());
    const river = features.find((feature) => feature.properties.name_en === 'Saigon River');
    expect(river?.properties).toMatchObject({ name: 'Sông Sài Gòn', kind: 'river' });
    const lines = river!.geometry.coordinates;
    // Saigon Bridge, Bạch Đằng wharf, the Thủ Thiêm tunnel's west end: all on the river.
    expect(metresToLines(lines, [106.7226, 10.7985])).toBeLessThan(700);
    expect(metresToLines(lines, [106.7068, 10.7748])).toBeLessThan(700);
    expect(metresToLines(lines, [106.7105, 10.7665])).toBeLessThan(700);
    // Not every district outline drawn in blue: Tân Sơn Nhất airport and Chợ Lớn are far from it.
    expect(metresToLines(lines, [106.6588, 10.8185])).toBeGreaterThan(3000);
    expect(metresToLines(lines, [106.66, 10.75])).toBeGreaterThan(3000);
    // From the north of Bình Thạnh round Thủ Thiêm to District 7: some 20–50 km of river.
    expect(lengthKm(lines)).toBeGreaterThan(20);
    expect(lengthKm(lines)).toBeLessThan(50);
    expect(features.map((feature) => feature.properties.name_en).sort()).toEqual(['Ben Nghe Canal', 'Saigon River', 'Te Canal']);

    // Thủ Đức city and the old District 2 overlap in the file: no stretch of river is drawn twice.
    const segments = lines.flatMap((line) => line.slice(1).map((end, i) => [line[i], end].map((position) => position.join()).sort().join(' ')));
    expect(new Set(segments).size).toBe(segments.length);

    const withoutDistrict4 = waterwaysAlongBoundaries(mirrorOutlines().filter((district) => district.id !== 'quan-4'));
    expect(withoutDistrict4.map((feature) => feature.properties.name_en)).toEqual(['Saigon River']);
  });
});

describe('GET /api/web/waterways.geojson', () => {
  let test: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    test = await createTestDatabase();
    api = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  });
  afterAll(async () => {
    await api?.stop();
    await test?.drop();
  });

  const waterways = async () => {
    const response = await api.request('GET', '/api/web/waterways.geojson', { role: 'operator' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { features: { properties: { name_en: string } }[] };
    return body.features.map((feature) => feature.properties.name_en).sort();
  };

  it('is public (the residents\' report map draws it), and draws the river from the boundary file while the registry has none', async () => {
    expect((await api.request('GET', '/api/web/waterways.geojson')).status).toBe(200);
    expect(await waterways()).toEqual(['Ben Nghe Canal', 'Saigon River', 'Te Canal']);
  });

  it("follows the registry's boundaries once districts have them, and skips a boundary that is not an area", async () => {
    const outlines = mirrorOutlines();
    for (const district of outlines.filter((outline) => ['tp-thu-duc', 'quan-binh-thanh', 'quan-1'].includes(outline.id))) {
      await test.db.query('INSERT INTO districts (id, name, geometry) VALUES ($1, $1, $2)', [district.id, JSON.stringify(district.geometry)]);
    }
    await test.db.query(`INSERT INTO districts (id, name, geometry) VALUES ('quan-4', 'Quận 4', '{"type":"Point","coordinates":[106.7,10.76]}')`);
    // Only the Saigon River: District 4 has a point, not an area, so neither canal can be drawn.
    expect(await waterways()).toEqual(['Saigon River']);
  });
});
