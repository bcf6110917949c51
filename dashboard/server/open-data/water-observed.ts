// WaterObserved (FIWARE Smart Data Models, Environment): water and tide levels per gauge and hour, the
// hour's average, minimum and maximum of sensor_readings. Only tide_level and water_level gauges with a
// place (the model requires a location) and a length unit (published in metres, as the model's
// waterLevel is). The schema's waterLevel is >= 0: an hour whose average is below the gauge's datum
// (a low tide can be) carries its level in waterLevelMin/Max only.
import { timeBucketSql } from '@cityops/core/database/capabilities';
import { DEVICE_PREFIX, deviceHourLookup, englishNameSql, HOUR_MS, hourKey, isoOf, pointOf, type EntityType } from './entity-type.ts';

export const WATER_OBSERVED_TYPE = 'WaterObserved';
export const WATER_SENSOR_KINDS = ['tide_level', 'water_level'];
/** Metres per unit; gauges in any other unit are not published rather than mislabelled. */
const METRES_SQL = `CASE s.unit WHEN 'm' THEN 1 WHEN 'cm' THEN 0.01 WHEN 'mm' THEN 0.001 END`;

export const waterObserved: EntityType = {
  type: WATER_OBSERVED_TYPE,
  timeAttribute: 'dateObserved',
  attributes: {
    dateObserved: { kind: 'datetime', column: 'hour' },
    waterLevel: { kind: 'number', column: 'level_avg_m' },
    refDevice: { kind: 'text', column: 'ref_device' },
    measurementKind: { kind: 'text', column: 'sensor_kind', values: WATER_SENSOR_KINDS },
  },
  source(params, range, caps) {
    params.push(range.from, range.to, WATER_SENSOR_KINDS);
    const [from, to, kinds] = [params.length - 2, params.length - 1, params.length];
    // Whole hours only: the readings of every hour that starts in the range, however it is cut.
    return `SELECT * FROM (SELECT ${timeBucketSql(caps, `'1 hour'`, 'r.ts')} AS hour, r.sensor_id, '${DEVICE_PREFIX}' || r.sensor_id AS ref_device,
                   s.kind AS sensor_kind, s.name AS sensor_name, ${englishNameSql('s')} AS sensor_name_en, s.lat, s.lon,
                   avg(r.value) * ${METRES_SQL} AS level_avg_m, min(r.value) * ${METRES_SQL} AS level_min_m,
                   max(r.value) * ${METRES_SQL} AS level_max_m, count(*)::int AS readings
              FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
             WHERE s.kind = ANY($${kinds}) AND s.unit IN ('m', 'cm', 'mm') AND s.lat IS NOT NULL AND s.lon IS NOT NULL
               AND r.ts >= date_bin(INTERVAL '1 hour', $${from}::timestamptz, TIMESTAMPTZ '2000-01-01')
               AND r.ts < date_bin(INTERVAL '1 hour', $${to}::timestamptz, TIMESTAMPTZ '2000-01-01') + interval '1 hour'
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, s.unit) hourly
             WHERE hour >= $${from} AND hour < $${to}`;
  },
  orderBy: 'hour, sensor_id',
  byId: (id) => deviceHourLookup('WaterObserved', id),

  toEntity(row, meta) {
    const hour = new Date(isoOf(row.hour));
    const average = Number(row.level_avg_m);
    return {
      id: `urn:ngsi-ld:${WATER_OBSERVED_TYPE}:${row.sensor_id}:${hourKey(hour)}`,
      type: WATER_OBSERVED_TYPE,
      name: String(row.sensor_name),
      dateObserved: hour.toISOString(),
      dateObservedFrom: hour.toISOString(),
      dateObservedTo: new Date(hour.getTime() + HOUR_MS).toISOString(),
      ...(average >= 0 ? { waterLevel: round(average) } : {}),
      waterLevelMin: round(Number(row.level_min_m)),
      waterLevelMax: round(Number(row.level_max_m)),
      measurementKind: row.sensor_kind,
      readings: Number(row.readings),
      refDevice: row.ref_device,
      ...pointOf(row),
      dataProvider: meta.dataProvider,
      license: meta.licence,
    };
  },
};

/** Millimetre precision: what a gauge can tell, and no float noise in the files. */
const round = (metres: number) => Math.round(metres * 1000) / 1000;
