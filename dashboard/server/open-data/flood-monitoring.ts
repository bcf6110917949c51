// FloodMonitoring (FIWARE Smart Data Models, Environment): the current state of every placed water and
// tide gauge, one entity per gauge: its newest level (sensor_state) against the city's warning levels
// (the sensor's level1..level3, the "báo động 1-3" the sensor rules alarm on), in metres. Not a time
// series (WaterObserved has the hours): `q` compares the state now. Gauges never heard from are left out.
import { WATER_SENSOR_KINDS } from './water-observed.ts';
import { DEVICE_PREFIX, isoOf, pointOf, type EntityType } from './entity-type.ts';

export const FLOOD_MONITORING_TYPE = 'FloodMonitoring';
const METRES_SQL = `CASE s.unit WHEN 'm' THEN 1 WHEN 'cm' THEN 0.01 WHEN 'mm' THEN 0.001 END`;
/** The rules' level (0-3, with their hysteresis: what the operators' map shows) → the model's status text. */
export const FLOOD_STATUSES = ['normal', 'alert', 'danger'] as const;

export const floodMonitoring: EntityType = {
  type: FLOOD_MONITORING_TYPE,
  attributes: {
    observationDateTime: { kind: 'datetime', column: 'last_ts' },
    currentLevel: { kind: 'number', column: 'current_m' },
    floodLevelStatus: { kind: 'text', column: 'flood_status', values: FLOOD_STATUSES },
    warningLevel: { kind: 'number', column: 'level' },
    stationID: { kind: 'text', column: 'sensor_id' },
    measurementKind: { kind: 'text', column: 'sensor_kind', values: WATER_SENSOR_KINDS },
  },
  source(params) {
    params.push(WATER_SENSOR_KINDS);
    return `SELECT s.id AS sensor_id, s.name AS sensor_name, s.kind AS sensor_kind, s.lat, s.lon, st.last_ts, st.level,
                   st.last_value * ${METRES_SQL} AS current_m,
                   s.level1 * ${METRES_SQL} AS alert_m,
                   coalesce(s.level3, s.level2) * ${METRES_SQL} AS danger_m,
                   CASE WHEN st.level >= 3 THEN 'danger' WHEN st.level >= 1 THEN 'alert' ELSE 'normal' END AS flood_status
              FROM sensors s JOIN sensor_state st ON st.sensor_id = s.id
             WHERE s.kind = ANY($${params.length}) AND s.enabled AND s.unit IN ('m', 'cm', 'mm')
               AND s.lat IS NOT NULL AND s.lon IS NOT NULL AND st.last_value IS NOT NULL AND st.last_ts IS NOT NULL`;
  },
  orderBy: 'sensor_id',
  byId(id) {
    const match = /^urn:ngsi-ld:FloodMonitoring:([A-Za-z0-9._-]{1,64})$/.exec(id);
    if (!match) return undefined;
    return { conditions: [{ attribute: 'stationID', column: 'sensor_id', operator: '==', value: match[1] }] };
  },
  toEntity(row, meta) {
    const metres = (value: unknown) => (value === null || value === undefined ? undefined : Math.round(Number(value) * 1000) / 1000);
    const alertLevel = metres(row.alert_m);
    const dangerLevel = metres(row.danger_m);
    return {
      id: `urn:ngsi-ld:${FLOOD_MONITORING_TYPE}:${row.sensor_id}`,
      type: FLOOD_MONITORING_TYPE,
      name: String(row.sensor_name),
      stationID: String(row.sensor_id),
      observationDateTime: isoOf(row.last_ts),
      currentLevel: metres(row.current_m),
      ...(alertLevel !== undefined ? { alertLevel } : {}),
      ...(dangerLevel !== undefined ? { dangerLevel } : {}),
      floodLevelStatus: row.flood_status,
      warningLevel: Number(row.level),
      measurementKind: row.sensor_kind,
      refDevice: `${DEVICE_PREFIX}${row.sensor_id}`,
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};
