// Response figures: how fast incidents were answered (acknowledged, reached, resolved), per group, and
// the assignments past a deadline right now (the wall). The server answers with these; the web reads them.
import type { AlertSeverity } from './alerts.ts';
import type { IncidentKind } from './incidents.ts';

/**
 * What the figures are grouped by. Each is one key of the figures query (dashboard/server/incidents/
 * figures.ts). Agency: the agency of the first team sent (teams.agency_id); none when it has none.
 */
export const FIGURE_GROUPINGS = ['kind', 'district', 'team', 'agency'] as const;
export type FigureGrouping = (typeof FIGURE_GROUPINGS)[number];

/** A duration's median and 90th percentile in seconds over `count` samples; null without samples. */
export interface DurationFigure {
  medianSeconds: number | null;
  p90Seconds: number | null;
  count: number;
}

/** The figures of one group (or of all incidents of the period, for the total). */
export interface ResponseFigureGroup {
  /**
   * The kind, the district id or the team id. null: incidents without a district, or without a team
   * (never dispatched, or the team was deleted: then `label` keeps its name).
   */
  key: string | null;
  /** The district's or team's name; null for kinds (the web names them in its language). */
  label: string | null;
  incidents: number;
  resolved: number;
  /** From the first assignment to its team's acknowledgement. */
  acknowledge: DurationFigure;
  /** From the first assignment to its team's arrival on scene. */
  arrive: DurationFigure;
  /** From the incident's opening to its resolution. */
  resolve: DurationFigure;
  /** Incidents whose first assignment answered after its deadline (or not at all, with the deadline passed). */
  pastAcknowledgeDeadline: number;
  pastArriveDeadline: number;
  /** Past either deadline. */
  pastDeadline: number;
}

export interface ResponseFigures {
  /** Incidents opened in [from, to). */
  from: string;
  to: string;
  by: FigureGrouping;
  /** Most incidents first. */
  groups: ResponseFigureGroup[];
  total: ResponseFigureGroup;
}

/** An active assignment whose deadline has passed without the answer it waits for. */
export interface OverdueAssignment {
  assignmentId: number;
  incidentId: number;
  kind: IncidentKind;
  severity: AlertSeverity;
  title: string;
  districtId: string | null;
  teamId: number | null;
  teamName: string;
  /** The answer that is late: acknowledgement first, then arrival. */
  deadline: 'acknowledge' | 'arrive';
  dueAt: string;
  overdueSeconds: number;
}

/** The wall's incident tile: incidents being handled now, and the ones past a deadline. */
export interface IncidentsOverdue {
  at: string;
  /** Incidents open, dispatched or on scene. */
  activeIncidents: number;
  /** Most overdue first. */
  overdue: OverdueAssignment[];
}
