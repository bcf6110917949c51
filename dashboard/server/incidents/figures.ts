// Response figures: how fast incidents were acknowledged, reached and resolved, per kind, district or
// team, and the active assignments past a deadline now (the wall). The SQL of both lives here.
//
// Per incident (merged ones left out: they are counted in the incident they were merged into), the
// first assignment is the dispatch that is measured: acknowledge = its acknowledged_at − its
// assigned_at, arrive = its arrived_at − its assigned_at, and it is past a deadline when it answered
// after it, or never answered and the deadline came before it ended (or before now, still active).
// A first team replaced before answering so counts as late, not as a fast second team. Resolve =
// resolved_at − opened_at.
import type { Queryable } from '@cityops/core/database/pool';
import type { AlertSeverity } from '@cityops/contract/alerts';
import type { DurationFigure, FigureGrouping, IncidentsOverdue, ResponseFigureGroup, ResponseFigures } from '@cityops/contract/incident-figures';
import { ACTIVE_INCIDENT_STATES, type IncidentKind } from '@cityops/contract/incidents';

/**
 * Each grouping is a key and a label over `measured` (columns of the incident `w`, its first
 * assignment `f`, the district `d`, the team `t` and the team's agency `ag`).
 */
const GROUPINGS: Record<FigureGrouping, { key: string; label: string }> = {
  kind: { key: 'w.kind', label: 'NULL::text' },
  district: { key: 'w.district_id', label: 'd.name' },
  // A deleted team keeps its name on the assignment (team_id is then null).
  team: { key: 'f.team_id::text', label: 'COALESCE(t.name, f.team_name)' },
  agency: { key: 't.agency_id::text', label: 'ag.name' },
};

/** Median and p90 in seconds (interpolated between the two nearest samples), and the sample count. */
const durationColumns = (name: string) => `
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ${name}))::numeric, 1)::float8 AS ${name}_median,
  round((percentile_cont(0.9) WITHIN GROUP (ORDER BY ${name}))::numeric, 1)::float8 AS ${name}_p90,
  count(${name})::int AS ${name}_count`;

export async function responseFigures(db: Queryable, period: { from: Date; to: Date }, by: FigureGrouping): Promise<ResponseFigures> {
  const grouping = GROUPINGS[by];
  const result = await db.query(
    `WITH window_incidents AS (
       SELECT i.id, i.kind, i.district_id, i.opened_at, i.resolved_at FROM incidents i
       WHERE i.opened_at >= $1 AND i.opened_at < $2 AND i.merged_into_id IS NULL),
     first_assignment AS (
       SELECT DISTINCT ON (a.incident_id) a.* FROM incident_assignments a JOIN window_incidents w ON w.id = a.incident_id
       ORDER BY a.incident_id, a.assigned_at, a.id),
     measured AS (
       SELECT ${grouping.key} AS group_key, ${grouping.label} AS group_label,
         extract(epoch FROM f.acknowledged_at - f.assigned_at)::float8 AS acknowledge,
         extract(epoch FROM f.arrived_at - f.assigned_at)::float8 AS arrive,
         extract(epoch FROM w.resolved_at - w.opened_at)::float8 AS resolve,
         f.acknowledge_by < COALESCE(f.acknowledged_at, f.ended_at, now()) AS late_acknowledge,
         f.arrive_by < COALESCE(f.arrived_at, f.ended_at, now()) AS late_arrive
       FROM window_incidents w
       LEFT JOIN first_assignment f ON f.incident_id = w.id
       LEFT JOIN districts d ON d.id = w.district_id
       LEFT JOIN teams t ON t.id = f.team_id
       LEFT JOIN agencies ag ON ag.id = t.agency_id)
     SELECT group_key, group_label, GROUPING(group_key, group_label) <> 0 AS is_total,
       count(*)::int AS incidents, count(resolve)::int AS resolved,
       ${durationColumns('acknowledge')}, ${durationColumns('arrive')}, ${durationColumns('resolve')},
       count(*) FILTER (WHERE late_acknowledge)::int AS past_acknowledge,
       count(*) FILTER (WHERE late_arrive)::int AS past_arrive,
       count(*) FILTER (WHERE late_acknowledge OR late_arrive)::int AS past_either
     FROM measured
     GROUP BY GROUPING SETS ((group_key, group_label), ())
     ORDER BY is_total, incidents DESC, group_label NULLS LAST, group_key NULLS LAST`,
    [period.from, period.to],
  );
  const rows = result.rows.map((row) => ({ isTotal: row.is_total as boolean, group: asGroup(row) }));
  const total = rows.find((row) => row.isTotal)?.group;
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    by,
    groups: rows.filter((row) => !row.isTotal).map((row) => row.group),
    // An empty period still has its (empty) total row from the () grouping set.
    total: total ?? asGroup({ group_key: null, group_label: null, incidents: 0, resolved: 0 }),
  };
}

const duration = (row: Record<string, unknown>, name: string): DurationFigure => ({
  medianSeconds: (row[`${name}_median`] as number | null) ?? null,
  p90Seconds: (row[`${name}_p90`] as number | null) ?? null,
  count: Number(row[`${name}_count`] ?? 0),
});

function asGroup(row: Record<string, unknown>): ResponseFigureGroup {
  return {
    key: (row.group_key as string | null) ?? null,
    label: (row.group_label as string | null) ?? null,
    incidents: Number(row.incidents),
    resolved: Number(row.resolved),
    acknowledge: duration(row, 'acknowledge'),
    arrive: duration(row, 'arrive'),
    resolve: duration(row, 'resolve'),
    pastAcknowledgeDeadline: Number(row.past_acknowledge ?? 0),
    pastArriveDeadline: Number(row.past_arrive ?? 0),
    pastDeadline: Number(row.past_either ?? 0),
  };
}

/** The deadline an active assignment has missed: acknowledgement while unanswered, then arrival. */
const MISSED_ACKNOWLEDGE_SQL = `(a.acknowledged_at IS NULL AND a.acknowledge_by <= now())`;

/** Active incidents, and the active assignments past a deadline now, most overdue first (one statement: one now()). */
export async function overdueAssignments(db: Queryable): Promise<IncidentsOverdue> {
  const result = await db.query(
    `WITH overdue AS (
       SELECT a.id, a.incident_id, a.team_id, a.team_name, i.kind, i.severity, i.title, i.district_id,
         CASE WHEN ${MISSED_ACKNOWLEDGE_SQL} THEN 'acknowledge' ELSE 'arrive' END AS deadline,
         CASE WHEN ${MISSED_ACKNOWLEDGE_SQL} THEN a.acknowledge_by ELSE a.arrive_by END AS due_at
       FROM incident_assignments a JOIN incidents i ON i.id = a.incident_id
       WHERE a.ended_at IS NULL AND (${MISSED_ACKNOWLEDGE_SQL} OR (a.arrived_at IS NULL AND a.arrive_by <= now()))),
     active AS (SELECT count(*)::int AS n FROM incidents WHERE state = ANY($1))
     SELECT now() AS at, active.n AS active_incidents, overdue.* FROM active LEFT JOIN overdue ON true
     ORDER BY overdue.due_at, overdue.id`,
    [ACTIVE_INCIDENT_STATES],
  );
  const at = result.rows[0].at as Date;
  return {
    at: at.toISOString(),
    activeIncidents: result.rows[0].active_incidents,
    // Without overdue assignments, the one row carries the count alone.
    overdue: result.rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        assignmentId: Number(row.id),
        incidentId: Number(row.incident_id),
        kind: row.kind as IncidentKind,
        severity: row.severity as AlertSeverity,
        title: String(row.title),
        districtId: (row.district_id as string | null) ?? null,
        teamId: row.team_id === null ? null : Number(row.team_id),
        teamName: String(row.team_name),
        deadline: row.deadline,
        dueAt: (row.due_at as Date).toISOString(),
        overdueSeconds: Math.max(0, Math.round((at.getTime() - (row.due_at as Date).getTime()) / 1000)),
      })),
  };
}
