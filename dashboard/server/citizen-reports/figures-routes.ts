// REST routes of the residents' report figures (README.md in this folder): per category, district or
// agency as JSON and as CSV. Command room only.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteContext } from '@cityops/core/http/route-context';
import { CAN_VIEW } from '@cityops/contract/roles';
import { reportFiguresCsvLines } from './figures-csv.ts';
import { reportFigures } from './figures.ts';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
/** A yearly report fits, a query over the whole history does not. */
const MAX_DAYS = 400;

const figuresQuery = z
  .object({
    from: z.coerce.date().optional().describe(`reports received at or after (ISO 8601); default: ${DEFAULT_DAYS} days before to`),
    to: z.coerce.date().optional().describe('reports received before (ISO 8601); default: now'),
    by: z.enum(['category', 'district', 'agency'], { error: 'group by one of category, district, agency' }).default('category'),
  })
  .transform(({ from, to, by }) => {
    const end = to ?? new Date();
    return { from: from ?? new Date(end.getTime() - DEFAULT_DAYS * DAY_MS), to: end, by };
  })
  .refine((query) => query.from < query.to, { message: 'from must be before to', path: ['from'] })
  .refine((query) => query.to.getTime() - query.from.getTime() <= MAX_DAYS * DAY_MS, { message: `at most ${MAX_DAYS} days at once`, path: ['from'] });

const reportFiguresSchema = z.object({
  from: z.string(),
  to: z.string(),
  by: z.enum(['category', 'district', 'agency']),
  rows: z.array(
    z.object({
      group: z.string(),
      reports: z.number().int(),
      rejected: z.number().int(),
      resolved: z.number().int(),
      medianToAcknowledgeMinutes: z.number().nullable(),
      medianToResolveMinutes: z.number().nullable(),
      ratings: z.number().int(),
      averageStars: z.number().nullable(),
    }),
  ),
});

export const citizenReportFigureRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  const tags = ['citizen reports'];

  app.get(
    '/api/reports/figures',
    {
      config: { roles: CAN_VIEW },
      schema: { tags, summary: 'Residents\' reports received in [from, to) per category, district or agency: rejected, resolved, median minutes to acknowledge and to resolve, ratings', querystring: figuresQuery, response: { 200: reportFiguresSchema } },
    },
    async (request) => reportFigures(db, request.query, request.query.by),
  );

  app.get(
    '/api/reports/figures.csv',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The residents\' report figures as CSV (same query)', querystring: figuresQuery } },
    async (request, reply) => {
      const figures = await reportFigures(db, request.query, request.query.by);
      const day = (iso: string) => iso.slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-figures-${figures.by}-${day(figures.from)}-${day(figures.to)}.csv"`)
        .send(Readable.from(reportFiguresCsvLines(figures)));
    },
  );
};
