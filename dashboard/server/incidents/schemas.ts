// zod schemas of the incidents API: request checks and the OpenAPI document at /api/docs. The incident
// view itself is contract/socket-schemas.ts (REST and the live event carry the same).
import { z } from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES } from '@cityops/contract/alerts';
import { ESCALATION_STEPS, HOTLINE_LINES, INCIDENT_KINDS, INCIDENT_STATES, type DispatchCandidate, type DispatchPolicyRule, type DispatchPolicyView, type HotlineCallView } from '@cityops/contract/incidents';
import type { LinkRule } from './link-rules.ts';

const NOTE_MAX = 4000;
const districtId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a district id: lower-case letters, digits and -');
const id = z.number().int().positive();

/** `a,b,c` in a query string → a checked list. */
const listOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

export const idParams = z.object({ id: z.coerce.number().int().positive() });

export const incidentListQuery = z.object({
  state: listOf(INCIDENT_STATES).describe('comma-separated states'),
  kind: listOf(INCIDENT_KINDS).describe('comma-separated kinds'),
  district: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(districtId))
    .optional()
    .describe('comma-separated district ids'),
  before: z.coerce.number().int().positive().optional().describe('next page: the previous answer\'s nextBefore'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const nearbyQuery = z
  .object({
    lat: z.coerce.number().min(-90).max(90).optional(),
    lon: z.coerce.number().min(-180).max(180).optional(),
    districtId: districtId.optional(),
    radiusM: z.coerce.number().int().min(10).max(20000).default(1000),
  })
  .refine((query) => (query.lat === undefined) === (query.lon === undefined), { message: 'give both lat and lon, or neither', path: ['lat'] })
  .refine((query) => query.lat !== undefined || query.districtId !== undefined, { message: 'give a point (lat, lon) or a district', path: ['lat'] });

const place = {
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  districtId: districtId.optional(),
  address: z.string().trim().max(300).optional(),
};

const kind = z.enum(INCIDENT_KINDS, { error: `choose what it is about: one of ${INCIDENT_KINDS.join(', ')}` });

export const newIncidentBody = z.object({
  kind,
  severity: z.enum(ALERT_SEVERITIES),
  title: z.string().trim().max(200).optional(),
  note: z.string().trim().max(NOTE_MAX).optional(),
  alertIds: z.array(id).max(100).optional(),
  ...place,
});

export const editBody = z
  .object({
    kind: kind.optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    title: z.string().trim().max(200).optional(),
    place: z.object(place).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'change at least one of kind, severity, title, place' });

export const stateBody = z.object({
  state: z.enum(INCIDENT_STATES),
  note: z.string().trim().max(NOTE_MAX).optional().describe('required to reopen (state open): why'),
});

export const noteBody = z.object({ note: z.string().trim().min(1, 'a note needs text').max(NOTE_MAX) });
export const linkAlertsBody = z.object({ alertIds: z.array(id).min(1).max(100) });
export const mergeBody = z.object({ incidentIds: z.array(id).min(1).max(50), note: z.string().trim().max(NOTE_MAX).optional() });
export const splitBody = z.object({
  alertIds: z.array(id).max(100).default([]),
  callIds: z.array(id).max(100).default([]),
  kind: kind.optional(),
  note: z.string().trim().max(NOTE_MAX).optional(),
});

export const callBody = z.object({
  line: z.enum(HOTLINE_LINES, { error: `the line the call came in on: one of ${HOTLINE_LINES.join(', ')}` }),
  callerName: z.string().trim().max(100).optional(),
  callerNumber: z
    .string()
    .trim()
    .regex(/^[+0-9 ()-]{0,40}$/, 'a phone number: digits, spaces, + ( ) -')
    .optional(),
  kind,
  said: z.string().trim().min(1, 'write down what the caller said').max(NOTE_MAX),
  severity: z.enum(ALERT_SEVERITIES).optional(),
  incidentId: id.optional().describe('the nearby incident this call is about; leave out to open a new one'),
  ...place,
});

const time = z.string().describe('ISO 8601');

export const timelineEntrySchema = z.object({ id: z.number().int(), at: time, type: z.string(), username: z.string(), note: z.string().nullable(), data: z.record(z.string(), z.unknown()) });

export const hotlineCallSchema = z.object({
  id: z.number().int(),
  incidentId: z.number().int(),
  line: z.enum(HOTLINE_LINES),
  callerName: z.string().nullable(),
  callerNumber: z.string().nullable(),
  kind: z.enum(INCIDENT_KINDS),
  said: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  districtId: z.string().nullable(),
  address: z.string(),
  receivedAt: time,
  username: z.string(),
}) satisfies z.ZodType<HotlineCallView>;

export const linkRuleBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    rank: z.number().int().min(0).max(10000),
    incidentKind: z.enum(INCIDENT_KINDS),
    alertKinds: z.array(z.enum(ALERT_KINDS)).min(1),
    openingKinds: z.array(z.enum(ALERT_KINDS)).default([]),
    openMinSeverity: z.enum(ALERT_SEVERITIES).default('info'),
    distanceM: z.number().int().min(1).max(50000),
    windowMinutes: z.number().int().min(1).max(10080),
    enabled: z.boolean().default(true),
  })
  .refine((rule) => rule.openingKinds.every((kind) => rule.alertKinds.includes(kind)), { message: 'openingKinds must be among alertKinds', path: ['openingKinds'] });

export const linkRuleSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  rank: z.number().int(),
  incidentKind: z.enum(INCIDENT_KINDS),
  alertKinds: z.array(z.enum(ALERT_KINDS)),
  openingKinds: z.array(z.enum(ALERT_KINDS)),
  openMinSeverity: z.enum(ALERT_SEVERITIES),
  distanceM: z.number().int(),
  windowMinutes: z.number().int(),
  enabled: z.boolean(),
}) satisfies z.ZodType<LinkRule>;

export const assignBody = z.object({
  teamId: id,
  replace: z.boolean().default(false).describe('send this team instead of the one assigned now'),
  note: z.string().trim().max(NOTE_MAX).optional(),
});

export const dutyBody = z.object({ onDuty: z.boolean() });

export const positionBody = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().min(0).max(100000).optional(),
  measuredAt: z.coerce.date().optional().describe('when the phone measured it (default: now)'),
});

export const candidateSchema = z.object({
  teamId: z.number().int(),
  name: z.string(),
  handlesKind: z.boolean(),
  busy: z.number().int(),
  distanceM: z.number().nullable(),
  bearingDeg: z.number().nullable(),
  positionAt: z.string().nullable(),
}) satisfies z.ZodType<DispatchCandidate>;

export const policySchema = z.object({
  acknowledgeSeconds: z.number().int(),
  arriveSeconds: z.number().int(),
  stepSeconds: z.number().int(),
  ladder: z.array(z.enum(ESCALATION_STEPS)),
  requiresPhoto: z.boolean(),
}) satisfies z.ZodType<DispatchPolicyView>;

const policyKind = z.enum([...INCIDENT_KINDS, '*'], { error: `an incident kind or * (any kind): one of ${INCIDENT_KINDS.join(', ')}, *` });
const ladderStep = z.enum(ESCALATION_STEPS, { error: `a ladder step: one of ${ESCALATION_STEPS.join(', ')}` });

// Bounds are the table's checks (migration 0071), said in words a person can act on.
export const dispatchPolicyBody = z
  .object({
    kind: policyKind,
    severity: z.enum(ALERT_SEVERITIES).nullable().describe('null: any severity'),
    acknowledgeSeconds: z.number().int().min(5, 'at least 5 seconds').max(86400, 'at most a day (86400 seconds)'),
    arriveSeconds: z.number().int().min(30, 'at least 30 seconds').max(604800, 'at most a week (604800 seconds)'),
    stepSeconds: z.number().int().min(5, 'at least 5 seconds').max(86400, 'at most a day (86400 seconds)').describe('between two steps of the ladder'),
    ladder: z
      .array(ladderStep)
      .min(1, 'keep at least one step: a missed deadline must do something')
      .refine((ladder) => new Set(ladder).size === ladder.length, 'each step at most once')
      .refine((ladder) => ladder.every((step, index) => index === 0 || ESCALATION_STEPS.indexOf(step) > ESCALATION_STEPS.indexOf(ladder[index - 1])), `steps in the order ${ESCALATION_STEPS.join(', ')}`),
    requiresPhoto: z.boolean().default(false).describe('resolving needs a photo of the fix taken since the team was sent'),
  })
  .refine((policy) => policy.arriveSeconds >= policy.acknowledgeSeconds, { message: 'the arrive deadline cannot come before the acknowledge deadline', path: ['arriveSeconds'] });

export const dispatchPolicyRuleSchema = z.object({
  id: z.number().int(),
  kind: policyKind,
  severity: z.enum(ALERT_SEVERITIES).nullable(),
  acknowledgeSeconds: z.number().int(),
  arriveSeconds: z.number().int(),
  stepSeconds: z.number().int(),
  ladder: z.array(ladderStep),
  requiresPhoto: z.boolean(),
}) satisfies z.ZodType<DispatchPolicyRule>;
