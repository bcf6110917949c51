// REST routes of the response figures (README.md in this folder): the figures per group as JSON and
// as CSV, and the assignments past a deadline now, for the wall. Command room only.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { RouteContext } from '@cityops/core/http/route-context';
import { CAN_VIEW } from '@cityops/contract/roles';
import { figuresCsvLines } from './figures-csv.ts';
import { incidentsOverdueSchema, figuresQuery, responseFiguresSchema } from './figures-schemas.ts';
import { overdueAssignments, responseFigures } from './figures.ts';

export const incidentFigureRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  const tags = ['incidents'];

  app.get(
    '/api/incidents/figures',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags,
        summary: 'Time to acknowledge, to arrive and to resolve (median, p90 in seconds) and deadlines missed, per kind, district or team, for incidents opened in [from, to)',
        querystring: figuresQuery,
        response: { 200: responseFiguresSchema },
      },
    },
    async (request) => responseFigures(db, request.query, request.query.by),
  );

  app.get(
    '/api/incidents/figures.csv',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The response figures as CSV (same query)', querystring: figuresQuery } },
    async (request, reply) => {
      const figures = await responseFigures(db, request.query, request.query.by);
      const day = (iso: string) => iso.slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="response-figures-${figures.by}-${day(figures.from)}-${day(figures.to)}.csv"`)
        .send(Readable.from(figuresCsvLines(figures)));
    },
  );

  app.get(
    '/api/incidents/overdue',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'Active incidents, and the active assignments past their acknowledge or arrive deadline now (the wall)', response: { 200: incidentsOverdueSchema } } },
    async () => overdueAssignments(db),
  );
};
