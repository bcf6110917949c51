// Rainfall and salinity per station and hour, published as files only (/api/open/rainfall.*, salinity.*):
// the Smart Data Models for them (WeatherObserved, WaterQualityObserved) have no official schema in
// ../shared/specs to check entities against yet, so no NGSI-LD type is served for them.
import { timeBucketSql } from '@cityops/core/database/capabilities';
import { DEVICE_PREFIX, englishNameSql, type RowSource } from './entity-type.ts';


/** Hourly total, average, minimum and maximum of the readings of every placed station of one kind. */
function stationHours(kind: 'rainfall' | 'salinity'): RowSource {
  return {
    type: kind,
    timeAttribute: 'dateObserved',
    attributes: { dateObserved: { kind: 'datetime', column: 'hour' }, refDevice: { kind: 'text', column: 'ref_device' } },
    source(params, range, caps) {
      params.push(range.from, range.to, kind);
      const [from, to, sensorKind] = [params.length - 2, params.length - 1, params.length];
      // Whole hours only, as water-observed.ts: the readings of every hour that starts in the range.
      return `SELECT * FROM (SELECT ${timeBucketSql(caps, `'1 hour'`, 'r.ts')} AS hour, r.sensor_id, '${DEVICE_PREFIX}' || r.sensor_id AS ref_device,
                     s.name AS sensor_name, ${englishNameSql('s')} AS sensor_name_en, s.unit, s.lat, s.lon, sum(r.value) AS total, avg(r.value) AS average,
                     min(r.value) AS minimum, max(r.value) AS maximum, count(*)::int AS readings
                FROM sensor_readings r JOIN sensors s ON s.id = r.sensor_id
               WHERE s.kind = $${sensorKind} AND s.lat IS NOT NULL AND s.lon IS NOT NULL
                 AND r.ts >= date_bin(INTERVAL '1 hour', $${from}::timestamptz, TIMESTAMPTZ '2000-01-01')
                 AND r.ts < date_bin(INTERVAL '1 hour', $${to}::timestamptz, TIMESTAMPTZ '2000-01-01') + interval '1 hour'
               GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) hourly
               WHERE hour >= $${from} AND hour < $${to}`;
    },
    orderBy: 'hour, sensor_id',
  };
}

export const rainfallHours = stationHours('rainfall');
export const salinityHours = stationHours('salinity');
