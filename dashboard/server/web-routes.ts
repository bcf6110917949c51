// What the dashboard needs besides the feature APIs: its map settings, the district boundaries as one
// GeoJSON overlay, and a local PMTiles basemap, so an air-gapped command room needs nothing outside.
// Public on purpose: the residents' /report page puts its pin on the same map without an account, and
// these hold only the city's geography (no device, alert or person).
import { createReadStream, existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bytesToHeader, TileType } from 'pmtiles';
import { AppError } from '@cityops/core/errors';
import { findAsset, type AssetPlaces } from '@cityops/core/demo-assets';
import { cityDistrict } from '@cityops/devices/city-districts';
import { isAreaGeometry, waterwaysAlongBoundaries, type DistrictOutline } from '@cityops/devices/city-waterways';
import { listDistrictBoundaries, slugify } from '@cityops/devices/district-repository';
import type { RouteContext } from '@cityops/core/http/route-context';
import { webTrafficRoutes } from './web-traffic-routes.ts';

export const BASEMAP_PATH = '/api/web/basemap.pmtiles';
const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const basemapView = z.object({
  url: z.string(),
  tileType: z.enum(['vector', 'raster']),
  minZoom: z.number(),
  maxZoom: z.number(),
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});

const webConfigView = z.object({
  timeZone: z.string(),
  mapStyleUrl: z.string().nullable(),
  basemap: basemapView.nullable(),
  center: z.tuple([z.number(), z.number()]),
});

/** Reads the PMTiles header (first 127 bytes) to tell the browser what kind of tiles it holds. */
async function readBasemapHeader(file: string): Promise<z.infer<typeof basemapView>> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(127);
    await handle.read(bytes, 0, 127, 0);
    if (bytes.subarray(0, 7).toString('latin1') !== 'PMTiles') throw new AppError('invalid_pmtiles', 'not a PMTiles v3 file', 'MAP_PMTILES_FILE');
    const header = bytesToHeader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 127));
    const vector = header.tileType === TileType.Mvt || header.tileType === TileType.Mlt;
    return {
      url: `pmtiles://${BASEMAP_PATH}`,
      tileType: vector ? 'vector' : 'raster',
      minZoom: header.minZoom,
      maxZoom: header.maxZoom,
      bounds: [header.minLon, header.minLat, header.maxLon, header.maxLat],
    };
  } finally {
    await handle.close();
  }
}

export const webRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { config, db } = context;
  const basemapFile = config.MAP_PMTILES_FILE ? path.resolve(config.MAP_PMTILES_FILE) : undefined;
  await app.register(webTrafficRoutes, context);

  app.get(
    '/api/web/config',
    {
      config: { public: true },
      schema: { tags: ['dashboard'], summary: 'Map and display settings of the dashboard', response: { 200: webConfigView } },
    },
    async (request) => {
      let basemap: z.infer<typeof basemapView> | null = null;
      if (basemapFile) {
        try {
          basemap = await readBasemapHeader(basemapFile);
        } catch (error) {
          // A missing or broken file must not take the map down: the offline style still draws.
          request.log.warn({ file: basemapFile, err: (error as Error).message }, 'MAP_PMTILES_FILE unreadable; offline style without basemap');
        }
      }
      return { timeZone: TIME_ZONE, mapStyleUrl: config.MAP_STYLE_URL ?? null, basemap, center: [106.70, 10.78] as [number, number] };
    },
  );

  app.get(
    '/api/web/districts.geojson',
    {
      config: { public: true },
      schema: { tags: ['dashboard'], summary: 'District boundaries as one GeoJSON FeatureCollection (registry first, asset mirror otherwise)' },
    },
    async (_request, reply) => {
      const rows = await listDistrictBoundaries(db);
      let collection: { type: 'FeatureCollection'; features: unknown[] };
      if (rows.length) {
        collection = {
          type: 'FeatureCollection',
          features: rows.map((row) => ({ type: 'Feature', id: row.id, properties: { id: row.id, name: row.name, name_en: row.nameEn }, geometry: row.geometry })),
        };
      } else {
        collection = { type: 'FeatureCollection', features: await districtsFromAssets(config) };
      }
      // Boundaries change rarely; a short private cache spares the wall display a refetch per reload.
      return reply.header('cache-control', 'private, max-age=300').type('application/geo+json').send(JSON.stringify(collection));
    },
  );

  app.get(
    '/api/web/waterways.geojson',
    {
      config: { public: true },
      schema: { tags: ['dashboard'], summary: "The city's river and canals, drawn along the district boundaries they run between" },
    },
    async (_request, reply) => {
      const rows = await listDistrictBoundaries(db);
      const places = rows.length ? rows : (await districtsFromAssets(config)).map((feature) => ({ id: slugify(feature.id), geometry: feature.geometry }));
      const outlines: DistrictOutline[] = [];
      for (const { id, geometry } of places) if (isAreaGeometry(geometry)) outlines.push({ id, geometry });
      const collection = { type: 'FeatureCollection', features: waterwaysAlongBoundaries(outlines) };
      return reply.header('cache-control', 'private, max-age=300').type('application/geo+json').send(JSON.stringify(collection));
    },
  );

  app.get(
    BASEMAP_PATH,
    {
      config: { public: true },
      schema: { tags: ['dashboard'], summary: 'The configured local PMTiles basemap (HTTP range requests)' },
    },
    async (request, reply) => {
      if (!basemapFile || !existsSync(basemapFile)) throw new AppError('no_basemap', 'MAP_PMTILES_FILE is not configured or missing');
      const size = (await stat(basemapFile)).size;
      reply.header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600').type('application/octet-stream');
      const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
      if (!range) return reply.header('content-length', size).send(createReadStream(basemapFile));
      let start = range[1] ? Number(range[1]) : size - Number(range[2]);
      let end = range[1] && range[2] ? Number(range[2]) : size - 1;
      if (!range[1]) start = Math.max(0, start);
      end = Math.min(end, size - 1);
      if (start > end || start >= size) {
        return reply.code(416).header('content-range', `bytes */${size}`).send();
      }
      return reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .header('content-length', end - start + 1)
        .send(createReadStream(basemapFile, { start, end }));
    },
  );
};

interface AssetDistrict {
  type: 'Feature';
  id: string;
  properties: { id: string; name: string; name_en: string | null };
  geometry: unknown;
}

async function districtsFromAssets(places: AssetPlaces): Promise<AssetDistrict[]> {
  const file = findAsset(places, 'geo/hcmc-districts.geojson');
  if (!file) return [];
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { features?: { properties?: { localname?: string }; geometry: unknown }[] };
  return (parsed.features ?? []).map((feature, index) => {
    const name = feature.properties?.localname ?? `#${index + 1}`;
    const known = cityDistrict(slugify(name));
    return { type: 'Feature' as const, id: name, properties: { id: name, name: known?.name ?? name, name_en: known?.nameEn ?? null }, geometry: feature.geometry };
  });
}
