// Residents' report figures as CSV (RFC 4180 with CRLF; cells through the alerts' csvCell, which quotes
// and defuses agency names that look like spreadsheet formulas).
import type { ReportFigures } from '@cityops/contract/citizen-reports';
import { csvCell } from '../alerts/csv.ts';

export const REPORT_FIGURES_CSV_COLUMNS = [
  'by', 'group', 'reports', 'rejected', 'resolved', 'median_to_acknowledge_min', 'median_to_resolve_min', 'ratings', 'average_stars', 'from', 'to',
] as const;

export function* reportFiguresCsvLines(figures: ReportFigures): Generator<string> {
  yield `${REPORT_FIGURES_CSV_COLUMNS.join(',')}\r\n`;
  for (const row of figures.rows) {
    const cells = [figures.by, row.group, row.reports, row.rejected, row.resolved, row.medianToAcknowledgeMinutes, row.medianToResolveMinutes, row.ratings, row.averageStars, figures.from, figures.to];
    yield `${cells.map(csvCell).join(',')}\r\n`;
  }
}
