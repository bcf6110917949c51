// The alert as people and other systems see it: REST lists, live events, MQTT copies, replay.
// Evidence data and images are not part of it (they can be large): the detail route adds them.
// Built in SQL (alert_view, migration 0012); this type documents it.
import type { AlertKind, AlertSeverity, AlertSourceType, AlertState, LocalisedText } from './types.ts';

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

/**
 * SELECT expression giving the view as JSON (column `view`); `a` is the alerts alias. The view is
 * built by the SQL function alert_view (migration 0012), the one definition used by REST, live
 * events, replays and MQTT copies alike.
 */
export const ALERT_VIEW = 'alert_view(a) AS view';

export const alertViewOf = (row: Record<string, unknown>) => row.view as AlertView;

const SEVERITY_RANK: Record<AlertSeverity, number> = { info: 0, minor: 1, major: 2, critical: 3 };
export const severityRank = (severity: AlertSeverity) => SEVERITY_RANK[severity];

/** States in which a new trigger for the same situation updates the alert instead of opening another. */
export const OPEN_STATES: readonly AlertState[] = ['new', 'acknowledged', 'assigned'];
