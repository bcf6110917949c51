// Alert history as CSV for spreadsheets. Cells that a spreadsheet would run as a formula
// (starting with = + - @ or a tab/return) are prefixed with a quote: an alert title typed by
// someone must not become a formula on an analyst's machine.
export const ALERT_CSV_COLUMNS = [
  'id', 'kind', 'severity', 'state', 'source_type', 'source_id', 'zone_id', 'district_id', 'lat', 'lon',
  'title_vi', 'title_en', 'first_seen_at', 'last_seen_at', 'occurrences', 'team', 'acknowledged_at',
  'assigned_at', 'resolved_at', 'closed_at', 'auto_cleared_at', 'district_vi', 'district_en',
] as const;

const COLUMN_SOURCE: Record<(typeof ALERT_CSV_COLUMNS)[number], string> = {
  id: 'id', kind: 'kind', severity: 'severity', state: 'state', source_type: 'source_type', source_id: 'source_id',
  zone_id: 'zone_id', district_id: 'district_id', lat: 'lat', lon: 'lon', title_vi: 'title_vi', title_en: 'title_en',
  first_seen_at: 'first_seen_at', last_seen_at: 'last_seen_at', occurrences: 'occurrences', team: 'team_name',
  acknowledged_at: 'acknowledged_at', assigned_at: 'assigned_at', resolved_at: 'resolved_at', closed_at: 'closed_at',
  auto_cleared_at: 'auto_cleared_at', district_vi: 'district_name', district_en: 'district_name_en',
};

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const alertCsvHeader = () => `${ALERT_CSV_COLUMNS.join(',')}\r\n`;

export const alertCsvLine = (row: Record<string, unknown>) => `${ALERT_CSV_COLUMNS.map((column) => csvCell(row[COLUMN_SOURCE[column]])).join(',')}\r\n`;
