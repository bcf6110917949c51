// SQL of the reports for leaders: the figures of a period that no other screen asks for (alerts counted
// by kind, district and severity; vehicles by city hour and class; gauge peaks and rain totals; device
// availability), and the stored reports (table leader_reports, migration 0120).
import type { Queryable } from '@cityops/core/database/pool';
import type { LeaderReport, LeaderReportKind, ReportLanguage } from '@cityops/contract/leader-reports';
import { VEHICLE_CLASSES } from '../web-traffic-repository.ts';
import { cityDayOf } from './period.ts';

export interface Period {
  from: Date;
  to: Date;
}

/** A place's names as the devices tables keep them. */
export interface Names {
  name: string;
  nameEn: string | null;
}

export interface CountRow {
  key: string | null;
  names: Names | null;
  count: number;
}

/** Alerts raised in the period (first seen in it), counted by kind, by district and by severity. */
export async function alertCounts(db: Queryable, period: Period): Promise<{ byKind: CountRow[]; byDistrict: CountRow[]; bySeverity: CountRow[] }> {
  const result = await db.query(
    `SELECT CASE WHEN GROUPING(a.kind) = 0 THEN 'kind' WHEN GROUPING(a.severity) = 0 THEN 'severity' ELSE 'district' END AS grouping,
            COALESCE(a.kind, a.severity, a.district_id) AS key, d.name, d.name_en, count(*)::int AS count
       FROM alerts a LEFT JOIN districts d ON d.id = a.district_id
      WHERE a.first_seen_at >= $1 AND a.first_seen_at < $2
      GROUP BY GROUPING SETS ((a.kind), (a.severity), (a.district_id, d.name, d.name_en))
      ORDER BY count DESC, key NULLS LAST`,
    [period.from, period.to],
  );
  const rows = (grouping: string) =>
    result.rows
      .filter((row) => row.grouping === grouping)
      .map((row) => ({ key: row.key as string | null, names: row.name ? { name: row.name as string, nameEn: row.name_en as string | null } : null, count: row.count as number }));
  return { byKind: rows('kind'), byDistrict: rows('district'), bySeverity: rows('severity') };
}

/** Vehicles crossing the counting lines per hour of the city day (0–23) and class, summed over the period. */
export async function vehiclesByCityHour(db: Queryable, period: Period, timeZone: string): Promise<Array<{ hour: number; class: string; count: number }>> {
  const result = await db.query(
    `SELECT extract(hour FROM minute AT TIME ZONE $3)::int AS hour, class, sum(count)::bigint AS count
       FROM traffic_counts WHERE minute >= $1 AND minute < $2 AND class = ANY($4)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [period.from, period.to, timeZone, VEHICLE_CLASSES],
  );
  return result.rows.map((row) => ({ hour: row.hour as number, class: row.class as string, count: Number(row.count) }));
}

export interface GaugePeak {
  id: string;
  names: Names;
  kind: string;
  unit: string;
  peak: number | null;
  peakAt: Date | null;
  levels: [number | null, number | null, number | null];
}

/** The highest reading of each tide and water level gauge in the period, with its alarm levels. */
export async function gaugePeaks(db: Queryable, period: Period): Promise<GaugePeak[]> {
  const result = await db.query(
    `SELECT s.id, s.name, s.name_en, s.kind, s.unit, s.level1, s.level2, s.level3, p.value AS peak, p.ts AS peak_at
       FROM sensors s
       LEFT JOIN LATERAL (SELECT r.value, r.ts FROM sensor_readings r WHERE r.sensor_id = s.id AND r.ts >= $1 AND r.ts < $2
                          ORDER BY r.value DESC, r.ts LIMIT 1) p ON true
      WHERE s.kind IN ('tide_level', 'water_level') AND s.enabled
      ORDER BY s.id`,
    [period.from, period.to],
  );
  return result.rows.map((row) => ({
    id: row.id,
    names: { name: row.name, nameEn: row.name_en },
    kind: row.kind,
    unit: row.unit,
    peak: row.peak,
    peakAt: row.peak_at,
    levels: [row.level1, row.level2, row.level3],
  }));
}

/** Rain in the period per rain gauge (each reading is the depth since the one before). */
export async function rainfallTotals(db: Queryable, period: Period): Promise<Array<{ id: string; names: Names; unit: string; total: number }>> {
  const result = await db.query(
    `SELECT s.id, s.name, s.name_en, s.unit, COALESCE(sum(r.value), 0)::float8 AS total
       FROM sensors s LEFT JOIN sensor_readings r ON r.sensor_id = s.id AND r.ts >= $1 AND r.ts < $2
      WHERE s.kind = 'rainfall' AND s.enabled
      GROUP BY s.id ORDER BY s.id`,
    [period.from, period.to],
  );
  return result.rows.map((row) => ({ id: row.id, names: { name: row.name, nameEn: row.name_en }, unit: row.unit, total: Math.round(row.total * 10) / 10 }));
}

export interface SensorAvailability {
  id: string;
  names: Names;
  readings: number;
  expected: number;
}

/** Readings each enabled sensor sent in the period against those its reporting interval promises. */
export async function sensorAvailability(db: Queryable, period: Period): Promise<SensorAvailability[]> {
  const result = await db.query(
    `SELECT s.id, s.name, s.name_en, s.expected_interval_seconds,
            (SELECT count(*) FROM sensor_readings r WHERE r.sensor_id = s.id AND r.ts >= $1 AND r.ts < $2)::int AS readings
       FROM sensors s WHERE s.enabled ORDER BY s.id`,
    [period.from, period.to],
  );
  const seconds = (period.to.getTime() - period.from.getTime()) / 1000;
  return result.rows.map((row) => ({
    id: row.id,
    names: { name: row.name, nameEn: row.name_en },
    readings: row.readings,
    expected: Math.max(1, Math.floor(seconds / row.expected_interval_seconds)),
  }));
}

/** Enabled cameras, those online now, and the camera-offline alerts raised in the period. */
export async function cameraAvailability(db: Queryable, period: Period): Promise<{ cameras: number; onlineNow: number; offlineAlerts: number }> {
  const result = await db.query(
    `SELECT (SELECT count(*) FROM cameras WHERE enabled)::int AS cameras,
            (SELECT count(*) FROM cameras c JOIN camera_status st ON st.camera_id = c.id WHERE c.enabled AND st.state <> 'offline')::int AS online,
            (SELECT count(*) FROM alerts WHERE kind = 'camera_offline' AND first_seen_at >= $1 AND first_seen_at < $2)::int AS offline_alerts`,
    [period.from, period.to],
  );
  const row = result.rows[0];
  return { cameras: row.cameras, onlineNow: row.online, offlineAlerts: row.offline_alerts };
}

// ---- Stored reports ----

export interface StoredReportInput {
  kind: LeaderReportKind;
  language: ReportLanguage;
  from: Date;
  to: Date;
  createdBy: string | null;
  pdf: Buffer;
  csv: Buffer;
}

const LIST_COLUMNS = `id, kind, language, period_from, period_to, created_at, created_by, octet_length(pdf) AS pdf_bytes, octet_length(csv) AS csv_bytes`;

function asReport(row: Record<string, unknown>): LeaderReport {
  const from = row.period_from as Date;
  return {
    id: Number(row.id),
    kind: row.kind as LeaderReportKind,
    language: row.language as ReportLanguage,
    from: from.toISOString(),
    to: (row.period_to as Date).toISOString(),
    day: cityDayOf(from),
    createdAt: (row.created_at as Date).toISOString(),
    createdBy: (row.created_by as string | null) ?? null,
    pdfBytes: Number(row.pdf_bytes),
    csvBytes: Number(row.csv_bytes),
  };
}

/** Stores a report; one made for the same kind, language and period is replaced (made again on demand). */
export async function saveReport(db: Queryable, input: StoredReportInput): Promise<LeaderReport> {
  const result = await db.query(
    `INSERT INTO leader_reports (kind, language, period_from, period_to, created_by, pdf, csv) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (kind, language, period_from) DO UPDATE
       SET period_to = EXCLUDED.period_to, created_by = EXCLUDED.created_by, pdf = EXCLUDED.pdf, csv = EXCLUDED.csv, created_at = now()
     RETURNING ${LIST_COLUMNS}`,
    [input.kind, input.language, input.from, input.to, input.createdBy, input.pdf, input.csv],
  );
  return asReport(result.rows[0]);
}

/** Stores a scheduled report unless one exists for its period: undefined when it was there already. */
export async function saveReportOnce(db: Queryable, input: StoredReportInput): Promise<LeaderReport | undefined> {
  const result = await db.query(
    `INSERT INTO leader_reports (kind, language, period_from, period_to, created_by, pdf, csv) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (kind, language, period_from) DO NOTHING RETURNING ${LIST_COLUMNS}`,
    [input.kind, input.language, input.from, input.to, input.createdBy, input.pdf, input.csv],
  );
  return result.rows[0] ? asReport(result.rows[0]) : undefined;
}

export async function reportExists(db: Queryable, kind: LeaderReportKind, language: ReportLanguage, from: Date): Promise<boolean> {
  const result = await db.query(`SELECT 1 FROM leader_reports WHERE kind = $1 AND language = $2 AND period_from = $3`, [kind, language, from]);
  return result.rowCount === 1;
}

/** The newest periods first. */
export async function listReports(db: Queryable, limit = 200): Promise<LeaderReport[]> {
  const result = await db.query(`SELECT ${LIST_COLUMNS} FROM leader_reports ORDER BY period_from DESC, kind, language LIMIT $1`, [limit]);
  return result.rows.map(asReport);
}

/** One report's file, with what names it; undefined when there is no such report. */
export async function reportFile(db: Queryable, id: number, format: 'pdf' | 'csv'): Promise<{ report: LeaderReport; bytes: Buffer } | undefined> {
  const result = await db.query(`SELECT ${LIST_COLUMNS}, ${format === 'pdf' ? 'pdf' : 'csv'} AS bytes FROM leader_reports WHERE id = $1`, [id]);
  const row = result.rows[0];
  return row ? { report: asReport(row), bytes: row.bytes as Buffer } : undefined;
}
