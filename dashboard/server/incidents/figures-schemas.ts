// zod schemas of the response figures API: the query every figures route takes, and the answers (also
// the OpenAPI document at /api/docs).
import { z } from 'zod';
import { ALERT_SEVERITIES } from '@cityops/contract/alerts';
import { FIGURE_GROUPINGS, type IncidentsOverdue, type ResponseFigures } from '@cityops/contract/incident-figures';
import { INCIDENT_KINDS } from '@cityops/contract/incidents';

const DAY_MS = 86_400_000;
/** The default period: the last 7 days. */
const DEFAULT_DAYS = 7;
/** A year and a bit: a yearly report fits, a query over the whole history does not. */
const MAX_DAYS = 400;

export const figuresQuery = z
  .object({
    from: z.coerce.date().optional().describe(`incidents opened at or after (ISO 8601); default: ${DEFAULT_DAYS} days before to`),
    to: z.coerce.date().optional().describe('incidents opened before (ISO 8601); default: now'),
    by: z.enum(FIGURE_GROUPINGS, { error: `group by one of ${FIGURE_GROUPINGS.join(', ')}` }).default('kind'),
  })
  .transform(({ from, to, by }) => {
    const end = to ?? new Date();
    return { from: from ?? new Date(end.getTime() - DEFAULT_DAYS * DAY_MS), to: end, by };
  })
  .refine((query) => query.from < query.to, { message: 'from must be before to', path: ['from'] })
  .refine((query) => query.to.getTime() - query.from.getTime() <= MAX_DAYS * DAY_MS, { message: `at most ${MAX_DAYS} days at once`, path: ['from'] });

const duration = z.object({ medianSeconds: z.number().nullable(), p90Seconds: z.number().nullable(), count: z.number().int() });

const figureGroupSchema = z.object({
  key: z.string().nullable().describe('the kind, district id or team id; null: no district, or no team'),
  label: z.string().nullable().describe('the district or team name'),
  incidents: z.number().int(),
  resolved: z.number().int(),
  acknowledge: duration.describe('first assignment → its acknowledgement'),
  arrive: duration.describe('first assignment → its arrival'),
  resolve: duration.describe('opened → resolved'),
  pastAcknowledgeDeadline: z.number().int(),
  pastArriveDeadline: z.number().int(),
  pastDeadline: z.number().int(),
});

export const responseFiguresSchema = z.object({
  from: z.string(),
  to: z.string(),
  by: z.enum(FIGURE_GROUPINGS),
  groups: z.array(figureGroupSchema),
  total: figureGroupSchema,
}) satisfies z.ZodType<ResponseFigures>;

export const incidentsOverdueSchema = z.object({
  at: z.string(),
  activeIncidents: z.number().int(),
  overdue: z.array(
    z.object({
      assignmentId: z.number().int(),
      incidentId: z.number().int(),
      kind: z.enum(INCIDENT_KINDS),
      severity: z.enum(ALERT_SEVERITIES),
      title: z.string(),
      districtId: z.string().nullable(),
      teamId: z.number().int().nullable(),
      teamName: z.string(),
      deadline: z.enum(['acknowledge', 'arrive']),
      dueAt: z.string(),
      overdueSeconds: z.number().int(),
    }),
  ),
}) satisfies z.ZodType<IncidentsOverdue>;
