// Residents' reports, anonymised: IssueReporting entities (FIWARE Smart Data Models, IssueTracking), one
// per report an operator did not reject, and report counts per day, category and district (a file).
// What a report says about its resident is never selected here: not the description, the contact, the
// photos or clip, the tracking code, the device hash, the rating or who rejected what. What is published
// is coarsened so that a report cannot be matched to the person seen sending it: the place rounded to 3
// decimals (about 100 m), the time to the hour it arrived.
import { REPORT_CATEGORIES } from '@cityops/contract/citizen-reports';
import { englishNameSql, isoOf, pointOf, type EntityType, type RowSource } from './entity-type.ts';

export const ISSUE_REPORTING_TYPE = 'IssueReporting';

/**
 * The incident's state → the model's resolutionStatus. "Closed." (with the full stop) is the official
 * schema's spelling of its enumeration (IssueReporting 0.0.1); the plain `reportState` says the same in
 * the words the resident's tracking page uses.
 */
const RESOLUTION_STATUS: Record<string, { resolutionStatus: string; reportState: string }> = {
  open: { resolutionStatus: 'Open', reportState: 'received' },
  dispatched: { resolutionStatus: 'Assigned', reportState: 'in_progress' },
  on_scene: { resolutionStatus: 'InProgress', reportState: 'in_progress' },
  resolved: { resolutionStatus: 'Closed.', reportState: 'resolved' },
  closed: { resolutionStatus: 'Closed.', reportState: 'resolved' },
};
export const REPORT_STATES = ['received', 'in_progress', 'resolved'] as const;

/** Three decimals of a degree: about 110 m of latitude, 100 m of longitude at Ho Chi Minh City. */
const COARSE = 3;

/** Not rejected, with its incident's state (of the incident it was merged into, if it was). */
const REPORTS_SQL = `
  SELECT r.id, r.category, r.district_id, d.name AS district_name, ${englishNameSql('d')} AS district_name_en, r.received_at,
         round(r.lat::numeric, ${COARSE})::float8 AS lat, round(r.lon::numeric, ${COARSE})::float8 AS lon,
         coalesce(m.state, i.state) AS incident_state, coalesce(m.resolved_at, i.resolved_at) AS resolved_at
    FROM citizen_reports r
    JOIN incidents i ON i.id = r.incident_id
    LEFT JOIN incidents m ON m.id = i.merged_into_id
    LEFT JOIN districts d ON d.id = r.district_id
   WHERE r.rejected_at IS NULL`;

const hourOf = (time: string) => `date_bin(INTERVAL '1 hour', ${time}, TIMESTAMPTZ '2000-01-01')`;

export const issueReporting: EntityType = {
  type: ISSUE_REPORTING_TYPE,
  timeAttribute: 'dateCreated',
  attributes: {
    dateCreated: { kind: 'datetime', column: 'received_hour' },
    category: { kind: 'text', column: 'category', values: REPORT_CATEGORIES },
    resolutionStatus: { kind: 'text', column: 'resolution_status', values: [...new Set(Object.values(RESOLUTION_STATUS).map((status) => status.resolutionStatus))] },
    reportState: { kind: 'text', column: 'report_state', values: REPORT_STATES },
    areaServed: { kind: 'text', column: 'district_name' },
  },
  source(params, range) {
    params.push(range.from, range.to, JSON.stringify(RESOLUTION_STATUS));
    const [from, to, statuses] = [params.length - 2, params.length - 1, params.length];
    return `SELECT reports.id, reports.category, reports.district_name, reports.lat, reports.lon, reports.incident_state,
                   ${hourOf('reports.received_at')} AS received_hour, ${hourOf('reports.resolved_at')} AS resolved_hour,
                   $${statuses}::jsonb -> reports.incident_state ->> 'resolutionStatus' AS resolution_status,
                   $${statuses}::jsonb -> reports.incident_state ->> 'reportState' AS report_state
              FROM (${REPORTS_SQL} AND r.received_at >= $${from} AND r.received_at < $${to}) reports`;
  },
  orderBy: 'id',
  byId(id) {
    const match = /^urn:ngsi-ld:IssueReporting:(\d{1,18})$/.exec(id);
    if (!match) return undefined;
    return { conditions: [{ attribute: 'id', column: 'id', operator: '==', value: match[1] }] };
  },
  toEntity(row, meta) {
    return {
      id: `urn:ngsi-ld:${ISSUE_REPORTING_TYPE}:${row.id}`,
      type: ISSUE_REPORTING_TYPE,
      category: String(row.category),
      ...(row.district_name ? { areaServed: String(row.district_name) } : {}),
      resolutionStatus: row.resolution_status,
      reportState: row.report_state,
      dateCreated: isoOf(row.received_hour),
      ...(row.resolved_hour ? { dateResolved: isoOf(row.resolved_hour) } : {}),
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};

/** Reports per UTC day, category and district (rejected ones left out): the days that start in the range. */
export const reportCounts: RowSource = {
  type: 'report-counts',
  timeAttribute: 'day',
  attributes: { day: { kind: 'datetime', column: 'day' }, category: { kind: 'text', column: 'category', values: REPORT_CATEGORIES } },
  source(params, range) {
    params.push(range.from, range.to);
    const [from, to] = [params.length - 1, params.length];
    const dayOf = (time: string) => `date_bin(INTERVAL '1 day', ${time}, TIMESTAMPTZ '2000-01-01')`;
    return `SELECT ${dayOf('reports.received_at')} AS day, reports.category, reports.district_id, reports.district_name, reports.district_name_en,
                   count(*)::int AS reports, NULL::float8 AS lat, NULL::float8 AS lon
              FROM (${REPORTS_SQL}
                    AND r.received_at >= ${dayOf(`$${from}::timestamptz`)} AND r.received_at < ${dayOf(`$${to}::timestamptz`)} + interval '1 day') reports
             WHERE ${dayOf('reports.received_at')} >= $${from} AND ${dayOf('reports.received_at')} < $${to}
             GROUP BY 1, 2, 3, 4, 5`;
  },
  orderBy: 'day, category, district_id NULLS LAST',
};
