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
