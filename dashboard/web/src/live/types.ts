// What the screens derive from the API's shapes (@cityops/contract): the display order of alerts and
// incidents, and each device's live health as the map colours it.
import { ALERT_SEVERITIES, OPEN_STATES, type AlertSeverity, type AlertView } from '@cityops/contract/alerts';
import { ACTIVE_INCIDENT_STATES, type IncidentView } from '@cityops/contract/incidents';

/** The alert as the server sends it, REST and live (dashboard/server/REALTIME.md). */
export type Alert = AlertView;
export type Severity = AlertSeverity;
export const SEVERITIES: Severity[] = [...ALERT_SEVERITIES];
/** Display order: the most severe first (the server's severityRank counts the other way). */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, info: 3 };

/** A device's live state as the map colours it; 'unknown' until the ingest roles report. */
export type DeviceState = 'ok' | 'degraded' | 'offline' | 'level1' | 'level2' | 'level3' | 'disabled' | 'unknown';

export interface DeviceHealth {
  state: DeviceState;
  lastSeenAt?: string | null;
  lastValue?: number | null;
  error?: string | null;
  /** Cameras: why it is not online, as a code to word in the reader's language (server-messages.ts). */
  reason?: string | null;
  /** Cameras: what ffmpeg decodes now, every frame or keyframes only (the cheap tier). */
  decode?: 'all' | 'keyframes' | null;
}

export function sortAlerts(a: Alert, b: Alert): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.lastSeenAt.localeCompare(a.lastSeenAt) || b.id - a.id;
}

export const isOpen = (alert: Alert) => OPEN_STATES.includes(alert.state);

export const isActiveIncident = (incident: IncidentView) => ACTIVE_INCIDENT_STATES.includes(incident.state);

/** Active incidents first, then the most severe, then the newest. */
export function sortIncidents(a: IncidentView, b: IncidentView): number {
  return Number(isActiveIncident(b)) - Number(isActiveIncident(a)) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.openedAt.localeCompare(a.openedAt) || b.id - a.id;
}
