// A report as CSV for spreadsheets (RFC 4180: CRLF, quoted cells, names that look like formulas defused
// by the alerts' csvCell), one figure a line: section, key, label (in the report's language), measure,
// value. Keys stay the same in both languages, so a spreadsheet of many days can pivot on them.
import { csvCell } from '../alerts/csv.ts';
import type { LeaderReportData } from './report-data.ts';

export const REPORT_CSV_COLUMNS = ['section', 'key', 'label', 'measure', 'value'] as const;

type Cell = string | number | null;

function* figureLines(report: LeaderReportData): Generator<Cell[]> {
  const { period } = report;
  yield ['period', report.period.kind, period.day, 'from', period.from.toISOString()];
  yield ['period', report.period.kind, period.day, 'to', period.to.toISOString()];
  yield ['alerts', '*', null, 'alerts', report.alerts.total];
  for (const row of report.alerts.byKind) yield ['alerts_by_kind', row.key, row.label, 'alerts', row.count];
  for (const row of report.alerts.byDistrict) yield ['alerts_by_district', row.key, row.label, 'alerts', row.count];
  for (const row of report.alerts.bySeverity) yield ['alerts_by_severity', row.key, row.label, 'alerts', row.count];
  for (const row of [...report.incidents.byKind, report.incidents.total]) {
    yield ['incidents_by_kind', row.key, row.label, 'incidents', row.incidents];
    yield ['incidents_by_kind', row.key, row.label, 'resolved', row.resolved];
    yield ['incidents_by_kind', row.key, row.label, 'acknowledge_median_s', row.acknowledgeMedianSeconds];
    yield ['incidents_by_kind', row.key, row.label, 'arrive_median_s', row.arriveMedianSeconds];
    yield ['incidents_by_kind', row.key, row.label, 'resolve_median_s', row.resolveMedianSeconds];
    yield ['incidents_by_kind', row.key, row.label, 'past_deadline', row.pastDeadline];
  }
  for (const { hour, counts } of report.traffic.byHour) {
    for (const vehicleClass of report.traffic.classes) {
      yield ['traffic_by_hour', String(hour).padStart(2, '0'), vehicleClass.label, vehicleClass.key, counts[vehicleClass.key] ?? 0];
    }
  }
  for (const row of report.traffic.classes) yield ['traffic_by_class', row.key, row.label, 'vehicles', row.count];
  for (const gauge of report.gauges) {
    yield ['water_level_peak', gauge.key, gauge.label, `peak_${gauge.unit}`, gauge.peak];
    yield ['water_level_peak', gauge.key, gauge.label, 'peak_at', gauge.peakAt ? gauge.peakAt.toISOString() : null];
    for (const [index, level] of gauge.levels.entries()) yield ['water_level_peak', gauge.key, gauge.label, `level${index + 1}_${gauge.unit}`, level];
    yield ['water_level_peak', gauge.key, gauge.label, 'level_reached', gauge.levelReached];
  }
  for (const gauge of report.rainfall) yield ['rainfall', gauge.key, gauge.label, `total_${gauge.unit}`, gauge.total];
  const { devices } = report;
  yield ['devices', 'sensors', null, 'enabled', devices.sensors];
  yield ['devices', 'sensors', null, 'readings', devices.readings];
  yield ['devices', 'sensors', null, 'expected_readings', devices.expectedReadings];
  for (const row of devices.sensorsBelow) {
    yield ['sensor_below_90', row.key, row.label, 'readings', row.readings];
    yield ['sensor_below_90', row.key, row.label, 'expected_readings', row.expected];
  }
  yield ['devices', 'cameras', null, 'enabled', devices.cameras];
  yield ['devices', 'cameras', null, 'online_at_generation', devices.camerasOnlineNow];
  yield ['devices', 'cameras', null, 'offline_alerts', devices.cameraOfflineAlerts];
}

export function reportCsv(report: LeaderReportData): Buffer {
  const lines = [REPORT_CSV_COLUMNS.join(',')];
  for (const cells of figureLines(report)) lines.push(cells.map(csvCell).join(','));
  // A byte order mark: spreadsheet programs then read the Vietnamese names as UTF-8.
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}
