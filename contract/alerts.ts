// The alert as people and other systems see it (REST lists, live events, MQTT copies, replays) and the
// vocabulary it is made of. The server builds the view in SQL (alert_view, migration 0012) and the
// web shows it; both read this one definition. What producers send (triggers, keys, evidence) stays
// in core/alerts/types.ts, which is server-only. No zod here: the web bundles this module; the
// payload schemas are in socket-schemas.ts.

export const ALERT_KINDS = [
  'crowd',
  'stalled_vehicle',
  'wrong_way',
  'congestion',
  'camera_offline',
  'camera_tamper',
  'sensor_level',
  'sensor_rate_of_rise',
  'sensor_offline',
  'sensor_forecast',
  'pump_failure',
  'illegal_parking',
  // Raised by joint rules (contract/joint-rules.ts): a sensor state and camera situations near it together.
  'flooded_road',
  'joint_rule',
  'manual',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_STATES = ['new', 'acknowledged', 'assigned', 'resolved', 'closed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** States in which a new trigger for the same situation updates the alert instead of opening another. */
export const OPEN_STATES: readonly AlertState[] = ['new', 'acknowledged', 'assigned'];

export const ALERT_SOURCE_TYPES = ['camera', 'sensor', 'system'] as const;
export type AlertSourceType = (typeof ALERT_SOURCE_TYPES)[number];

export interface LocalisedText {
  vi: string;
  en: string;
}

/**
 * Why a resolved alert was a false alarm: what the rule saw is normal at this place and hour (a bus stop's
 * evening queue), it took something else for its object (a shadow, a poster), the same situation was
 * already alerted, the device misread, or it was a test.
 */
export const FALSE_ALARM_REASONS = ['normal_here', 'wrong_object', 'duplicate', 'device_fault', 'test', 'other'] as const;
export type FalseAlarmReason = (typeof FALSE_ALARM_REASONS)[number];

/** Alerts judged (resolved) and false alarms among them, for one camera or sensor and one rule. */
export interface AlertPrecisionRow {
  sourceType: AlertSourceType;
  sourceId: string;
  kind: AlertKind;
  resolved: number;
  falseAlarms: number;
  /** Share of resolved alerts that were real; null when none was resolved. */
  precision: number | null;
  /** False alarms by hour of the day they were raised, in the city's time zone (24 counts). */
  falseAlarmsByHour: number[];
  /** Resolved alerts by hour (24 counts). */
  resolvedByHour: number[];
}

/** Zone rules whose threshold a proposal can change, and the threshold's field in each. */
export const TUNABLE_RULES = { crowd: 'minPersons', congestion: 'minVehicles' } as const;
export type TunableRuleKind = keyof typeof TUNABLE_RULES;

/**
 * A change to one camera zone's rule: a higher threshold from `from` to `to` (city time, `to` excluded,
 * over midnight when before `from`), or all day when both are null (the rule's own threshold).
 */
export interface RuleChange {
  cameraId: string;
  zoneId: string;
  kind: TunableRuleKind;
  from: string | null;
  to: string | null;
  threshold: number;
}

/** What a rule change would have done to the alerts resolved in the period, had it been in place. */
export interface RuleChangePreview {
  /** False alarms raised in the change's hours, and those the new threshold would not have raised. */
  falseAlarms: number;
  suppressedFalseAlarms: number;
  /** Real alerts (resolved, not false alarms) in the change's hours, and those it would have missed. */
  realAlerts: number;
  missedRealAlerts: number;
  /** Alerts of those hours stored with no count to compare (raised before counts were kept). */
  uncounted: number;
}

/** A change the system proposes from operators' false alarms; applied only when an engineer approves. */
export interface RuleProposal extends RuleChange {
  cameraName: string;
  /** The threshold the rule holds in those hours today. */
  currentThreshold: number;
  preview: RuleChangePreview;
}

/** Evidence data and images are not part of the view (they can be large): the detail route adds them. */
export interface AlertView {
  id: number;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  source: { type: AlertSourceType; id: string; zoneId: string };
  title: LocalisedText;
  description: LocalisedText;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  firstSeenAt: string;
  lastSeenAt: string;
  occurrences: number;
  assignedTeamId: number | null;
  acknowledgedAt: string | null;
  teamAcknowledgedAt: string | null;
  assignedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  autoCleared: { at: string; reason: LocalisedText | null } | null;
  hasSnapshot: boolean;
  lastEventId: number;
}

/** One change of an alert, numbered in commit order (`eventId`, the clients' resync cursor). */
export interface AlertEventMessage {
  eventId: number;
  type: string;
  at: string;
  actor: { username: string };
  note?: string;
  alert: AlertView;
}

/** The alert left what this client may see (reassigned to another team). */
export interface AlertRemovedMessage {
  eventId: number;
  alertId: number;
}

/** What a (re)connecting client is sent: every open alert it may see, or the changes after its cursor. */
export type AlertsSync =
  | { mode: 'snapshot'; cursor: number; alerts: AlertView[]; truncated: boolean }
  | { mode: 'replay'; cursor: number; events: (AlertEventMessage | AlertRemovedMessage)[] };
