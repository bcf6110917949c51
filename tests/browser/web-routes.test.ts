// The dashboard's own server routes: map settings, district boundaries (registry first, asset mirror
// otherwise), the local PMTiles basemap with HTTP range requests, and vehicle counts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';

/** A PMTiles v3 file: the 127-byte header (raster PNG tiles over Ho Chi Minh City) and some payload. */
function pmtilesFile(): { file: string; bytes: Buffer } {
  const header = Buffer.alloc(127);
  header.write('PMTiles', 0, 'latin1');
  header.writeUInt8(3, 7);
  header.writeBigUInt64LE(127n, 8); // root directory right after the header
  header.writeBigUInt64LE(1n, 16);
  header.writeUInt8(1, 97); // internal compression: none
  header.writeUInt8(1, 98); // tile compression: none
  header.writeUInt8(2, 99); // tile type: PNG
  header.writeUInt8(8, 100);
  header.writeUInt8(15, 101);
  header.writeInt32LE(1063000000, 102);
  header.writeInt32LE(103500000, 106);
  header.writeInt32LE(1071000000, 110);
  header.writeInt32LE(111000000, 114);
  const bytes = Buffer.concat([header, Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 251))]);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cityops-pmtiles-')), 'hcmc.pmtiles');
  writeFileSync(file, bytes);
  return { file, bytes };
}

let test: TestDatabase;
let plain: TestApi;
let withBasemap: TestApi;
const basemap = pmtilesFile();

beforeAll(async () => {
  test = await createTestDatabase();
  plain = await startTestApi(test, { ASSET_MIRROR_DIR: assetMirrorDir() });
  withBasemap = await startTestApi(test, { MAP_PMTILES_FILE: basemap.file, MAP_STYLE_URL: '/styles/city.json' });
});

afterAll(async () => {
  await plain?.stop();
  await withBasemap?.stop();
  await test?.drop();
});

describe('dashboard web routes', () => {
  it('gives the offline default when no basemap is configured', async () => {
    const config = await (await plain.request('GET', '/api/web/config', { role: 'field' })).json();
    expect(config).toEqual({ timeZone: 'Asia/Ho_Chi_Minh', mapStyleUrl: null, basemap: null, center: [106.7, 10.78] });
  });

  it('serves the district boundaries from the asset mirror while the registry has none', async () => {
    const response = await plain.request('GET', '/api/web/districts.geojson', { role: 'viewer' });
    expect(response.headers.get('content-type')).toContain('application/geo+json');
    const collection = (await response.json()) as { features: { properties: { name: string }; geometry: { type: string } }[] };
    expect(collection.features).toHaveLength(24);
    expect(collection.features.map((feature) => feature.properties.name)).toContain('Quận 1');
    expect(['Polygon', 'MultiPolygon']).toContain(collection.features[0].geometry.type);
  });

  it('prefers the registry districts once they have geometry', async () => {
    await test.db.query(`INSERT INTO districts (id, name, geometry) VALUES ('test-d', 'Test', '{"type":"Polygon","coordinates":[[[106.7,10.7],[106.8,10.7],[106.8,10.8],[106.7,10.7]]]}')`);
    const collection = (await (await plain.request('GET', '/api/web/districts.geojson', { role: 'viewer' })).json()) as { features: unknown[] };
    expect(collection.features).toHaveLength(1);
    await test.db.query(`DELETE FROM districts WHERE id = 'test-d'`);
  });

  it('describes and serves a configured PMTiles basemap with range requests', async () => {
    const config = await (await withBasemap.request('GET', '/api/web/config', { role: 'operator' })).json();
    expect(config.mapStyleUrl).toBe('/styles/city.json');
    expect(config.basemap).toMatchObject({ url: 'pmtiles:///api/web/basemap.pmtiles', tileType: 'raster', minZoom: 8, maxZoom: 15 });
    expect(config.basemap.bounds[0]).toBeCloseTo(106.3, 5);
    const range = await withBasemap.request('GET', '/api/web/basemap.pmtiles', { role: 'field', headers: { range: 'bytes=100-227' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 100-227/${basemap.bytes.length}`);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(basemap.bytes.subarray(100, 228));
    const whole = await withBasemap.request('GET', '/api/web/basemap.pmtiles', { role: 'viewer' });
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(basemap.bytes);
    expect((await withBasemap.request('GET', '/api/web/basemap.pmtiles', { role: 'viewer', headers: { range: 'bytes=99999-' } })).status).toBe(416);
    // Public: the residents' report page draws the same basemap without an account.
    const anonymous = await withBasemap.request('GET', '/api/web/basemap.pmtiles', { headers: { range: 'bytes=0-6' } });
    expect(anonymous.status).toBe(206);
    expect(Buffer.from(await anonymous.arrayBuffer()).toString('latin1')).toBe('PMTiles');
  });

  it('answers 404 for the basemap when none is configured', async () => {
    const response = await plain.request('GET', '/api/web/basemap.pmtiles', { role: 'viewer' });
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('no_basemap');
  });

  it('counts vehicles per class per hour and in the last hour, without persons', async () => {
    await test.db.query(`INSERT INTO cameras (id, name, rtsp_url) VALUES ('cam-t', 'T', 'rtsp://127.0.0.1/t')`);
    await test.db.query(
      `INSERT INTO traffic_counts (camera_id, line_id, minute, class, direction, count) VALUES
        ('cam-t', 'l1', date_trunc('minute', now()) - interval '5 minutes', 'car', '+', 7),
        ('cam-t', 'l1', date_trunc('minute', now()) - interval '5 minutes', 'motorcycle', '-', 30),
        ('cam-t', 'l1', date_trunc('minute', now()) - interval '5 minutes', 'person', '+', 12),
        ('cam-t', 'l1', date_trunc('minute', now()) - interval '3 hours', 'car', '+', 4),
        ('cam-t', 'l1', date_trunc('minute', now()) - interval '5 minutes', 'rider:motorbike', '-', 42)`,
    );
    const lastHour = await (await plain.request('GET', '/api/web/traffic/last-hour', { role: 'viewer' })).json();
    expect(lastHour).toEqual({ vehicles: 37 });
    const hourly = (await (await plain.request('GET', '/api/web/traffic/hourly?hours=6&cameraId=cam-t', { role: 'operator' })).json()) as { hours: { class: string; count: number }[] };
    const byClass = (name: string) => hourly.hours.filter((row) => row.class === name).reduce((sum, row) => sum + row.count, 0);
    expect(byClass('car')).toBe(11);
    expect(byClass('motorcycle')).toBe(30);
    expect(byClass('person')).toBe(0);
    // Riders are counted with their vehicle, apart from vehicles and persons: 42 people on 30 motorbikes.
    expect(byClass('rider:motorbike')).toBe(0);
    expect(lastHour.vehicles).toBe(37);
    expect((hourly as unknown as { riders: unknown }).riders).toEqual([{ class: 'motorbike', riders: 42 }]);
    expect((await plain.request('GET', '/api/web/traffic/last-hour', { role: 'field' })).status).toBe(403);
  });
});
