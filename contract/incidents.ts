// An incident is one situation in the city (a flooded street, a crash) that may have many sources:
// alerts from cameras and sensors, hotline calls, later residents' reports. Alerts say what a device
// saw; the incident is what the command room handles. The server and the web read this vocabulary.
import type { AlertSeverity } from './alerts.ts';

export const INCIDENT_KINDS = [
  'flooding',
  'traffic_accident',
  'stalled_vehicle',
  'crowd',
  'fire',
  'infrastructure_fault',
  'public_order',
  'other',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** open → dispatched → on_scene → resolved → closed (resolved can be reopened, with a reason). */
export const INCIDENT_STATES = ['open', 'dispatched', 'on_scene', 'resolved', 'closed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which an incident takes new sources (alerts, calls) and shows on the map. */
export const ACTIVE_INCIDENT_STATES: readonly IncidentState[] = ['open', 'dispatched', 'on_scene'];

/** The phone lines of the command room: police, fire and rescue, ambulance, the city hotline. */
export const HOTLINE_LINES = ['113', '114', '115', '1022', 'other'] as const;
export type HotlineLine = (typeof HOTLINE_LINES)[number];

export interface IncidentView {
  id: number;
  kind: IncidentKind;
  severity: AlertSeverity;
  state: IncidentState;
  /** Who chose the kind: a link rule (a better rule may relabel it) or a person (never relabelled). */
  kindSetBy: 'rule' | 'person';
  title: string;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  address: string;
  openedAt: string;
  updatedAt: string;
  dispatchedAt: string | null;
  onSceneAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  /** Set when an operator merged this incident into another: it is closed and points there. */
  mergedIntoId: number | null;
  alertIds: number[];
  callCount: number;
}

/** One line of an incident's timeline: what was attached or done, by whom, when. */
export interface IncidentTimelineEntry {
  id: number;
  at: string;
  type: string;
  username: string;
  note: string | null;
  data: Record<string, unknown>;
}

export interface HotlineCallView {
  id: number;
  incidentId: number;
  line: HotlineLine;
  callerName: string | null;
  callerNumber: string | null;
  kind: IncidentKind;
  said: string;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  address: string;
  receivedAt: string;
  username: string;
}
