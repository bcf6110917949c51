// Vehicle counts for the dashboard: the last hour's total for the KPI strip and counts per class per
// hour for the traffic view, read from traffic_counts / traffic_hourly (written by vision analytics).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAN_VIEW } from '@cityops/contract/roles';
import type { ApiContext } from './context.ts';

/** COCO classes that are vehicles; persons crossing a line are not traffic. */
export const VEHICLE_CLASSES = ['car', 'motorcycle', 'motorbike', 'bus', 'truck', 'bicycle'];

export const webTrafficRoutes: FastifyPluginAsync<ApiContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;

  app.get(
    '/api/web/traffic/last-hour',
    {
      config: { roles: CAN_VIEW },
      schema: { tags: ['dashboard'], summary: 'Vehicles counted on all counting lines in the last 60 minutes', response: { 200: z.object({ vehicles: z.number() }) } },
    },
    async () => {
      const result = await db.query(
        `SELECT coalesce(sum(count), 0)::bigint AS vehicles FROM traffic_counts WHERE minute >= now() - interval '60 minutes' AND class = ANY($1)`,
        [VEHICLE_CLASSES],
      );
      return { vehicles: Number(result.rows[0].vehicles) };
    },
  );

  app.get(
    '/api/web/traffic/hourly',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['dashboard'],
        summary: 'Vehicles per class per hour (both directions), optionally for one camera',
        querystring: z.object({ hours: z.coerce.number().int().min(1).max(24 * 31).default(24), cameraId: z.string().max(64).optional() }),
        response: { 200: z.object({ hours: z.array(z.object({ hour: z.string(), class: z.string(), count: z.number() })) }) },
      },
    },
    async (request) => {
      const { hours, cameraId } = request.query;
      const result = await db.query(
        `SELECT hour, class, sum(count)::bigint AS count FROM traffic_hourly
          WHERE hour >= date_trunc('hour', now()) - make_interval(hours => $1 - 1) AND class = ANY($2) AND ($3::text IS NULL OR camera_id = $3)
          GROUP BY hour, class ORDER BY hour, class`,
        [hours, VEHICLE_CLASSES, cameraId ?? null],
      );
      return { hours: result.rows.map((row) => ({ hour: (row.hour as Date).toISOString(), class: String(row.class), count: Number(row.count) })) };
    },
  );
};
