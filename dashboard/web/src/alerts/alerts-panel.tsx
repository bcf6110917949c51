// The live alert list: most severe first, newest first within a severity, with filters by kind,
// district and state. Rows are plain and cheap: the list re-renders at most every 150 ms.
import { memo, useMemo } from 'react';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { ALERT_KINDS, type AlertState } from '@cityops/contract/alerts';
import { SEVERITIES, type Alert, type Severity } from '../live/types.ts';
import { SeverityShape } from '../severity-shape.tsx';
import { SEVERITY_COLORS } from '../map/alert-overlay.ts';
import type { MessageKey } from '../messages.ts';
import { setQueryParam, useLocation } from '../router.tsx';
import { EmptyState, Icon, Unavailable } from '../ui.tsx';

/** Rows drawn at once: an operator reads the top of the list; the rest is reached by filtering. */
const MAX_ROWS = 150;

export interface AlertFilters {
  kind?: string;
  district?: string;
  state?: string;
  severity?: string;
}

export function useAlertFilters(): AlertFilters {
  const { query } = useLocation();
  return { kind: query.get('kind') ?? undefined, district: query.get('district') ?? undefined, state: query.get('state') ?? undefined, severity: query.get('severity') ?? undefined };
}

export function filterAlerts(alerts: Alert[], filters: AlertFilters): Alert[] {
  return alerts.filter(
    (alert) =>
      (!filters.kind || alert.kind === filters.kind) &&
      (!filters.district || alert.districtId === filters.district) &&
      (!filters.state || alert.state === filters.state) &&
      (!filters.severity || alert.severity === filters.severity),
  );
}

export function SeverityBadge({ severity, large = false }: { severity: Severity; large?: boolean }) {
  const { t } = useI18n();
  return (
    <span className={`severity-badge ${severity} ${large ? 'large' : ''}`}>
      <SeverityShape severity={severity} size={large ? 11 : 9} />
      {t(`severity.${severity}`)}
    </span>
  );
}

export function StateBadge({ state }: { state: AlertState }) {
  const { t } = useI18n();
  return <span className={`state-badge ${state}`}>{t(`alertState.${state}`)}</span>;
}

export const AlertRow = memo(function AlertRow({ alert, selected, onSelect, districtName, now }: { alert: Alert; selected: boolean; onSelect(id: number): void; districtName?: string; now: number }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  return (
    <li>
      <button type="button" className={`alert-row ${alert.severity} ${selected ? 'selected' : ''} ${alert.state}`} onClick={() => onSelect(alert.id)} data-testid="alert-row" data-alert-id={alert.id} data-state={alert.state}>
        <span className="alert-bar" />
        <span className="alert-main">
          <span className="alert-title">{alert.title[language] || alert.title.vi}</span>
          <span className="alert-meta">
            <span className={`alert-severity ${alert.severity}`}>
              <SeverityShape severity={alert.severity} size={10} color={SEVERITY_COLORS[alert.severity]} />
              {t(`severity.${alert.severity}`)}
            </span>
            <span>· {t(`kind.${alert.kind}` as MessageKey)}</span>
            {districtName && <span>· {districtName}</span>}
            <span>· {alert.source.id}</span>
          </span>
        </span>
        <span className="alert-side">
          <time dateTime={alert.lastSeenAt} title={i18n.dateTime(alert.lastSeenAt)}>
            {i18n.ago(alert.lastSeenAt, now)}
          </time>
          <span className="alert-badges">
            {alert.occurrences > 1 && <span className="count-badge">×{alert.occurrences}</span>}
            <StateBadge state={alert.state} />
          </span>
        </span>
      </button>
    </li>
  );
});

export function AlertFiltersBar({ filters }: { filters: AlertFilters }) {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  return (
    <div className="filters" data-testid="alert-filters">
      <select aria-label={t('filter.severity')} value={filters.severity ?? ''} onChange={(e) => setQueryParam('severity', e.target.value)}>
        <option value="">{t('filter.allSeverities')}</option>
        {SEVERITIES.map((severity) => (
          <option key={severity} value={severity}>
            {t(`severity.${severity}`)}
          </option>
        ))}
      </select>
      <select aria-label={t('filter.kind')} value={filters.kind ?? ''} onChange={(e) => setQueryParam('kind', e.target.value)}>
        <option value="">{t('filter.allKinds')}</option>
        {ALERT_KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {t(`kind.${kind}`)}
          </option>
        ))}
      </select>
      <select aria-label={t('filter.district')} value={filters.district ?? ''} onChange={(e) => setQueryParam('district', e.target.value)}>
        <option value="">{t('filter.allDistricts')}</option>
        {live.districts.map((district) => (
          <option key={district.id} value={district.id}>
            {nameOf(district)}
          </option>
        ))}
      </select>
      <select aria-label={t('filter.state')} value={filters.state ?? ''} onChange={(e) => setQueryParam('state', e.target.value)}>
        <option value="">{t('filter.allOpen')}</option>
        {(['new', 'acknowledged', 'assigned'] as const).map((state) => (
          <option key={state} value={state}>
            {t(`alertState.${state}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function AlertsPanel({ selectedId, onSelect, now, onShowShortcuts }: { selectedId?: number; onSelect(id: number): void; now: number; onShowShortcuts?(): void }) {
  const { t, name: nameOf } = useI18n();
  const live = useLive();
  const filters = useAlertFilters();
  const open = live.openAlerts();
  const shown = useMemo(() => filterAlerts(open, filters), [open, filters.kind, filters.district, filters.state, filters.severity]); 
  const districtNames = useMemo(() => new Map(live.districts.map((district) => [district.id, nameOf(district)])), [live.districts, nameOf]);
  const filtered = shown.length !== open.length;

  return (
    <section className="panel alerts-panel" aria-label={t('alerts.title')} data-testid="alerts-panel">
      <header className="panel-header">
        <h2>
          {t('alerts.title')}
          <span className="panel-count" data-testid="open-alert-count">
            {filtered ? `${shown.length} / ${open.length}` : open.length}
          </span>
        </h2>
        {onShowShortcuts && (
          <button type="button" className="button ghost small shortcut-hint" onClick={onShowShortcuts} title={t('shortcuts.open')} aria-label={t('shortcuts.open')} data-testid="shortcuts-open">
            <Icon name="keyboard" /> ?
          </button>
        )}
      </header>
      <AlertFiltersBar filters={filters} />
      {!live.alertsAvailable ? (
        <Unavailable what="feature.alerts" />
      ) : shown.length === 0 ? (
        <EmptyState icon="check" title={filtered ? t('alerts.noneFiltered') : t('alerts.none')} detail={filtered ? undefined : t('alerts.noneDetail')} />
      ) : (
        <ul className="alert-list">
          {shown.slice(0, MAX_ROWS).map((alert) => (
            <AlertRow key={alert.id} alert={alert} selected={alert.id === selectedId} onSelect={onSelect} districtName={alert.districtId ? districtNames.get(alert.districtId) : undefined} now={now} />
          ))}
          {shown.length > MAX_ROWS && <li className="list-more">{t('alerts.more', { count: shown.length - MAX_ROWS })}</li>}
        </ul>
      )}
    </section>
  );
}
