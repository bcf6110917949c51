// CrowdFlowObserved (FIWARE Smart Data Models, Transportation): people per camera and hour, from the
// persons the analytics counted crossing the camera's counting lines (traffic_counts, class `person`).
// Counts only: never an image, never a track. `+` crossings are peopleCountTowards, `-` peopleCountAway
// (the line's own sense: the model's towards/away have no fixed meaning either). `congested` says whether
// a crowd alert of that camera was open at some time in the hour.
import { timeBucketSql } from '@cityops/core/database/capabilities';
import { DEVICE_PREFIX, deviceHourLookup, HOUR_MS, hourKey, isoOf, pointOf, type EntityType } from './entity-type.ts';

export const CROWD_FLOW_TYPE = 'CrowdFlowObserved';

const hourStart = (time: string) => `date_bin(INTERVAL '1 hour', ${time}, TIMESTAMPTZ '2000-01-01')`;

export const crowdFlowObserved: EntityType = {
  type: CROWD_FLOW_TYPE,
  timeAttribute: 'dateObserved',
  attributes: {
    dateObserved: { kind: 'datetime', column: 'hour' },
    peopleCount: { kind: 'number', column: 'people_count' },
    peopleCountTowards: { kind: 'number', column: 'people_towards' },
    peopleCountAway: { kind: 'number', column: 'people_away' },
    refDevice: { kind: 'text', column: 'ref_device' },
  },
  source(params, range, caps) {
    params.push(range.from, range.to);
    const [from, to] = [params.length - 1, params.length];
    // From the minutes (not traffic_hourly): the range's whole hours of one class are few rows, and the
    // plain-PostgreSQL view could not be pruned by the range.
    return `SELECT p.hour, p.camera_id, '${DEVICE_PREFIX}' || p.camera_id AS ref_device, c.lat, c.lon,
                   p.people_count, p.people_towards, p.people_away,
                   EXISTS (SELECT 1 FROM alerts a
                            WHERE a.kind = 'crowd' AND a.source_type = 'camera' AND a.source_id = p.camera_id
                              AND a.first_seen_at < p.hour + interval '1 hour'
                              AND coalesce(least(a.auto_cleared_at, a.resolved_at, a.closed_at), 'infinity') >= p.hour) AS congested
              FROM (SELECT ${timeBucketSql(caps, `'1 hour'`, 'minute')} AS hour, camera_id, sum(count)::bigint AS people_count,
                           (sum(count) FILTER (WHERE direction = '+'))::bigint AS people_towards,
                           (sum(count) FILTER (WHERE direction = '-'))::bigint AS people_away
                      FROM traffic_counts
                     WHERE class = 'person' AND minute >= ${hourStart(`$${from}::timestamptz`)} AND minute < ${hourStart(`$${to}::timestamptz`)} + interval '1 hour'
                     GROUP BY 1, 2) p
              LEFT JOIN cameras c ON c.id = p.camera_id
             WHERE p.hour >= $${from} AND p.hour < $${to}`;
  },
  orderBy: 'hour, camera_id',
  byId: (id) => deviceHourLookup('CrowdFlowObserved', id),

  toEntity(row, meta) {
    const hour = new Date(isoOf(row.hour));
    return {
      id: `urn:ngsi-ld:${CROWD_FLOW_TYPE}:${row.camera_id}:${hourKey(hour)}`,
      type: CROWD_FLOW_TYPE,
      dateObserved: hour.toISOString(),
      dateObservedFrom: hour.toISOString(),
      dateObservedTo: new Date(hour.getTime() + HOUR_MS).toISOString(),
      peopleCount: Number(row.people_count),
      peopleCountTowards: Number(row.people_towards ?? 0),
      peopleCountAway: Number(row.people_away ?? 0),
      congested: Boolean(row.congested),
      refDevice: row.ref_device,
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};
