// An incident is one situation in the city (a flooded street, a crash) that may have many sources:
// alerts from cameras and sensors, hotline calls, later residents' reports. Alerts say what a device
// saw; the incident is what the command room handles. The server and the web read this vocabulary.
import type { AlertKind, AlertSeverity } from './alerts.ts';

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
  /** Residents' reports it holds (not those operators rejected): "also reported by 3 residents". */
  reportCount: number;
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

/** A team sent to an incident, with its deadlines and answers. One is active per incident at a time. */
export interface AssignmentView {
  id: number;
  incidentId: number;
  /** null once the team was deleted (its name stays). */
  teamId: number | null;
  teamName: string;
  assignedAt: string;
  assignedBy: string;
  acknowledgeBy: string;
  arriveBy: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  arrivedAt: string | null;
  /** Steps of the escalation ladder taken for the deadline in escalatedFor. */
  escalationSteps: number;
  escalatedFor: 'acknowledge' | 'arrive' | null;
  endedAt: string | null;
  endReason: string | null;
}

/** A team's phones: this incident is now theirs (or its assignment changed: acknowledged, arrived). */
export interface AssignmentMessage {
  assignment: AssignmentView;
  incident: IncidentView;
  /** The kind's dispatch policy asks for a photo of the fix to resolve it. */
  photoRequired: boolean;
}

export interface UnassignedMessage {
  assignmentId: number;
  incidentId: number;
  reason: string;
}

/** A deadline passed: a reminder (to the team), the supervisors alerted, the next team proposed. */
export interface EscalationNotice {
  /** The step's line of the incident's timeline (incident_events): the same step live and listed has the same id. */
  id: number;
  step: 'remind' | 'supervisor' | 'next_team' | 'team_deleted';
  deadline: 'acknowledge' | 'arrive' | null;
  assignment: AssignmentView;
  incidentId: number;
  /** When the step fell due (the deadline plus the steps before it). */
  dueAt: string;
  proposedTeam?: { teamId: number; name: string; distanceM: number | null } | null;
}

/**
 * GET /api/incidents/escalations: the supervisors' escalations still needing attention, one per incident
 * (its latest `supervisor`, `next_team` or `team_deleted` step), oldest first. Still needing attention:
 * the incident is active and the late assignment is still active and still without the answer the step
 * waits for (acknowledged, or arrived); after `team_deleted`, no team was sent since. `assignment` is the
 * assignment as it is now.
 */
export interface OpenEscalations {
  escalations: EscalationNotice[];
}

/** A team that could go to an incident, as GET /api/incidents/:id/dispatch ranks them. */
export interface DispatchCandidate {
  teamId: number;
  name: string;
  /** The team handles this kind of incident (or any kind). */
  handlesKind: boolean;
  /** Active assignments the team already has. */
  busy: number;
  /** Straight-line distance and bearing (degrees from north, team → incident) from the team's freshest position; null when unknown. */
  distanceM: number | null;
  bearingDeg: number | null;
  /** When that position was measured (on-duty members' reports of the last 15 minutes only). */
  positionAt: string | null;
}

/** A rule that links alerts into incidents (GET /api/incident-link-rules; the incidents README explains them). */
export interface IncidentLinkRule {
  id: number;
  name: string;
  /** Rules are tried lowest rank first; a lower rank relabels an incident a higher one opened. */
  rank: number;
  incidentKind: IncidentKind;
  alertKinds: AlertKind[];
  /** Of alertKinds: those that open an incident when none is near (with at least openMinSeverity). */
  openingKinds: AlertKind[];
  openMinSeverity: AlertSeverity;
  distanceM: number;
  windowMinutes: number;
  enabled: boolean;
}

/** The steps of the escalation ladder, in the only order they are climbed (a policy may leave some out). */
export const ESCALATION_STEPS = ['remind', 'supervisor', 'next_team'] as const;
export type EscalationStep = (typeof ESCALATION_STEPS)[number];

/** The deadlines that apply to an incident of this kind and severity, and the steps of a missed one. */
export interface DispatchPolicyView {
  acknowledgeSeconds: number;
  arriveSeconds: number;
  stepSeconds: number;
  ladder: EscalationStep[];
  requiresPhoto: boolean;
}

/** One row of the dispatch policies (GET /api/dispatch-policies): kind '*' and severity null mean any. */
export interface DispatchPolicyRule extends DispatchPolicyView {
  id: number;
  kind: IncidentKind | '*';
  severity: AlertSeverity | null;
}

/** GET /api/incidents/:id/dispatch: every assignment so far (oldest first), the ranked teams, the policy. */
export interface DispatchView {
  assignments: AssignmentView[];
  candidates: DispatchCandidate[];
  policy: DispatchPolicyView;
}
