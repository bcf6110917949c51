// How residents' reports were handled, per category, district or agency, for reports received in
// [from, to). Per report: acknowledge = the first team's acknowledgement on its incident − when the report
// was received (0 when a team had acknowledged before the report joined), resolve = the incident's
// resolved_at − received. The agency is the one the incident was handed off to, else the agency of the
// team assigned (a city team without an agency counts under its own name), as incidentProgress tells the
// resident. Rejected reports are counted but not timed.
import type { Queryable } from '@cityops/core/database/pool';
import type { ReportFigures } from '@cityops/contract/citizen-reports';

export type ReportFigureGrouping = ReportFigures['by'];

const GROUP_COLUMN: Record<ReportFigureGrouping, string> = {
  category: 'm.category',
  district: 'm.district_id',
  agency: 'm.agency',
};

/** Median minutes; a team that acknowledged before the report came counts as 0 (greatest() would turn NULL into 0). */
const minutes = (column: string) => `round((percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN ${column} < 0 THEN 0 ELSE ${column} END))::numeric, 1)::float8`;

export async function reportFigures(db: Queryable, period: { from: Date; to: Date }, by: ReportFigureGrouping): Promise<ReportFigures> {
  // The most reported first; the reports without a district or an agency after those with one.
  const group = `COALESCE(${GROUP_COLUMN[by]}, '')`;
  const result = await db.query(
    `WITH measured AS (
       SELECT r.category, r.district_id, r.rejected_at IS NOT NULL AS rejected, r.rating_stars,
         i.resolved_at IS NOT NULL AND r.rejected_at IS NULL AS resolved,
         CASE WHEN r.rejected_at IS NULL THEN extract(epoch FROM
           (SELECT min(a.acknowledged_at) FROM incident_assignments a WHERE a.incident_id = i.id) - r.received_at) / 60 END AS to_acknowledge,
         CASE WHEN r.rejected_at IS NULL THEN extract(epoch FROM i.resolved_at - r.received_at) / 60 END AS to_resolve,
         COALESCE(
           (SELECT ag.name FROM incident_handoffs h JOIN agencies ag ON ag.id = h.agency_id WHERE h.incident_id = i.id ORDER BY h.id DESC LIMIT 1),
           (SELECT COALESCE(ag.name, a.team_name) FROM incident_assignments a LEFT JOIN teams t ON t.id = a.team_id LEFT JOIN agencies ag ON ag.id = t.agency_id
              WHERE a.incident_id = i.id ORDER BY (a.ended_at IS NULL) DESC, a.id DESC LIMIT 1)) AS agency
       FROM citizen_reports r JOIN incidents i ON i.id = r.incident_id
       WHERE r.received_at >= $1 AND r.received_at < $2)
     SELECT ${group} AS grp, count(*)::int AS reports, count(*) FILTER (WHERE m.rejected)::int AS rejected,
       count(*) FILTER (WHERE m.resolved)::int AS resolved,
       ${minutes('m.to_acknowledge')} AS to_acknowledge, ${minutes('m.to_resolve')} AS to_resolve,
       count(m.rating_stars)::int AS ratings, round(avg(m.rating_stars)::numeric, 2)::float8 AS average_stars
     FROM measured m GROUP BY 1 ORDER BY 2 DESC, ${group} = '', 1`,
    [period.from, period.to],
  );
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    by,
    rows: result.rows.map((row) => ({
      group: String(row.grp),
      reports: row.reports,
      rejected: row.rejected,
      resolved: row.resolved,
      medianToAcknowledgeMinutes: row.to_acknowledge,
      medianToResolveMinutes: row.to_resolve,
      ratings: row.ratings,
      averageStars: row.average_stars,
    })),
  };
}

