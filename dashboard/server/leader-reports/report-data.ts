// One report as plain data: the figures of a period, with every label already in the report's
// language. The CSV writer (report-csv.ts) and the PDF writer (report-pdf.ts) only lay it out.
import type { Queryable } from '@cityops/core/database/pool';
import type { AlertKind, AlertSeverity } from '@cityops/contract/alerts';
import type { IncidentKind } from '@cityops/contract/incidents';
import { nameIn } from '@cityops/contract/devices';
import { CITY_TIME_ZONE, type ReportLanguage } from '@cityops/contract/leader-reports';
import { KIND_NAMES as ALERT_KIND_NAMES } from '../alerts/kinds.ts';
import { KIND_NAMES as INCIDENT_KIND_NAMES } from '../incidents/incident-cap.ts';
import { responseFigures } from '../incidents/figures.ts';
import type { ReportPeriod } from './period.ts';
import { alertCounts, cameraAvailability, gaugePeaks, rainfallTotals, sensorAvailability, vehiclesByCityHour, type CountRow } from './repository.ts';
import { reportText, SEVERITY_NAMES, VEHICLE_CLASS_NAMES } from './report-text.ts';

export interface LabelledCount {
  key: string;
  label: string;
  count: number;
}

export interface ResponseRow {
  key: string;
  label: string;
  incidents: number;
  resolved: number;
  acknowledgeMedianSeconds: number | null;
  arriveMedianSeconds: number | null;
  resolveMedianSeconds: number | null;
  pastDeadline: number;
}

export interface LeaderReportData {
  language: ReportLanguage;
  period: ReportPeriod;
  generatedAt: Date;
  alerts: { total: number; byKind: LabelledCount[]; byDistrict: LabelledCount[]; bySeverity: LabelledCount[] };
  incidents: { byKind: ResponseRow[]; total: ResponseRow };
  /** 24 rows (city hours 0–23), each with a count per class of `classes`. */
  traffic: { classes: LabelledCount[]; byHour: Array<{ hour: number; counts: Record<string, number> }>; total: number };
  gauges: Array<{ key: string; label: string; unit: string; peak: number | null; peakAt: Date | null; levels: [number | null, number | null, number | null]; levelReached: number }>;
  rainfall: Array<{ key: string; label: string; unit: string; total: number }>;
  devices: {
    sensors: number;
    readings: number;
    expectedReadings: number;
    /** Sensors that sent under 90 % of their expected readings, fewest first. */
    sensorsBelow: Array<{ key: string; label: string; readings: number; expected: number }>;
    cameras: number;
    camerasOnlineNow: number;
    cameraOfflineAlerts: number;
  };
}

/** motorbike and motorcycle are the same vehicle under two detector names. */
const vehicleClass = (name: string) => (name === 'motorbike' ? 'motorcycle' : name);

/** The highest alarm level (1–3) a peak reached, 0 when it stayed under all of them. */
export function levelReached(peak: number | null, levels: Array<number | null>): number {
  if (peak === null) return 0;
  let reached = 0;
  levels.forEach((level, index) => {
    if (level !== null && peak >= level) reached = index + 1;
  });
  return reached;
}

export async function assembleReport(db: Queryable, period: ReportPeriod, language: ReportLanguage, now = new Date()): Promise<LeaderReportData> {
  const text = (key: Parameters<typeof reportText>[1]) => reportText(language, key);
  // One query after another: `db` may be one connection (the schedule's transaction).
  const alerts = await alertCounts(db, period);
  const response = await responseFigures(db, period, 'kind');
  const vehicles = await vehiclesByCityHour(db, period, CITY_TIME_ZONE);
  const peaks = await gaugePeaks(db, period);
  const rain = await rainfallTotals(db, period);
  const sensors = await sensorAvailability(db, period);
  const cameras = await cameraAvailability(db, period);

  const labelled = (rows: CountRow[], label: (row: CountRow) => string) => rows.map((row) => ({ key: row.key ?? '', label: label(row), count: row.count }));
  const responseRow = (key: string, label: string, group: (typeof response)['total']): ResponseRow => ({
    key,
    label,
    incidents: group.incidents,
    resolved: group.resolved,
    acknowledgeMedianSeconds: group.acknowledge.medianSeconds,
    arriveMedianSeconds: group.arrive.medianSeconds,
    resolveMedianSeconds: group.resolve.medianSeconds,
    pastDeadline: group.pastDeadline,
  });

  const classTotals = new Map<string, number>();
  const byHour = Array.from({ length: 24 }, (_, hour) => ({ hour, counts: {} as Record<string, number> }));
  for (const row of vehicles) {
    const name = vehicleClass(row.class);
    byHour[row.hour].counts[name] = (byHour[row.hour].counts[name] ?? 0) + row.count;
    classTotals.set(name, (classTotals.get(name) ?? 0) + row.count);
  }
  const classes = [...classTotals]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => ({ key, label: VEHICLE_CLASS_NAMES[key]?.[language] ?? key, count }));

  const share = (row: { readings: number; expected: number }) => row.readings / row.expected;
  return {
    language,
    period,
    generatedAt: now,
    alerts: {
      total: alerts.bySeverity.reduce((sum, row) => sum + row.count, 0),
      byKind: labelled(alerts.byKind, (row) => ALERT_KIND_NAMES[row.key as AlertKind]?.[language] ?? String(row.key)),
      byDistrict: labelled(alerts.byDistrict, (row) => (row.names ? nameIn(row.names, language) : text('noDistrict'))),
      bySeverity: labelled(alerts.bySeverity, (row) => SEVERITY_NAMES[row.key as AlertSeverity]?.[language] ?? String(row.key)),
    },
    incidents: {
      byKind: response.groups.map((group) => responseRow(group.key ?? '', INCIDENT_KIND_NAMES[group.key as IncidentKind]?.[language] ?? String(group.key), group)),
      total: responseRow('*', text('total'), response.total),
    },
    traffic: { classes, byHour, total: [...classTotals.values()].reduce((sum, count) => sum + count, 0) },
    gauges: peaks.map((gauge) => ({
      key: gauge.id,
      label: nameIn(gauge.names, language),
      unit: gauge.unit,
      peak: gauge.peak,
      peakAt: gauge.peakAt,
      levels: gauge.levels,
      levelReached: levelReached(gauge.peak, gauge.levels),
    })),
    rainfall: rain.map((gauge) => ({ key: gauge.id, label: nameIn(gauge.names, language), unit: gauge.unit, total: gauge.total })),
    devices: {
      sensors: sensors.length,
      readings: sensors.reduce((sum, row) => sum + Math.min(row.readings, row.expected), 0),
      expectedReadings: sensors.reduce((sum, row) => sum + row.expected, 0),
      sensorsBelow: sensors
        .filter((row) => share(row) < 0.9)
        .sort((a, b) => share(a) - share(b))
        .map((row) => ({ key: row.id, label: nameIn(row.names, language), readings: row.readings, expected: row.expected })),
      cameras: cameras.cameras,
      camerasOnlineNow: cameras.onlineNow,
      cameraOfflineAlerts: cameras.offlineAlerts,
    },
  };
}
