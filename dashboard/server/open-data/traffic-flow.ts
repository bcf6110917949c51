// TrafficFlowObserved (FIWARE Smart Data Models, Transportation): vehicles per camera, hour, vehicle type
// and direction across the camera's counting lines, from traffic_hourly. Counts only: never an image.
// One entity per (camera, hour, vehicle type, direction); the line-crossing direction (+/-) is published
// as laneDirection forward/backward.
import { timeBucketSql } from '@cityops/core/database/capabilities';
import { VEHICLE_CLASSES } from '../web-traffic-repository.ts';
import { DEVICE_PREFIX, deviceHourLookup, HOUR_MS, hourKey, isoOf, pointOf, type EntityType } from './entity-type.ts';

export const TRAFFIC_FLOW_TYPE = 'TrafficFlowObserved';

/** COCO class (as the detector names it) → the data model's vehicleType enumeration. */
const VEHICLE_TYPE_SQL = `CASE h.class WHEN 'truck' THEN 'lorry' WHEN 'motorbike' THEN 'motorcycle' ELSE h.class END`;
const VEHICLE_TYPES = ['car', 'motorcycle', 'bus', 'lorry', 'bicycle'] as const;
const LANE_DIRECTIONS = ['forward', 'backward'] as const;


/** The start of the UTC hour of a time (the buckets' edges). */
const hourStart = (time: string) => `date_bin(INTERVAL '1 hour', ${time}, TIMESTAMPTZ '2000-01-01')`;

export const trafficFlowObserved: EntityType = {
  type: TRAFFIC_FLOW_TYPE,
  timeAttribute: 'dateObserved',
  attributes: {
    dateObserved: { kind: 'datetime', column: 'hour' },
    intensity: { kind: 'number', column: 'intensity' },
    vehicleType: { kind: 'text', column: 'vehicle_type', values: VEHICLE_TYPES },
    laneDirection: { kind: 'text', column: 'lane_direction', values: LANE_DIRECTIONS },
    refDevice: { kind: 'text', column: 'ref_device' },
  },
  source(params, range, caps) {
    params.push(range.from, range.to, VEHICLE_CLASSES);
    const [from, to, classes] = [params.length - 2, params.length - 1, params.length];
    // TimescaleDB: the continuous aggregate. Plain PostgreSQL: traffic_hourly is a view over every minute
    // ever counted, which the range cannot prune; the minutes of the range's whole hours are bucketed here instead.
    const hourly = caps.timescale
      ? 'traffic_hourly'
      : `(SELECT ${timeBucketSql(caps, `'1 hour'`, 'minute')} AS hour, camera_id, class, direction, sum(count)::bigint AS count
            FROM traffic_counts
           WHERE minute >= ${hourStart(`$${from}::timestamptz`)} AND minute < ${hourStart(`$${to}::timestamptz`)} + interval '1 hour' AND class = ANY($${classes}) GROUP BY 1, 2, 3, 4)`;
    return `SELECT h.hour, h.camera_id, '${DEVICE_PREFIX}' || h.camera_id AS ref_device, c.lat, c.lon,
                   ${VEHICLE_TYPE_SQL} AS vehicle_type,
                   CASE h.direction WHEN '+' THEN 'forward' ELSE 'backward' END AS lane_direction,
                   sum(h.count)::bigint AS intensity
              FROM ${hourly} h LEFT JOIN cameras c ON c.id = h.camera_id
             WHERE h.hour >= $${from} AND h.hour < $${to} AND h.class = ANY($${classes})
             GROUP BY 1, 2, 3, 4, 5, 6, 7`;
  },
  orderBy: 'hour, camera_id, vehicle_type, lane_direction',
  byId: (id) =>
    deviceHourLookup('TrafficFlowObserved', id, {
      pattern: ':([a-z]+):(forward|backward)',
      conditions: ([vehicleType, laneDirection]) => [
        { attribute: 'vehicleType', column: 'vehicle_type', operator: '==', value: vehicleType },
        { attribute: 'laneDirection', column: 'lane_direction', operator: '==', value: laneDirection },
      ],
    }),

  toEntity(row, meta) {
    const hour = new Date(isoOf(row.hour));
    return {
      id: `urn:ngsi-ld:${TRAFFIC_FLOW_TYPE}:${row.camera_id}:${hourKey(hour)}:${row.vehicle_type}:${row.lane_direction}`,
      type: TRAFFIC_FLOW_TYPE,
      dateObserved: hour.toISOString(),
      dateObservedFrom: hour.toISOString(),
      dateObservedTo: new Date(hour.getTime() + HOUR_MS).toISOString(),
      intensity: Number(row.intensity),
      vehicleType: row.vehicle_type,
      laneDirection: row.lane_direction,
      refDevice: row.ref_device,
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};
