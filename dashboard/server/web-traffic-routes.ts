// Vehicle counts for the dashboard: the last hour's total for the KPI strip and counts per class per
// hour for the traffic view (web-traffic-repository.ts reads them).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAN_VIEW } from '@cityops/contract/roles';
import type { RouteContext } from '@cityops/core/http/route-context';
import { ridersOverHours, vehiclesLastHour, vehiclesPerHour } from './web-traffic-repository.ts';

export const webTrafficRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;

  app.get(
    '/api/web/traffic/last-hour',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['dashboard'], summary: 'Vehicles counted on all counting lines in the last 60 minutes', response: { 200: z.object({ vehicles: z.number() }) } },
    },
    async () => ({ vehicles: await vehiclesLastHour(db) }),
  );

  app.get(
    '/api/web/traffic/hourly',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['dashboard'],
        summary: 'Vehicles per class per hour (both directions), and the riders counted on motorbikes and bicycles over the period, optionally for one camera',
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(24 * 31).default(24), cameraId: z.string().max(64).optional() }),
        response: {
          200: z.object({
            hours: z.array(z.object({ hour: z.string(), class: z.string(), count: z.number() })),
            riders: z.array(z.object({ class: z.string().describe('the vehicle class ridden: motorbike or bicycle'), riders: z.number() })),
          }),
        },
      },
    },
    async (request) => ({
      hours: await vehiclesPerHour(db, request.query.hours, request.query.cameraId),
      riders: await ridersOverHours(db, request.query.hours, request.query.cameraId),
    }),
  );
};
