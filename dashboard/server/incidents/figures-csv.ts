// Response figures as CSV for spreadsheets (RFC 4180: CRLF, quoted cells, team names that look like
// formulas defused by the alerts' csvCell). One line per group, then the total with the key `*`
// (no kind, district id or team id can be `*`).
import type { ResponseFigureGroup, ResponseFigures } from '@cityops/contract/incident-figures';
import { csvCell } from '../alerts/csv.ts';

export const FIGURES_CSV_COLUMNS = [
  'by', 'key', 'label', 'incidents', 'resolved',
  'acknowledge_median_s', 'acknowledge_p90_s', 'acknowledge_count',
  'arrive_median_s', 'arrive_p90_s', 'arrive_count',
  'resolve_median_s', 'resolve_p90_s', 'resolve_count',
  'past_acknowledge_deadline', 'past_arrive_deadline', 'past_deadline',
  'from', 'to',
] as const;

export const TOTAL_KEY = '*';

function line(figures: ResponseFigures, group: ResponseFigureGroup, key: string | null): string {
  const cells = [
    figures.by, key, group.label, group.incidents, group.resolved,
    group.acknowledge.medianSeconds, group.acknowledge.p90Seconds, group.acknowledge.count,
    group.arrive.medianSeconds, group.arrive.p90Seconds, group.arrive.count,
    group.resolve.medianSeconds, group.resolve.p90Seconds, group.resolve.count,
    group.pastAcknowledgeDeadline, group.pastArriveDeadline, group.pastDeadline,
    figures.from, figures.to,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function* figuresCsvLines(figures: ResponseFigures): Generator<string> {
  yield `${FIGURES_CSV_COLUMNS.join(',')}\r\n`;
  for (const group of figures.groups) yield line(figures, group, group.key);
  yield line(figures, figures.total, TOTAL_KEY);
}
