// The alert as people and other systems see it: REST lists, live events, MQTT copies, replay.
// Evidence data and images are not part of it (they can be large): the detail route adds them.
// PostgreSQL builds it (the SQL function alert_view, migration 0012) so that a change, its live
// message and its MQTT copy carry the same view. This schema is its one TypeScript definition: the
// type is inferred from it, the API validates and documents its answers with it, and
// tests/alerts/alert-view.test.ts checks that what PostgreSQL builds matches it, key for key.
// Browser-safe on purpose: zod and ./types.ts only.
import { z } from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_SOURCE_TYPES, ALERT_STATES } from './types.ts';

const localised = z.object({ vi: z.string(), en: z.string() });
const time = z.string().describe('ISO 8601');

export const alertViewSchema = z.object({
  id: z.number().int(),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  state: z.enum(ALERT_STATES),
  source: z.object({ type: z.enum(ALERT_SOURCE_TYPES), id: z.string(), zoneId: z.string() }),
  title: localised,
  description: localised,
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  districtId: z.string().nullable(),
  firstSeenAt: time,
  lastSeenAt: time,
  occurrences: z.number().int(),
  assignedTeamId: z.number().int().nullable(),
  acknowledgedAt: time.nullable(),
  teamAcknowledgedAt: time.nullable(),
  assignedAt: time.nullable(),
  resolvedAt: time.nullable(),
  closedAt: time.nullable(),
  autoCleared: z.object({ at: time, reason: localised.nullable() }).nullable(),
  hasSnapshot: z.boolean(),
  lastEventId: z.number().int(),
});

export type AlertView = z.infer<typeof alertViewSchema>;
