// The audit log for administrators: search by user, action, entity and time, page back, and export
// what a search finds as CSV (for an inspector or the police). Exporting is itself audited.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditVocabulary, queryAudit, recordAudit, type AuditFilter, type AuditRecord } from '@cityops/core/audit';
import { ADMIN_ONLY } from '@cityops/contract/roles';
import type { RouteContext } from '@cityops/core/http/route-context';
import { csvCell } from './alerts/csv.ts';

const filterQuery = z.object({
  username: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
});
/** Rows read per query while exporting: the export streams, whatever the log's size. */
const EXPORT_PAGE = 1000;
const CSV_COLUMNS = ['id', 'at', 'username', 'user_id', 'source_address', 'action', 'entity_type', 'entity_id', 'details'] as const;

const csvLine = (entry: AuditRecord) =>
  `${[entry.id, entry.at, entry.username, entry.userId, entry.sourceAddress, entry.action, entry.entityType, entry.entityId, JSON.stringify(entry.details ?? {})].map(csvCell).join(',')}\r\n`;

/** Empty text fields of a form mean "any". */
function filterOf(query: z.infer<typeof filterQuery>): AuditFilter {
  const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  return { username: text(query.username), action: text(query.action), entityType: text(query.entityType), entityId: text(query.entityId), since: query.since, until: query.until };
}

export const auditRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db } = context;

  app.get(
    '/api/audit',
    {
      config: { roles: ADMIN_ONLY },
      schema: {
        tags: ['audit'],
        summary: 'The append-only audit log, newest first; `beforeId` gives the next page',
        querystring: filterQuery.extend({ beforeId: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
      },
    },
    async (request) => ({ entries: await queryAudit(db, { ...filterOf(request.query), beforeId: request.query.beforeId, limit: request.query.limit }) }),
  );

  app.get(
    '/api/audit/vocabulary',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['audit'], summary: 'Actions and entity types of recent entries, as filter suggestions' } },
    async () => auditVocabulary(db),
  );

  app.get(
    '/api/audit/export.csv',
    { config: { roles: ADMIN_ONLY }, schema: { tags: ['audit'], summary: 'Every entry a search finds, as CSV (newest first); the export is audited', querystring: filterQuery } },
    async (request, reply) => {
      const filter = filterOf(request.query);
      await recordAudit(db, request.actor, { action: 'export', entityType: 'audit_log', details: { filter } });
      async function* lines() {
        yield `${CSV_COLUMNS.join(',')}\r\n`;
        let beforeId: number | undefined;
        for (;;) {
          const page = await queryAudit(db, { ...filter, beforeId, limit: EXPORT_PAGE });
          for (const entry of page) yield csvLine(entry);
          if (page.length < EXPORT_PAGE) return;
          beforeId = Number(page[page.length - 1].id);
        }
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.csv"`)
        .send(Readable.from(lines()));
    },
  );
};
