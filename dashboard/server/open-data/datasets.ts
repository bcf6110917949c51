// The open datasets as files (/api/open/<name>.csv and .json): the same rows as the NGSI-LD entities,
// flat, with the licence in every answer (a column of the CSV, a field of the JSON) so that a saved
// file still says under which terms it may be used.
import { csvCell } from '../alerts/csv.ts';
import { isoOf, type OpenDataMeta, type Row, type RowSource } from './entity-type.ts';
import { trafficFlowObserved } from './traffic-flow.ts';
import { waterObserved } from './water-observed.ts';
import { publicAlert, publicAlertsRaised } from './public-alerts.ts';
import { rainfallHours, salinityHours } from './station-hours.ts';
import { crowdFlowObserved } from './crowd-flow.ts';
import { reportCounts } from './issue-reporting.ts';

/** Rows one file may hold; a larger answer asks for a narrower range instead. */
export const MAX_FILE_ROWS = 50_000;

export interface Dataset {
  name: string;
  description: string;
  type: RowSource;
  /** The query parameter that picks one device (camera or station), and the entities' attribute it filters. */
  deviceParameter?: string;
  columns: Array<[string, (row: Row) => unknown]>;
  /** The rows of one day's file when they differ from `type` (which, for alerts, has no time range). */
  dailyType?: RowSource;
}

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const metres = (value: unknown) => (value === null || value === undefined ? null : Math.round(Number(value) * 1000) / 1000);
/** Three decimals: what a gauge can tell, without float noise. */
const rounded = metres;

export const DATASETS: Dataset[] = [
  {
    name: 'traffic-counts',
    description: 'vehicles per camera, hour, vehicle type and direction (no images)',
    type: trafficFlowObserved,
    deviceParameter: 'camera',
    columns: [
      ['hour', (row) => isoOf(row.hour)],
      ['camera_id', (row) => row.camera_id],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['vehicle_type', (row) => row.vehicle_type],
      ['direction', (row) => row.lane_direction],
      ['count', (row) => num(row.intensity)],
    ],
  },
  {
    name: 'crowd-counts',
    description: 'people per camera and hour crossing its counting lines (no images), and whether a crowd alert was open',
    type: crowdFlowObserved,
    deviceParameter: 'camera',
    columns: [
      ['hour', (row) => isoOf(row.hour)],
      ['camera_id', (row) => row.camera_id],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['people', (row) => num(row.people_count)],
      ['people_towards', (row) => num(row.people_towards) ?? 0],
      ['people_away', (row) => num(row.people_away) ?? 0],
      ['congested', (row) => Boolean(row.congested)],
    ],
  },
  {
    name: 'water-levels',
    description: 'water and tide levels per gauge and hour, in metres (average, minimum, maximum)',
    type: waterObserved,
    deviceParameter: 'station',
    columns: [
      ['hour', (row) => isoOf(row.hour)],
      ['station_id', (row) => row.sensor_id],
      ['station_name', (row) => row.sensor_name],
      ['station_name_en', (row) => row.sensor_name_en],
      ['kind', (row) => row.sensor_kind],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['level_avg_m', (row) => metres(row.level_avg_m)],
      ['level_min_m', (row) => metres(row.level_min_m)],
      ['level_max_m', (row) => metres(row.level_max_m)],
      ['readings', (row) => num(row.readings)],
    ],
  },
  {
    name: 'rainfall',
    description: 'rainfall per station and hour (the total of the readings, in the station unit, usually mm)',
    type: rainfallHours,
    deviceParameter: 'station',
    columns: [
      ['hour', (row) => isoOf(row.hour)],
      ['station_id', (row) => row.sensor_id],
      ['station_name', (row) => row.sensor_name],
      ['station_name_en', (row) => row.sensor_name_en],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['rainfall', (row) => rounded(row.total)],
      ['unit', (row) => row.unit],
      ['readings', (row) => num(row.readings)],
    ],
  },
  {
    name: 'salinity',
    description: 'salinity per station and hour (average, minimum, maximum, in the station unit, usually g/L)',
    type: salinityHours,
    deviceParameter: 'station',
    columns: [
      ['hour', (row) => isoOf(row.hour)],
      ['station_id', (row) => row.sensor_id],
      ['station_name', (row) => row.sensor_name],
      ['station_name_en', (row) => row.sensor_name_en],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['salinity_avg', (row) => rounded(row.average)],
      ['salinity_min', (row) => rounded(row.minimum)],
      ['salinity_max', (row) => rounded(row.maximum)],
      ['unit', (row) => row.unit],
      ['readings', (row) => num(row.readings)],
    ],
  },
  {
    name: 'alerts',
    description: 'active public alerts (traffic, crowds, water levels): kind, severity, time and place',
    type: publicAlert,
    dailyType: publicAlertsRaised,
    columns: [
      ['id', (row) => `urn:ngsi-ld:Alert:${row.id}`],
      ['kind', (row) => row.kind],
      ['category', (row) => row.category],
      ['sub_category', (row) => row.sub_category],
      ['severity', (row) => row.severity],
      ['first_seen_at', (row) => isoOf(row.first_seen_at)],
      ['last_seen_at', (row) => isoOf(row.last_seen_at)],
      ['lat', (row) => num(row.lat)],
      ['lon', (row) => num(row.lon)],
      ['district', (row) => row.district_name],
      ['district_en', (row) => row.district_name_en],
    ],
  },
  {
    name: 'report-counts',
    description: "residents' reports per day (UTC), category and district, rejected reports left out (counts only: nothing a resident wrote)",
    type: reportCounts,
    columns: [
      ['day', (row) => isoOf(row.day).slice(0, 10)],
      ['category', (row) => row.category],
      ['district_id', (row) => row.district_id],
      ['district', (row) => row.district_name],
      ['district_en', (row) => row.district_name_en],
      ['reports', (row) => num(row.reports)],
    ],
  },
];

export function datasetCsv(dataset: Dataset, rows: Row[], meta: OpenDataMeta): string {
  const header = [...dataset.columns.map(([name]) => name), 'licence'].join(',');
  const lines = rows.map((row) => [...dataset.columns.map(([, value]) => csvCell(value(row))), csvCell(meta.licence)].join(','));
  return [header, ...lines].map((line) => `${line}\r\n`).join('');
}

export function datasetJson(dataset: Dataset, rows: Row[], meta: OpenDataMeta, range: { from: Date; to: Date } | undefined) {
  return {
    dataset: dataset.name,
    description: dataset.description,
    licence: meta.licence,
    licenceUrl: meta.licenceUrl,
    dataProvider: meta.dataProvider,
    generatedAt: new Date().toISOString(),
    ...(range ? { from: range.from.toISOString(), to: range.to.toISOString() } : {}),
    rows: rows.map((row) => Object.fromEntries(dataset.columns.map(([name, value]) => [name, value(row) ?? null]))),
  };
}
