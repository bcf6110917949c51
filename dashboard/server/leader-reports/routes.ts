// REST routes of the reports for leaders: the stored reports, one made now for a period (audited), and
// each report's PDF and CSV. Command room and leaders (CAN_VIEW); field teams and residents not.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import { badRequest, notFound } from '@cityops/core/errors';
import type { RouteContext } from '@cityops/core/http/route-context';
import { CAN_VIEW } from '@cityops/contract/roles';
import { LEADER_REPORT_KINDS, leaderReportListSchema, leaderReportSchema, REPORT_LANGUAGES } from '@cityops/contract/leader-reports';
import { DAY_PATTERN, periodOf } from './period.ts';
import { listReports, reportFile, saveReport } from './repository.ts';
import { makeReportFiles } from './schedule.ts';

const generateBody = z.object({
  kind: z.enum(LEADER_REPORT_KINDS),
  day: z
    .string()
    .regex(DAY_PATTERN, 'a day as yyyy-mm-dd')
    .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), 'a day that exists')
    .describe('a day of the period, city time: that day, or the week (Monday to Sunday) it falls in'),
  language: z.enum(REPORT_LANGUAGES),
});

const fileParams = z.object({ id: z.coerce.number().int().positive(), format: z.enum(['pdf', 'csv']) });

const CONTENT_TYPES = { pdf: 'application/pdf', csv: 'text/csv; charset=utf-8' } as const;

export const leaderReportRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;
  const tags = ['reports'];

  app.get(
    '/api/leader-reports',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The daily and weekly operations reports made so far, newest period first', response: { 200: leaderReportListSchema } } },
    async () => ({ reports: await listReports(db) }),
  );

  app.post(
    '/api/leader-reports',
    {
      config: { roles: CAN_VIEW },
      schema: { tags, summary: 'Make the report of a day or a week now (replacing one made before for the same period and language)', body: generateBody, response: { 201: z.object({ report: leaderReportSchema }) } },
    },
    async (request, reply) => {
      const period = periodOf(request.body.kind, request.body.day);
      if (period.from.getTime() > Date.now()) throw badRequest('the period has not started yet', 'day', { reason: 'period_not_started' });
      const files = await makeReportFiles(db, period, request.body.language);
      const report = await withTransaction(db, async (tx) => {
        const saved = await saveReport(tx, { kind: period.kind, language: request.body.language, from: period.from, to: period.to, createdBy: request.actor.username, ...files });
        await recordAudit(tx, request.actor, { action: 'generate', entityType: 'leader_report', entityId: String(saved.id), details: { kind: saved.kind, language: saved.language, day: saved.day } });
        return saved;
      });
      return reply.code(201).send({ report });
    },
  );

  app.get(
    '/api/leader-reports/:id/:format',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'A report as PDF or CSV', params: fileParams } },
    async (request, reply) => {
      const file = await reportFile(db, request.params.id, request.params.format);
      if (!file) throw notFound('report', request.params.id, 'report not found');
      const { report } = file;
      const name = `cityops-${report.kind}-report-${report.day}-${report.language}.${request.params.format}`;
      return reply.type(CONTENT_TYPES[request.params.format]).header('content-disposition', `attachment; filename="${name}"`).send(file.bytes);
    },
  );
};
