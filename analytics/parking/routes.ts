// GET /api/parking: every parking zone with its spaces and the vehicles standing in it now (the latest
// minute's sample), at its camera's place, for the map. GET /api/parking/{cameraId}/{zoneId}/series:
// a zone's minute samples for the occupancy chart.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PARKING_FRESH_MINUTES, type ParkingSeriesView, type ParkingZoneView } from '@cityops/contract/parking';
import { CAN_VIEW } from '@cityops/contract/roles';
import { badRequest, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { analysisConfigSchema } from '@cityops/devices/analysis-config';
import { cameraExists } from '@cityops/devices/camera-repository';
import { deviceId } from '@cityops/devices/schemas';
import { camerasWithParking, latestParkingSamples, parkingSeries } from './occupancy-repository.ts';

const HOUR_MS = 3_600_000;
/** A week of minutes (10,080 points) at most per request: the chart's longest period. */
const MAX_SERIES_HOURS = 7 * 24;
const zoneId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)');

const zoneView = z.object({
  cameraId: z.string(),
  cameraName: z.string(),
  zoneId: z.string(),
  zoneName: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  capacity: z.number(),
  occupied: z.number().nullable().describe(`vehicles standing in the zone at the latest sample; null when none in the last ${PARKING_FRESH_MINUTES} minutes`),
  free: z.number().nullable(),
  at: z.string().nullable().describe('start of the sampled minute'),
});

const seriesView = z.object({
  cameraId: z.string(),
  zoneId: z.string(),
  from: z.string(),
  to: z.string(),
  samples: z.array(z.object({ minute: z.string(), occupied: z.number(), capacity: z.number(), frames: z.number() })),
});

export const parkingRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, { db }) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/parking',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['parking'], summary: 'Every parking zone of the enabled cameras: spaces, vehicles standing in it at the latest minute, free spaces, the camera\'s place', response: { 200: z.array(zoneView) } },
    },
    async (): Promise<ParkingZoneView[]> => {
      const cameras = await camerasWithParking(db);
      const since = new Date(Date.now() - PARKING_FRESH_MINUTES * 60_000);
      const latest = new Map((await latestParkingSamples(db, cameras.map((camera) => camera.id), since)).map((sample) => [`${sample.cameraId}/${sample.zoneId}`, sample]));
      const zones: ParkingZoneView[] = [];
      for (const camera of cameras) {
        // Saved configurations were validated; one that no longer parses is skipped, not a failed page.
        const config = analysisConfigSchema.safeParse(camera.analysis);
        if (!config.success) continue;
        for (const zone of config.data.zones) {
          const rule = zone.rules.find((candidate) => candidate.kind === 'parking');
          if (!rule) continue;
          const sample = latest.get(`${camera.id}/${zone.id}`);
          zones.push({
            cameraId: camera.id,
            cameraName: camera.name,
            zoneId: zone.id,
            zoneName: zone.name ?? null,
            lat: camera.lat,
            lon: camera.lon,
            capacity: rule.capacity,
            occupied: sample ? sample.occupied : null,
            free: sample ? Math.max(0, rule.capacity - sample.occupied) : null,
            at: sample ? sample.minute.toISOString() : null,
          });
        }
      }
      return zones;
    },
  );

  app.get(
    '/api/parking/:cameraId/:zoneId/series',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['parking'],
        summary: `A parking zone's minute samples in [from, to) (default the last 24 hours, at most ${MAX_SERIES_HOURS} hours)`,
        params: z.object({ cameraId: deviceId, zoneId }),
        querystring: z.object({
          from: z.coerce.date().optional().describe('ISO 8601; default 24 hours before `to`'),
          to: z.coerce.date().optional().describe('ISO 8601; default now'),
        }),
        response: { 200: seriesView },
      },
    },
    async (request): Promise<ParkingSeriesView> => {
      const { cameraId, zoneId: zone } = request.params;
      const to = request.query.to ?? new Date();
      const from = request.query.from ?? new Date(to.getTime() - 24 * HOUR_MS);
      if (from >= to) throw badRequest('from must be before to', 'from', { reason: 'from_after_to' });
      if (to.getTime() - from.getTime() > MAX_SERIES_HOURS * HOUR_MS) throw badRequest(`at most ${MAX_SERIES_HOURS} hours per request`, 'from', { reason: 'range_too_long', params: { maximum: MAX_SERIES_HOURS, unit: 'hours' } });
      // The camera must exist; the zone need not be a parking zone any more (its history stays readable).
      if (!(await cameraExists(db, cameraId))) throw notFound('camera', cameraId, 'camera not found');
      const samples = await parkingSeries(db, cameraId, zone, from, to);
      return {
        cameraId,
        zoneId: zone,
        from: from.toISOString(),
        to: to.toISOString(),
        samples: samples.map((sample) => ({ minute: sample.minute.toISOString(), occupied: sample.occupied, capacity: sample.capacity, frames: sample.frames })),
      };
    },
  );
};
