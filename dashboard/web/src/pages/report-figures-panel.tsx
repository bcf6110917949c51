// Residents' reports on the figures page: per category, district or agency, how many came, were rejected
// and resolved, the median time from receipt to a team's acknowledgement and to resolution, and the
// residents' ratings. Same period as the incident figures above it; its CSV link gives the rows on screen.
import type { ReportFigureRow, ReportFigures } from '@cityops/contract/citizen-reports';
import { durationText } from '../duration-text.ts';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { setQueryParam, useLocation } from '../router.tsx';
import { EmptyState, ErrorNote, Icon, Spinner, Unavailable } from '../ui.tsx';
import { usePeriodFigures } from './use-period-figures.ts';

const GROUPINGS = ['category', 'district', 'agency'] as const satisfies readonly ReportFigures['by'][];
type Grouping = (typeof GROUPINGS)[number];

function useGrouping(): Grouping {
  const by = useLocation().query.get('reportsBy') as Grouping | null;
  return by && GROUPINGS.includes(by) ? by : 'category';
}

/** `generation` changes when incidents change: the figures are asked for again, up to now. */
export function ReportFiguresPanel({ days, generation }: { days: number; generation: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const by = useGrouping();
  const { figures, search, error } = usePeriodFigures<ReportFigures>('/api/reports/figures', days, by, generation);

  const groupName = (row: ReportFigureRow) => {
    if (by === 'category') return t(`report.category.${row.group}` as MessageKey);
    if (!row.group) return t(by === 'district' ? 'figures.noDistrict' : 'reportFigures.noAgency');
    if (by === 'district') return live.districtName(row.group, i18n.language)!;
    return row.group;
  };
  const minutes = (value: number | null) => (value === null ? '—' : durationText(i18n, value * 60));
  // Shown only for the grouping the figures were asked for: a switch shows the spinner, not wrong names.
  const shown = figures && figures.by === by ? figures : figures === null ? null : undefined;

  return (
    <section className="panel table-panel figures-panel" data-testid="report-figures">
      <header className="panel-header">
        <h2>
          {t('reportFigures.title')} <span className="panel-count">{shown?.rows.length ?? 0}</span>
        </h2>
        <div className="page-tools">
          <label className="inline-field">
            <span className="muted small">{t('figures.by')}</span>
            <select value={by} onChange={(e) => setQueryParam('reportsBy', e.target.value)} data-testid="report-figures-by">
              {GROUPINGS.map((grouping) => (
                <option key={grouping} value={grouping}>
                  {t(`reportFigures.by.${grouping}`)}
                </option>
              ))}
            </select>
          </label>
          <a className={`button ${search && shown ? '' : 'disabled'}`} href={search && shown ? `/api/reports/figures.csv?${search}` : undefined} download data-testid="report-figures-csv">
            <Icon name="download" /> {t('figures.csv')}
          </a>
        </div>
      </header>
      {error ? (
        <ErrorNote error={error} />
      ) : shown === undefined ? (
        <Spinner label={t('common.loading')} />
      ) : shown === null ? (
        <Unavailable what="feature.figures" />
      ) : shown.rows.length === 0 ? (
        <EmptyState icon="check" title={t('reportFigures.none')} detail={t('figures.noneDetail')} />
      ) : (
        <div className="table-scroll">
          <table className="data-table figures-table report-figures-table" data-testid="report-figures-table">
            <thead>
              <tr>
                <th>{t('figures.group')}</th>
                <th className="number">{t('reportFigures.reports')}</th>
                <th className="number">{t('reportFigures.rejected')}</th>
                <th className="number">{t('figures.resolved')}</th>
                <th className="number">{t('reportFigures.toAcknowledge')}</th>
                <th className="number">{t('reportFigures.toResolve')}</th>
                <th className="number">{t('reportFigures.satisfaction')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.rows.map((row) => (
                <tr key={row.group} data-testid="report-figures-row" data-key={row.group}>
                  <td className="figures-group">{groupName(row)}</td>
                  <td className="number">{i18n.number(row.reports)}</td>
                  <td className="number">{i18n.number(row.rejected)}</td>
                  <td className="number">{i18n.number(row.resolved)}</td>
                  <td className="number">{minutes(row.medianToAcknowledgeMinutes)}</td>
                  <td className="number">{minutes(row.medianToResolveMinutes)}</td>
                  <td className="number" data-testid="report-figures-stars">
                    {row.averageStars === null ? (
                      <span className="muted">{t('reportFigures.noRatings')}</span>
                    ) : (
                      <span title={t('reportFigures.ratings', { count: row.ratings })}>
                        <span aria-hidden="true">★ </span>
                        {i18n.number(row.averageStars, 1)} / 5 <span className="muted small">({t('reportFigures.ratings', { count: row.ratings })})</span>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
