// The command room's incidents: active ones first (most severe, then newest), with kind, severity,
// state, place, how many alerts and calls, and age; filtered by state and kind (in the URL), kept live by
// `incident:changed` through the live store, and beside them the map with every active incident.
import { useEffect, useMemo, useState } from 'react';
import { INCIDENT_KINDS, INCIDENT_STATES, type IncidentKind, type IncidentState, type IncidentView } from '@cityops/contract/incidents';
import { ApiError } from '../api.ts';
import { SeverityBadge } from '../alerts/alerts-panel.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { isActiveIncident, sortIncidents } from '../live/types.ts';
import { CityMap } from '../map/city-map.tsx';
import { Link, navigate, setQueryParam, useLocation } from '../router.tsx';
import { canOperate, useUser } from '../session.tsx';
import { EmptyState, ErrorNote, Icon, Unavailable } from '../ui.tsx';
import { IncidentKindLabel, IncidentStateBadge, usePlaceText } from './incident-badges.tsx';
import { listIncidents } from './incident-api.ts';
import './incidents.css';
import { useNow } from '../use-now.ts';

const PAGE_SIZE = 100;
/** The default filter: what the command room is handling now. */
const ACTIVE = 'active';


interface IncidentFilters {
  /** 'active', 'all' or one state. */
  state: string;
  kind?: IncidentKind;
}

function useIncidentFilters(): IncidentFilters {
  const { query } = useLocation();
  const kind = query.get('kind') ?? undefined;
  return { state: query.get('state') ?? ACTIVE, kind: INCIDENT_KINDS.includes(kind as IncidentKind) ? (kind as IncidentKind) : undefined };
}

function statesOf(filters: IncidentFilters): IncidentState[] | undefined {
  if (filters.state === ACTIVE) return ['open', 'dispatched', 'on_scene'];
  if (INCIDENT_STATES.includes(filters.state as IncidentState)) return [filters.state as IncidentState];
  return undefined;
}

function matches(incident: IncidentView, filters: IncidentFilters): boolean {
  const states = statesOf(filters);
  return (!states || states.includes(incident.state)) && (!filters.kind || incident.kind === filters.kind);
}

export function IncidentRow({ incident, now, distanceM }: { incident: IncidentView; now: number; distanceM?: number | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  const placeText = usePlaceText();
  return (
    <li>
      <Link
        to={`/incidents/${incident.id}`}
        className={`incident-row ${incident.severity} ${isActiveIncident(incident) ? 'active' : 'ended'}`}
        data-testid="incident-row"
        data-incident-id={incident.id}
        data-state={incident.state}
      >
        <span className="alert-bar" />
        <span className="incident-row-main">
          <span className="incident-row-title">
            <span className="incident-number">#{incident.id}</span>
            <IncidentKindLabel kind={incident.kind} />
            {incident.title && <span className="incident-row-name">{incident.title}</span>}
          </span>
          <span className="incident-row-place">{placeText(incident)}</span>
          <span className="incident-row-counts">
            <span>{t('incidents.alerts', { count: incident.alertIds.length })}</span>
            <span>{t('incidents.calls', { count: incident.callCount })}</span>
            {distanceM != null && <span>{t('incident.distance', { metres: i18n.number(distanceM) })}</span>}
          </span>
        </span>
        <span className="incident-row-side">
          <span className="incident-row-badges">
            <SeverityBadge severity={incident.severity} />
            <IncidentStateBadge state={incident.state} />
          </span>
          <time dateTime={incident.openedAt} title={i18n.dateTime(incident.openedAt)}>
            {t('incidents.openedAgo', { ago: i18n.ago(incident.openedAt, now) })}
          </time>
        </span>
      </Link>
    </li>
  );
}

export default function IncidentsPage() {
  const { t } = useI18n();
  const live = useLive();
  const user = useUser();
  const now = useNow(15_000);
  const filters = useIncidentFilters();
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(false);

  // The active incidents are in the store already; other filters ask the server for their page.
  const load = async (before?: number) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await listIncidents({ states: statesOf(filters), kinds: filters.kind ? [filters.kind] : undefined, before, limit: PAGE_SIZE });
      live.upsertIncidents(page.incidents);
      setNextBefore(page.nextBefore);
    } catch (caught) {
      setError(caught);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load();
  }, [filters.state, filters.kind]);

  const shown = useMemo(() => [...live.incidents.values()].filter((incident) => matches(incident, filters)).sort(sortIncidents), [live.version, filters.state, filters.kind]);
  const active = live.activeIncidents();
  const forbidden = error instanceof ApiError && error.status === 403;

  return (
    <div className="page incidents-page" data-testid="incidents-page">
      <header className="page-header">
        <div>
          <h1>{t('incidents.title')}</h1>
          <p className="muted">{t('incidents.subtitle')}</p>
        </div>
        <div className="page-tools">
          <select aria-label={t('filter.state')} value={filters.state} onChange={(event) => setQueryParam('state', event.target.value === ACTIVE ? undefined : event.target.value)} data-testid="incident-filter-state">
            <option value={ACTIVE}>{t('incidents.activeStates')}</option>
            <option value="all">{t('incidents.allStates')}</option>
            {INCIDENT_STATES.map((state) => (
              <option key={state} value={state}>
                {t(`incidentState.${state}`)}
              </option>
            ))}
          </select>
          <select aria-label={t('filter.kind')} value={filters.kind ?? ''} onChange={(event) => setQueryParam('kind', event.target.value)} data-testid="incident-filter-kind">
            <option value="">{t('filter.allKinds')}</option>
            {INCIDENT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(`incidentKind.${kind}`)}
              </option>
            ))}
          </select>
          {canOperate(user) && (
            <Link to="/hotline" className="button primary" data-testid="open-hotline">
              <Icon name="plus" /> {t('nav.hotline')}
            </Link>
          )}
        </div>
      </header>
      <div className="incidents-body">
        <section className="panel incidents-panel" aria-label={t('incidents.title')}>
          <header className="panel-header">
            <h2>
              {t('incidents.title')}
              <span className="panel-count" data-testid="incident-count">
                {shown.length}
              </span>
            </h2>
          </header>
          {forbidden ? (
            <EmptyState icon="alert" title={t('incidents.forbidden')} />
          ) : !live.incidentsAvailable ? (
            <Unavailable what="feature.incidents" />
          ) : shown.length === 0 ? (
            <EmptyState icon="check" title={filters.state === ACTIVE && !filters.kind ? t('incidents.none') : t('incidents.noneFiltered')} detail={t('incidents.noneDetail')} />
          ) : (
            <ul className="incident-list" data-testid="incident-list">
              {shown.map((incident) => (
                <IncidentRow key={incident.id} incident={incident} now={now} />
              ))}
              {nextBefore !== null && (
                <li className="list-more">
                  <button className="button ghost small" disabled={loading} onClick={() => void load(nextBefore)}>
                    {t('incidents.more')}
                  </button>
                </li>
              )}
            </ul>
          )}
          {!forbidden && <ErrorNote error={error} />}
        </section>
        <CityMap
          className="incidents-map"
          cameras={live.cameras}
          sensors={live.sensors}
          cameraHealth={live.cameraHealth}
          sensorHealth={live.sensorHealth}
          alerts={live.openAlerts()}
          incidents={active}
          onSelectIncident={(id) => navigate(`/incidents/${id}`)}
          onSelectAlert={(id) => navigate(`/alerts/${id}`)}
        />
      </div>
    </div>
  );
}
