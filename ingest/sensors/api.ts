// REST routes for sensor data: chart series (downsampled), latest state of every sensor, CSV export, and
// the dead letters for engineers. Registered in apps/routes.ts. Registry CRUD lives in
// devices/api.ts; these routes only read what ingest wrote.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAN_ENGINEER, CAN_VIEW } from '@cityops/contract/roles';
import { AppError, badRequest, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { deviceId } from '@cityops/devices/schemas';
import { sensorUnit } from '@cityops/devices/sensor-repository';
import { DEAD_LETTER_REASONS } from './payload.ts';
import { bucketSecondsFor, latestSensorStates, listDeadLetters, readingSeries, readingsCsv } from './reading-queries.ts';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 800;

const isoTime = z.iso.datetime({ offset: true }).describe('ISO-8601 with a zone, e.g. 2025-10-01T00:00:00Z');
const rangeQuery = z.object({
  from: isoTime.optional().describe('default: 24 hours before `to`'),
  to: isoTime.optional().describe('default: now'),
});

function resolveRange(query: { from?: string; to?: string }, defaultSpanMs = DAY_MS): { fromMs: number; toMs: number } {
  const toMs = query.to ? Date.parse(query.to) : Date.now();
  const fromMs = query.from ? Date.parse(query.from) : toMs - defaultSpanMs;
  if (fromMs >= toMs) throw badRequest('from must be before to', 'from', { reason: 'from_after_to' });
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY_MS) throw badRequest(`at most ${MAX_RANGE_DAYS} days per request`, 'from', { reason: 'range_too_long', params: { maximum: MAX_RANGE_DAYS, unit: 'days' } });
  return { fromMs, toMs };
}

const seriesPoint = z.object({ bucket: z.string(), min: z.number(), avg: z.number(), max: z.number(), sum: z.number(), count: z.number() });
const latestState = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  unit: z.string(),
  districtId: z.string().nullable(),
  state: z.string(),
  lastValue: z.number().nullable(),
  ts: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  statusChangedAt: z.string().nullable(),
  rateCmPerHour: z.number().nullable(),
});
const deadLetterView = z.object({
  id: z.string(),
  receivedAt: z.string(),
  topic: z.string(),
  sensorId: z.string().nullable(),
  reason: z.string(),
  detail: z.string(),
  payloadText: z.string(),
  payloadBytes: z.number(),
});

export const sensorDataRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, caps } = context;

  async function requireSensor(id: string): Promise<{ unit: string }> {
    const unit = await sensorUnit(db, id);
    if (unit === undefined) throw notFound('sensor', id);
    return { unit };
  }

  app.get(
    '/api/sensors/latest',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['sensors'],
        summary: 'Latest value, last seen time and status (ok, level1-3, offline, disabled, unknown) of every sensor',
        response: { 200: z.object({ sensors: z.array(latestState) }) },
      },
    },
    async () => ({ sensors: await latestSensorStates(db) }),
  );

  app.get(
    '/api/sensors/dead-letters',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['sensors'],
        summary:
          'Messages that did not become readings, newest first, with the reason and an excerpt of the payload; notStored counts, per device and reason, refusals over the hourly dead-letter quota',
        querystring: rangeQuery.extend({
          sensorId: deviceId.optional(),
          reason: z.enum(DEAD_LETTER_REASONS).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({
            deadLetters: z.array(deadLetterView),
            countsByReason: z.record(z.string(), z.number()),
            notStored: z.array(z.object({ sensorId: z.string().nullable(), reason: z.string(), count: z.number() })),
          }),
        },
      },
    },
    async (request) => {
      const { fromMs, toMs } = resolveRange(request.query);
      return listDeadLetters(db, { ...request.query, fromMs, toMs });
    },
  );

  app.get(
    '/api/sensors/:id/readings',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['sensors'],
        summary: 'Readings for a chart: min / avg / max / sum per time bucket (time_bucket on TimescaleDB, date_bin otherwise)',
        params: z.object({ id: deviceId }),
        querystring: rangeQuery.extend({
          buckets: z.coerce.number().int().min(1).max(5000).default(240).describe('about this many points'),
          bucketSeconds: z.coerce.number().int().min(1).max(30 * 86_400).optional().describe('fixed bucket width instead of `buckets`'),
        }),
        response: {
          200: z.object({ sensorId: z.string(), unit: z.string(), from: z.string(), to: z.string(), bucketSeconds: z.number(), points: z.array(seriesPoint) }),
        },
      },
    },
    async (request) => {
      const { unit } = await requireSensor(request.params.id);
      const { fromMs, toMs } = resolveRange(request.query);
      const bucketSeconds = request.query.bucketSeconds ?? bucketSecondsFor(fromMs, toMs, request.query.buckets);
      if ((toMs - fromMs) / 1000 / bucketSeconds > 20_000) throw badRequest('more than 20 000 buckets: choose a wider bucketSeconds', 'bucketSeconds', { reason: 'too_many_buckets', params: { maximum: 20_000 } });
      const points = await readingSeries(db, caps, request.params.id, fromMs, toMs, bucketSeconds);
      return { sensorId: request.params.id, unit, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), bucketSeconds, points };
    },
  );

  app.get(
    '/api/sensors/:id/readings.csv',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['sensors'],
        summary: 'CSV export: every reading (sensor_id, ts, value, seq, battery, received_at), or min/avg/max per bucket with bucketSeconds',
        params: z.object({ id: deviceId }),
        querystring: rangeQuery.extend({ bucketSeconds: z.coerce.number().int().min(1).max(30 * 86_400).optional() }),
      },
    },
    async (request, reply) => {
      await requireSensor(request.params.id);
      const { fromMs, toMs } = resolveRange(request.query);
      const stream = await readingsCsv(db, caps, request.params.id, fromMs, toMs, request.query.bucketSeconds).catch((error: Error) => {
        throw new AppError('unavailable', `export could not start: ${error.message}`);
      });
      const name = `${request.params.id}_${new Date(fromMs).toISOString().slice(0, 10)}_${new Date(toMs).toISOString().slice(0, 10)}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(stream);
    },
  );
};
