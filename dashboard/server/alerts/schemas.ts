// zod schemas of the alerts API: request validation and the OpenAPI document at /api/docs. The alert
// view itself is contract/socket-schemas.ts (what PostgreSQL builds and every channel carries).
import { z } from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_SOURCE_TYPES, ALERT_STATES, FALSE_ALARM_REASONS, TUNABLE_RULES, type AlertPrecisionRow, type RuleChange, type RuleChangePreview, type RuleProposal } from '@cityops/contract/alerts';
import { localisedText, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS } from '@cityops/core/alerts/trigger-schema';
import { alertViewSchema } from '@cityops/contract/socket-schemas';

const time = z.string().describe('ISO 8601');

export const alertDetailSchema = alertViewSchema.extend({
  evidence: z.record(z.string(), z.unknown()),
  /** Set when it was resolved as a false alarm. */
  falseAlarmReason: z.enum(FALSE_ALARM_REASONS).nullable(),
  history: z.array(
    z.object({
      eventId: z.number().int(),
      at: time,
      type: z.string(),
      fromState: z.enum(ALERT_STATES).nullable(),
      toState: z.enum(ALERT_STATES),
      username: z.string(),
      note: z.string().nullable(),
      teamId: z.number().int().nullable(),
    }),
  ),
  notes: z.array(z.object({ id: z.number().int(), at: time, username: z.string(), text: z.string() })),
  photos: z.array(
    z.object({ id: z.number().int(), at: time, username: z.string().nullable(), contentType: z.string(), width: z.number().nullable(), height: z.number().nullable() }),
  ),
});

const byHour = z.array(z.number().int()).length(24);
export const alertPrecisionRowSchema = z.object({
  sourceType: z.enum(ALERT_SOURCE_TYPES),
  sourceId: z.string(),
  kind: z.enum(ALERT_KINDS),
  resolved: z.number().int(),
  falseAlarms: z.number().int(),
  precision: z.number().nullable(),
  falseAlarmsByHour: byHour,
  resolvedByHour: byHour,
}) satisfies z.ZodType<AlertPrecisionRow>;

export const alertEventSchema = z.object({
  eventId: z.number().int(),
  type: z.string(),
  at: time,
  actor: z.object({ username: z.string() }),
  note: z.string().optional(),
  alert: alertViewSchema,
});

/** `a,b,c` in a query string → a checked list. */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

export const alertFilterQuery = z.object({
  state: listOf(ALERT_STATES).describe('comma-separated states'),
  kind: listOf(ALERT_KINDS).describe('comma-separated kinds'),
  severity: listOf(ALERT_SEVERITIES).describe('comma-separated severities'),
  district: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9-]{1,64}$/)))
    .optional()
    .describe('comma-separated district ids'),
  teamId: z.coerce.number().int().positive().optional(),
  from: z.coerce.date().optional().describe('first seen at or after (ISO 8601)'),
  to: z.coerce.date().optional().describe('first seen before (ISO 8601)'),
});

export const alertListQuery = alertFilterQuery.extend({
  before: z.coerce.number().int().positive().optional().describe('next page: the previous answer\'s nextBefore'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const alertIdParams = z.object({ id: z.coerce.number().int().positive() });

export const noteBody = (maxChars: number) =>
  z.object({ note: z.string().trim().max(maxChars, `at most ${maxChars} characters`).optional() });

export const manualAlertBody = z.object({
  kind: z.enum(ALERT_KINDS).default('manual'),
  severity: z.enum(ALERT_SEVERITIES),
  title: localisedText(MAX_TITLE_CHARS),
  description: localisedText(MAX_DESCRIPTION_CHARS).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  districtId: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
  source: z
    .object({ type: z.enum(['camera', 'sensor']), id: z.string().min(1).max(128), zoneId: z.string().max(128).default('') })
    .optional()
    .describe('the device concerned, if any: its location is used; when its situation already has an open alert, the report is added to it as a note (severity only rises) instead of rewriting it'),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a clock time HH:MM (00:00-23:59)');
export const ruleChangeSchema = z
  .object({
    cameraId: z.string().min(1).max(64),
    zoneId: z.string().min(1).max(64),
    kind: z.enum(Object.keys(TUNABLE_RULES) as [keyof typeof TUNABLE_RULES]),
    from: clockTime.nullable().describe('city time; null with `to` null: all day (the rule\'s own threshold)'),
    to: clockTime.nullable(),
    threshold: z.number().int().min(1).max(10_000),
  })
  .refine((change) => (change.from === null) === (change.to === null), { message: 'give both from and to, or neither (all day)', path: ['to'] })
  .refine((change) => change.from === null || change.from !== change.to, { message: 'an hour range needs a different start and end', path: ['to'] }) satisfies z.ZodType<RuleChange>;

export const ruleChangePreviewSchema = z.object({
  falseAlarms: z.number().int(),
  suppressedFalseAlarms: z.number().int(),
  realAlerts: z.number().int(),
  missedRealAlerts: z.number().int(),
  uncounted: z.number().int(),
}) satisfies z.ZodType<RuleChangePreview>;

export const ruleProposalSchema = z.object({
  cameraId: z.string(),
  cameraName: z.string(),
  zoneId: z.string(),
  kind: z.enum(Object.keys(TUNABLE_RULES) as [keyof typeof TUNABLE_RULES]),
  from: z.string().nullable(),
  to: z.string().nullable(),
  threshold: z.number().int(),
  currentThreshold: z.number().int(),
  preview: ruleChangePreviewSchema,
}) satisfies z.ZodType<RuleProposal>;
