// GET /api/sensors/{id}/forecast: a tide gauge's latest forecast as the sensors page draws it: the model's
// summary, the alarm levels it expects and when, the highest water, and the predicted levels from a
// day before the forecast (to lay against what was measured) to 48 hours after it.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAN_VIEW } from '@cityops/contract/roles';
import type { TideForecastView } from '@cityops/contract/tide-forecast';
import { badRequest, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { deviceId } from '@cityops/devices/schemas';
import { predictSeries } from './harmonics.ts';
import { loadForecast } from './repository.ts';

const HOUR_MS = 3_600_000;
const MAX_POINTS = 2000;
const DEFAULT_POINTS = 600;

const forecastView = z.object({
  sensorId: z.string(),
  madeAt: z.string().nullable(),
  reason: z.string().nullable(),
  timeFactor: z.number(),
  model: z
    .object({
      fittedFrom: z.string(),
      fittedTo: z.string(),
      samples: z.number(),
      outliers: z.number(),
      residualRmsCm: z.number(),
      constituents: z.array(z.object({ name: z.string(), amplitude: z.number(), phase: z.number(), inferredFrom: z.string().optional() })),
    })
    .nullable(),
  expectedLevels: z.array(z.object({ level: z.union([z.literal(1), z.literal(2), z.literal(3)]), at: z.string() })),
  peak: z.object({ at: z.string(), level: z.number() }).nullable(),
  horizonUntil: z.string().nullable(),
  points: z.array(z.object({ at: z.string(), level: z.number() })),
});

export const tideForecastRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, { db }) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/sensors/:id/forecast',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags: ['sensors'],
        summary: 'A tide gauge\'s harmonic forecast: expected alarm levels and times, the highest water, and predicted levels from `from` (default: a day before it was made) to 48 h ahead',
        params: z.object({ id: deviceId }),
        querystring: z.object({
          from: z.coerce.date().optional().describe('first predicted point (ISO 8601); default a day (of tide time) before the forecast was made'),
          points: z.coerce.number().int().min(2).max(MAX_POINTS).default(DEFAULT_POINTS).describe('about this many points'),
        }),
        response: { 200: forecastView },
      },
    },
    async (request): Promise<TideForecastView> => {
      const sensor = await db.query(`SELECT kind FROM sensors WHERE id = $1`, [request.params.id]);
      if (!sensor.rowCount) throw notFound('sensor', request.params.id, 'sensor not found');
      if (sensor.rows[0].kind !== 'tide_level') throw badRequest('forecasts are made for tide gauges (kind tide_level) only', 'id', { reason: 'not_tide_gauge', params: { id: request.params.id } });
      const stored = await loadForecast(db, request.params.id);
      const empty = { sensorId: request.params.id, model: null, expectedLevels: [], peak: null, points: [] };
      if (!stored) return { ...empty, madeAt: null, reason: 'no forecast yet: the forecaster has not run for this gauge', timeFactor: 1, horizonUntil: null };
      const { model } = stored;
      const base = { sensorId: request.params.id, madeAt: stored.madeAt.toISOString(), reason: stored.reason, horizonUntil: stored.horizonUntil.toISOString(), expectedLevels: stored.expectedLevels, peak: stored.peak };
      if (!model) return { ...base, timeFactor: 1, model: null, points: [] };
      const to = stored.horizonUntil.getTime();
      const from = request.query.from?.getTime() ?? stored.madeAt.getTime() - (24 * HOUR_MS) / model.timeFactor;
      if (from >= to) throw badRequest('from must be before the forecast\'s horizon', 'from', { reason: 'from_after_horizon' });
      const step = Math.max(1000, Math.ceil((to - from) / request.query.points));
      return {
        ...base,
        timeFactor: model.timeFactor,
        model: {
          fittedFrom: new Date(model.fittedFrom).toISOString(),
          fittedTo: new Date(model.fittedTo).toISOString(),
          samples: model.samples,
          outliers: model.outliers,
          residualRmsCm: Math.round(model.residualRms * 1000) / 10,
          constituents: model.constituents.map(({ name, amplitude, phase, inferredFrom }) => ({ name, amplitude: Math.round(amplitude * 1000) / 1000, phase: Math.round(phase * 10) / 10, ...(inferredFrom ? { inferredFrom } : {}) })),
        },
        points: predictSeries(model, from, to, step).map((point) => ({ at: new Date(point.at).toISOString(), level: Math.round(point.level * 1000) / 1000 })),
      };
    },
  );
};
