// Response figures: how fast incidents were acknowledged, reached and resolved, per kind, district or
// first team sent, over a period; a bar per group shows the median, its lighter tail the 90th
// percentile. The CSV link downloads exactly the figures on screen (same period, same grouping). Below,
// the residents' reports over the same period (report-figures-panel.tsx).
import { useEffect, useRef, useState } from 'react';
import { FIGURE_GROUPINGS, type DurationFigure, type FigureGrouping, type ResponseFigureGroup, type ResponseFigures } from '@cityops/contract/incident-figures';
import { durationText } from '../duration-text.ts';
import { useI18n } from '../i18n.tsx';
import { useServerEvent } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { setQueryParam, useLocation } from '../router.tsx';
import { EmptyState, ErrorNote, Icon, Spinner, Unavailable } from '../ui.tsx';
import { ReportFiguresPanel } from './report-figures-panel.tsx';
import { usePeriodFigures } from './use-period-figures.ts';

const PERIOD_DAYS = [1, 7, 30, 90, 365];
const DEFAULT_DAYS = 7;
const MEASURES = ['acknowledge', 'arrive', 'resolve'] as const;
const REFRESH_AFTER_CHANGE_MS = 2_000;
type Measure = (typeof MEASURES)[number];

function usePeriodAndGrouping(): { days: number; by: FigureGrouping } {
  const { query } = useLocation();
  const days = Number(query.get('days') ?? DEFAULT_DAYS);
  const by = query.get('by') as FigureGrouping | null;
  return { days: PERIOD_DAYS.includes(days) ? days : DEFAULT_DAYS, by: by && FIGURE_GROUPINGS.includes(by) ? by : 'kind' };
}

export default function ResponseFiguresPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const { days, by } = usePeriodAndGrouping();
  // Bumped when an incident changes: the figures are asked for again, over the period up to now.
  const [generation, setGeneration] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useServerEvent('incident:changed', () => {
    // A busy hour changes incidents every few seconds: one new query after the burst, not one each.
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => setGeneration((value) => value + 1), REFRESH_AFTER_CHANGE_MS);
  });
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  const { figures, search, error } = usePeriodFigures<ResponseFigures>('/api/incidents/figures', days, by, generation);

  const groupName = (group: ResponseFigureGroup) => {
    if (by === 'kind') return group.key ? t(`figures.kind.${group.key}` as MessageKey) : '—';
    if (group.label) return group.label;
    return t(by === 'team' ? 'figures.noTeam' : 'figures.noDistrict');
  };
  const total = figures?.total;

  return (
    <div className="page response-figures-page" data-testid="response-figures">
      <header className="page-header">
        <div>
          <h1>{t('figures.title')}</h1>
          <p className="muted">{t('figures.subtitle')}</p>
        </div>
        <div className="page-tools">
          <label className="inline-field">
            <span className="muted small">{t('figures.by')}</span>
            <select value={by} onChange={(e) => setQueryParam('by', e.target.value)} data-testid="figures-by">
              {FIGURE_GROUPINGS.map((grouping) => (
                <option key={grouping} value={grouping}>
                  {t(`figures.by.${grouping}`)}
                </option>
              ))}
            </select>
          </label>
          <select value={days} onChange={(e) => setQueryParam('days', e.target.value)} aria-label={t('figures.period')} data-testid="figures-days">
            {PERIOD_DAYS.map((value) => (
              <option key={value} value={value}>
                {t('figures.days', { count: value })}
              </option>
            ))}
          </select>
          <a className={`button ${search && figures ? '' : 'disabled'}`} href={search && figures ? `/api/incidents/figures.csv?${search}` : undefined} download data-testid="figures-csv">
            <Icon name="download" /> {t('figures.csv')}
          </a>
        </div>
      </header>

      <div className="stat-row">
        <div className="stat-card">
          <span className="kpi-label">{t('figures.incidents')}</span>
          <span className="kpi-value" data-testid="figures-total-incidents">{total ? i18n.number(total.incidents) : '—'}</span>
          <span className="muted small">{total ? `${t('figures.resolved')}: ${i18n.number(total.resolved)}` : ''}</span>
        </div>
        {MEASURES.map((measure) => {
          const figure = total?.[measure];
          return (
            <div className="stat-card" key={measure}>
              <span className="kpi-label">{t(`figures.${measure}`)}</span>
              <span className="kpi-value">{figure?.medianSeconds != null ? durationText(i18n, figure.medianSeconds) : '—'}</span>
              <span className="muted small">{figure?.p90Seconds != null ? `P90 ${durationText(i18n, figure.p90Seconds)}` : ''}</span>
            </div>
          );
        })}
        <div className={`stat-card ${total?.pastDeadline ? 'late' : ''}`}>
          <span className="kpi-label">{t('figures.pastDeadline')}</span>
          <span className="kpi-value" data-testid="figures-total-late">{total ? i18n.number(total.pastDeadline) : '—'}</span>
          <span className="muted small">{total ? t('figures.pastDeadlineDetail', { acknowledge: total.pastAcknowledgeDeadline, arrive: total.pastArriveDeadline }) : ''}</span>
        </div>
      </div>

      <section className="panel table-panel figures-panel">
        <header className="panel-header">
          <h2>
            {t(`figures.by.${by}`)} <span className="panel-count">{figures?.groups.length ?? 0}</span>
          </h2>
          <span className="figures-legend muted small">
            <span className="figures-swatch median" /> {t('figures.legendMedian')}
            <span className="figures-swatch p90" /> {t('figures.legendP90')}
          </span>
        </header>
        {error ? (
          <ErrorNote error={error} />
        ) : figures === undefined ? (
          <Spinner label={t('common.loading')} />
        ) : figures === null ? (
          <Unavailable what="feature.figures" />
        ) : figures.groups.length === 0 ? (
          <EmptyState icon="check" title={t('figures.none')} detail={t('figures.noneDetail')} />
        ) : (
          <FiguresTable figures={figures} groupName={groupName} />
        )}
      </section>

      <ReportFiguresPanel days={days} generation={generation} />
    </div>
  );
}

function FiguresTable({ figures, groupName }: { figures: ResponseFigures; groupName(group: ResponseFigureGroup): string }) {
  const i18n = useI18n();
  const { t } = i18n;
  // Each column's bars share a scale: the largest p90 (or median) of its groups.
  const scale = Object.fromEntries(MEASURES.map((measure) => [measure, Math.max(1, ...figures.groups.map((group) => group[measure].p90Seconds ?? group[measure].medianSeconds ?? 0))])) as Record<Measure, number>;
  return (
    <div className="table-scroll">
      <table className="data-table figures-table" data-testid="figures-table">
        <thead>
          <tr>
            <th>{t('figures.group')}</th>
            <th className="number">{t('figures.incidents')}</th>
            <th className="number">{t('figures.resolved')}</th>
            {MEASURES.map((measure) => (
              <th key={measure}>{t(`figures.${measure}`)}</th>
            ))}
            <th className="number">{t('figures.pastDeadline')}</th>
          </tr>
        </thead>
        <tbody>
          {figures.groups.map((group) => (
            <tr key={`${group.key}-${group.label}`} data-testid="figures-row" data-key={group.key ?? ''}>
              <td className="figures-group">{groupName(group)}</td>
              <td className="number">{i18n.number(group.incidents)}</td>
              <td className="number">{i18n.number(group.resolved)}</td>
              {MEASURES.map((measure) => (
                <td key={measure}>
                  <DurationBar figure={group[measure]} max={scale[measure]} />
                </td>
              ))}
              <td className={`number ${group.pastDeadline ? 'late' : ''}`} title={t('figures.pastDeadlineDetail', { acknowledge: group.pastAcknowledgeDeadline, arrive: group.pastArriveDeadline })}>
                {i18n.number(group.pastDeadline)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="figures-total">
            <td className="figures-group">{t('figures.total')}</td>
            <td className="number">{i18n.number(figures.total.incidents)}</td>
            <td className="number">{i18n.number(figures.total.resolved)}</td>
            {MEASURES.map((measure) => (
              <td key={measure}>
                <DurationBar figure={figures.total[measure]} max={Math.max(scale[measure], figures.total[measure].p90Seconds ?? 0)} />
              </td>
            ))}
            <td className={`number ${figures.total.pastDeadline ? 'late' : ''}`}>{i18n.number(figures.total.pastDeadline)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/** The median as a solid bar, the 90th percentile as its lighter tail, and both in words. */
function DurationBar({ figure, max }: { figure: DurationFigure; max: number }) {
  const i18n = useI18n();
  if (figure.medianSeconds === null) return <span className="muted">—</span>;
  const percent = (seconds: number | null) => `${Math.min(100, ((seconds ?? 0) / max) * 100).toFixed(1)}%`;
  const median = durationText(i18n, figure.medianSeconds);
  const p90 = figure.p90Seconds === null ? median : durationText(i18n, figure.p90Seconds);
  return (
    <div className="duration-bar" title={i18n.t('figures.medianOf', { median, p90, count: figure.count })}>
      <div className="duration-track">
        <span className="duration-p90" style={{ width: percent(figure.p90Seconds) }} />
        <span className="duration-median" style={{ width: percent(figure.medianSeconds) }} />
      </div>
      <span className="duration-text">
        <strong>{median}</strong> <span className="muted">· P90 {p90}</span>
      </span>
    </div>
  );
}
