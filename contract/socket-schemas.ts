// zod schemas of the live protocol's payloads (socket-events.ts), for whoever checks what crosses the
// socket: the server checks what clients send, tests and tools can check what the server sends.
// Each is tied to its type with `satisfies`, so the two cannot drift apart.
import { z } from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_SOURCE_TYPES, ALERT_STATES, type AlertEventMessage, type AlertRemovedMessage, type AlertsSync, type AlertView, type LocalisedText } from './alerts.ts';
import { INCIDENT_KINDS, INCIDENT_STATES, type AssignmentMessage, type AssignmentView, type EscalationNotice, type IncidentView, type UnassignedMessage } from './incidents.ts';
import type {
  AlertsStale,
  AlertsSyncRequest,
  CameraLiveStatus,
  DeviceChange,
  SensorLiveStatus,
  ServerEventName,
  SlotsChanged,
  SocketError,
} from './socket-events.ts';

const localisedText = z.object({ vi: z.string(), en: z.string() }) satisfies z.ZodType<LocalisedText>;
const isoTime = z.string().describe('ISO 8601');

/**
 * The alert view as PostgreSQL builds it (the SQL function alert_view, migration 0012): the API validates
 * and documents its answers with it, and tests/alerts/alert-view.test.ts checks that what PostgreSQL
 * builds matches it key for key.
 */

export const alertViewSchema = z.object({
  id: z.number().int(),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  state: z.enum(ALERT_STATES),
  source: z.object({ type: z.enum(ALERT_SOURCE_TYPES), id: z.string(), zoneId: z.string() }),
  title: localisedText,
  description: localisedText,
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  districtId: z.string().nullable(),
  firstSeenAt: isoTime,
  lastSeenAt: isoTime,
  occurrences: z.number().int(),
  assignedTeamId: z.number().int().nullable(),
  acknowledgedAt: isoTime.nullable(),
  teamAcknowledgedAt: isoTime.nullable(),
  assignedAt: isoTime.nullable(),
  resolvedAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
  autoCleared: z.object({ at: isoTime, reason: localisedText.nullable() }).nullable(),
  hasSnapshot: z.boolean(),
  lastEventId: z.number().int(),
}) satisfies z.ZodType<AlertView>;

export const alertEventMessageSchema = z.object({
  eventId: z.number(),
  type: z.string(),
  at: z.string(),
  actor: z.object({ username: z.string() }),
  note: z.string().optional(),
  alert: alertViewSchema,
}) satisfies z.ZodType<AlertEventMessage>;

export const alertRemovedMessageSchema = z.object({ eventId: z.number(), alertId: z.number() }) satisfies z.ZodType<AlertRemovedMessage>;

export const alertsSyncSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('snapshot'), cursor: z.number(), alerts: z.array(alertViewSchema), truncated: z.boolean() }),
  z.object({ mode: z.literal('replay'), cursor: z.number(), events: z.array(z.union([alertEventMessageSchema, alertRemovedMessageSchema])) }),
]) satisfies z.ZodType<AlertsSync>;

export const alertsStaleSchema = z.object({ reason: z.string() }) satisfies z.ZodType<AlertsStale>;

export const socketErrorSchema = z.object({ code: z.string(), message: z.string(), event: z.string(), field: z.string().optional() }) satisfies z.ZodType<SocketError>;

export const cameraStatusSchema = z.object({
  cameraId: z.string(),
  state: z.enum(['online', 'degraded', 'offline']),
  reason: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
  fps: z.number().optional(),
  picture: z.array(z.string()).optional(),
  liveView: z.boolean().optional(),
  decode: z.enum(['all', 'keyframes']).nullable().optional(),
  since: z.string().optional(),
}) satisfies z.ZodType<CameraLiveStatus>;

export const sensorStatusSchema = z.object({
  id: z.string(),
  sensorId: z.string(),
  state: z.string(),
  lastValue: z.number().nullable().optional(),
  ts: z.string().nullable().optional(),
  lastSeenAt: z.string().nullable().optional(),
  rateCmPerHour: z.number().nullable().optional(),
}) satisfies z.ZodType<SensorLiveStatus>;

export const deviceChangeSchema = z.object({
  type: z.enum(['camera', 'sensor', 'district']),
  id: z.string(),
  change: z.enum(['created', 'updated', 'deleted']),
}) satisfies z.ZodType<DeviceChange>;

export const slotsChangedSchema = z.object({
  slotCount: z.number(),
  slotSource: z.enum(['config', 'measured']),
  roundRobinReserve: z.number(),
  assignments: z.array(z.object({ cameraId: z.string(), reason: z.string(), since: z.string() })),
  added: z.array(z.string()),
  released: z.array(z.object({ cameraId: z.string(), reason: z.string() })),
  notices: z.array(z.object({ code: z.string(), message: z.string() }).loose()),
}) satisfies z.ZodType<SlotsChanged>;

export const incidentViewSchema = z.object({
  id: z.number().int(),
  kind: z.enum(INCIDENT_KINDS),
  severity: z.enum(ALERT_SEVERITIES),
  state: z.enum(INCIDENT_STATES),
  kindSetBy: z.enum(['rule', 'person']),
  title: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  districtId: z.string().nullable(),
  address: z.string(),
  openedAt: isoTime,
  updatedAt: isoTime,
  dispatchedAt: isoTime.nullable(),
  onSceneAt: isoTime.nullable(),
  resolvedAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
  mergedIntoId: z.number().int().nullable(),
  alertIds: z.array(z.number().int()),
  callCount: z.number().int(),
  reportCount: z.number().int(),
}) satisfies z.ZodType<IncidentView>;

export const assignmentViewSchema = z.object({
  id: z.number().int(),
  incidentId: z.number().int(),
  teamId: z.number().int().nullable(),
  teamName: z.string(),
  assignedAt: isoTime,
  assignedBy: z.string(),
  acknowledgeBy: isoTime,
  arriveBy: isoTime,
  acknowledgedAt: isoTime.nullable(),
  acknowledgedBy: z.string().nullable(),
  arrivedAt: isoTime.nullable(),
  escalationSteps: z.number().int(),
  escalatedFor: z.enum(['acknowledge', 'arrive']).nullable(),
  endedAt: isoTime.nullable(),
  endReason: z.string().nullable(),
}) satisfies z.ZodType<AssignmentView>;

export const assignmentMessageSchema = z.object({ assignment: assignmentViewSchema, incident: incidentViewSchema, photoRequired: z.boolean() }) satisfies z.ZodType<AssignmentMessage>;
export const unassignedMessageSchema = z.object({ assignmentId: z.number().int(), incidentId: z.number().int(), reason: z.string() }) satisfies z.ZodType<UnassignedMessage>;
export const escalationNoticeSchema = z.object({
  id: z.number().int(),
  step: z.enum(['remind', 'supervisor', 'next_team', 'team_deleted']),
  deadline: z.enum(['acknowledge', 'arrive']).nullable(),
  assignment: assignmentViewSchema,
  incidentId: z.number().int(),
  dueAt: isoTime,
  proposedTeam: z.object({ teamId: z.number().int(), name: z.string(), distanceM: z.number().nullable() }).nullable().optional(),
}) satisfies z.ZodType<EscalationNotice>;

/** Every server → client event's payload schema. */
export const serverEventSchemas = {
  'alert:event': alertEventMessageSchema,
  'alert:removed': alertRemovedMessageSchema,
  'alerts:sync': alertsSyncSchema,
  'alerts:stale': alertsStaleSchema,
  'app:error': socketErrorSchema,
  'camera:status': cameraStatusSchema,
  'sensor:status': sensorStatusSchema,
  'devices:changed': deviceChangeSchema,
  'slots:changed': slotsChangedSchema,
  'incident:changed': incidentViewSchema,
  'incident:assignment': assignmentMessageSchema,
  'incident:unassigned': unassignedMessageSchema,
  'incident:escalation': escalationNoticeSchema,
} satisfies Record<ServerEventName, z.ZodType>;

/** An alert eventId a client has applied everything up to (the handshake's `alertsCursor`). */
export const alertsCursorSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The `alerts:sync` request; anything else in it is refused. */
export const alertsSyncRequestSchema = z.object({ after: alertsCursorSchema.optional() }).strict() satisfies z.ZodType<AlertsSyncRequest>;
