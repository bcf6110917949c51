// Alert (FIWARE Smart Data Models): the active public alerts, those the CAP feed describes, limited to
// what residents may act on: traffic (congestion, stalled or wrong-way vehicle), crowds, and water
// level or fast rise at a gauge. Not published: operators' manual reports (their words may name
// people), and device faults (which cameras are offline or tampered with is not for the public).
// Text is the kind's generated name, never the stored title, description, notes or photos.
import type { AlertKind, AlertSeverity } from '@cityops/contract/alerts';
import { OPEN_STATES } from '@cityops/contract/alerts';
import { KIND_NAMES } from '../alerts/kinds.ts';
import { englishNameSql, isoOf, pointOf, type EntityType, type RowSource, type TimeRange } from './entity-type.ts';

export const ALERT_TYPE = 'Alert';

/** The data model's category (traffic, weather, security, ...) of each public kind. */
export const PUBLIC_ALERT_CATEGORY: Partial<Record<AlertKind, string>> = {
  congestion: 'traffic',
  stalled_vehicle: 'traffic',
  wrong_way: 'traffic',
  crowd: 'security',
  sensor_level: 'weather',
  sensor_rate_of_rise: 'weather',
};
export const PUBLIC_ALERT_KINDS = Object.keys(PUBLIC_ALERT_CATEGORY) as AlertKind[];

/** subCategory by kind, or by "kind:sensor kind" for gauges (a tide gauge's alert is a coastal flood risk). */
const SUB_CATEGORY: Record<string, string> = {
  congestion: 'trafficJam',
  stalled_vehicle: 'carStopped',
  wrong_way: 'carWrongDirection',
  crowd: 'crowdRisk',
  'sensor_level:tide_level': 'floodRisk',
  'sensor_level:water_level': 'floodRisk',
  'sensor_level:rainfall': 'rainfall',
  'sensor_rate_of_rise:tide_level': 'floodRisk',
  'sensor_rate_of_rise:water_level': 'floodRisk',
  'sensor_rate_of_rise:rainfall': 'rainfall',
};

/** CityOps severity → the data model's (informational, low, medium, high, critical). */
const SEVERITY: Record<AlertSeverity, string> = { critical: 'critical', major: 'high', minor: 'medium', info: 'informational' };

export const publicAlert: EntityType = {
  type: ALERT_TYPE,
  attributes: {
    dateIssued: { kind: 'datetime', column: 'first_seen_at' },
    dateModified: { kind: 'datetime', column: 'last_seen_at' },
    severity: { kind: 'text', column: 'severity', values: Object.values(SEVERITY) },
    category: { kind: 'text', column: 'category', values: [...new Set(Object.values(PUBLIC_ALERT_CATEGORY))] },
    subCategory: { kind: 'text', column: 'sub_category', values: [...new Set(Object.values(SUB_CATEGORY))] },
  },
  source: (params) => publicAlertsSql(params),
  orderBy: 'id',
  byId(id) {
    const match = /^urn:ngsi-ld:Alert:(\d{1,18})$/.exec(id);
    if (!match) return undefined;
    return { conditions: [{ attribute: 'id', column: 'id', operator: '==', value: match[1] }] };
  },
  toEntity(row, meta) {
    const kind = row.kind as AlertKind;
    return {
      id: `urn:ngsi-ld:${ALERT_TYPE}:${row.id}`,
      type: ALERT_TYPE,
      category: row.category,
      ...(row.sub_category ? { subCategory: row.sub_category } : {}),
      severity: row.severity,
      description: KIND_NAMES[kind].en,
      alternateName: KIND_NAMES[kind].vi,
      dateIssued: isoOf(row.first_seen_at),
      validFrom: isoOf(row.first_seen_at),
      dateModified: isoOf(row.last_seen_at),
      // A device name without a colon: the data model's alertSource accepts either a URI or an entity
      // id, and a URN would be both (its oneOf then fails).
      alertSource: `cityops-${row.source_type}-${row.source_id}`,
      ...(row.district_name ? { areaServed: String(row.district_name) } : {}),
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};

/**
 * The public alerts as rows: the active ones (the CAP feed's), or with `raisedIn` those first seen in that
 * range whatever their state now (a day's file). The mappings go in as JSON parameters: constants of this
 * file, still never spliced into SQL.
 */
function publicAlertsSql(params: unknown[], raisedIn?: TimeRange): string {
  params.push(PUBLIC_ALERT_KINDS, JSON.stringify(PUBLIC_ALERT_CATEGORY), JSON.stringify(SUB_CATEGORY), JSON.stringify(SEVERITY));
  const [kinds, category, subCategory, severity] = [4, 3, 2, 1].map((back) => `$${params.length - back + 1}`);
  // Every parameter must be used: PostgreSQL cannot type one the statement never mentions.
  let when: string;
  if (raisedIn) {
    params.push(raisedIn.from, raisedIn.to);
    when = `a.first_seen_at >= $${params.length - 1} AND a.first_seen_at < $${params.length}`;
  } else {
    params.push(OPEN_STATES);
    when = `a.state = ANY($${params.length})`;
  }
  return `SELECT a.id, a.kind, a.source_type, a.source_id, a.lat, a.lon, a.first_seen_at, a.last_seen_at, d.name AS district_name, ${englishNameSql('d')} AS district_name_en,
                 ${severity}::jsonb ->> a.severity AS severity,
                 ${category}::jsonb ->> a.kind AS category,
                 coalesce(${subCategory}::jsonb ->> (a.kind || ':' || coalesce(s.kind, '')), ${subCategory}::jsonb ->> a.kind) AS sub_category
            FROM alerts a
            LEFT JOIN sensors s ON a.source_type = 'sensor' AND s.id = a.source_id
            LEFT JOIN districts d ON d.id = a.district_id
           WHERE a.kind = ANY(${kinds}) AND ${when} AND a.source_type IN ('camera', 'sensor')`;
}

/** The public alerts first seen in a time range, open or not (the daily files' `alerts`). */
export const publicAlertsRaised: RowSource = {
  type: 'alerts',
  timeAttribute: 'dateIssued',
  attributes: { dateIssued: { kind: 'datetime', column: 'first_seen_at' } },
  source: (params, range) => publicAlertsSql(params, range),
  orderBy: 'id',
};
