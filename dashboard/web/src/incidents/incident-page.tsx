// One incident: what, where, since when; its timeline; the alerts and calls it holds (selectable, to
// split them off); the operator's actions and the dispatch panel. Reloaded whenever the live store
// holds a newer copy of it (`incident:changed`), so two operators see each other's notes at once.
import { useEffect, useState } from 'react';
import type { AlertView } from '@cityops/contract/alerts';
import type { HotlineCallView, IncidentView } from '@cityops/contract/incidents';
import { ApiError } from '../api.ts';
import { SeverityBadge, StateBadge } from '../alerts/alerts-panel.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { Link, matchPath, useLocation } from '../router.tsx';
import { canOperate, useUser } from '../session.tsx';
import { EmptyState, Icon, Spinner } from '../ui.tsx';
import { DispatchPanel } from './dispatch-panel.tsx';
import { HandoffPanel } from './handoff-panel.tsx';
import { IncidentActions, type SplitSelection } from './incident-actions.tsx';
import { loadIncident, type IncidentDetail } from './incident-api.ts';
import { IncidentKindLabel, IncidentStateBadge, usePlaceText } from './incident-badges.tsx';
import { Timeline } from './timeline.tsx';
import { ReportsOfIncident } from './incident-reports.tsx';
import { PlaceCameras } from '../media/place-cameras.tsx';
import './incidents.css';
import { errorMessage } from '../server-messages.ts';

const NO_SELECTION: SplitSelection = { alertIds: [], callIds: [] };

export default function IncidentPage() {
  const { t } = useI18n();
  const live = useLive();
  const { path } = useLocation();
  const id = Number(matchPath('/incidents/:id', path)?.id);
  const [detail, setDetail] = useState<IncidentDetail>();
  const [failure, setFailure] = useState<{ id: number; error: unknown }>();
  const [selection, setSelection] = useState<SplitSelection>(NO_SELECTION);
  const liveCopy = live.incidents.get(id);
  const valid = Number.isInteger(id) && id > 0;
  // What is shown belongs to this id, and is as new as the live store's copy; else it is loaded again
  // (every change moves updatedAt: a note, a call, a linked alert, a state).
  const shown = detail?.incident.id === id ? detail : undefined;
  const stale = !shown || (liveCopy !== undefined && liveCopy.updatedAt > shown.incident.updatedAt);

  useEffect(() => setSelection(NO_SELECTION), [id]);

  useEffect(() => {
    if (!valid || !stale) return;
    let current = true;
    loadIncident(id).then(
      (loaded) => {
        if (!current) return;
        setDetail(loaded);
        setFailure(undefined);
        live.upsertIncidents([loaded.incident]);
      },
      (caught) => current && setFailure({ id, error: caught }),
    );
    return () => {
      current = false;
    };
  }, [id, stale, liveCopy?.updatedAt]);

  const error = !valid ? new ApiError(404, 'not_found', '') : failure?.id === id ? failure.error : undefined;
  if (error && !shown) {
    const notFound = error instanceof ApiError && error.status === 404;
    return (
      <div className="page">
        <BackLink />
        <EmptyState icon="alert" title={notFound ? t('incident.notFound') : errorMessage(error)} />
      </div>
    );
  }
  if (!shown) {
    return (
      <div className="page">
        <Spinner label={t('common.loading')} />
      </div>
    );
  }
  // The live copy may be newer than the loaded detail for a moment (its reload is on the way).
  const incident = liveCopy && liveCopy.updatedAt > shown.incident.updatedAt ? liveCopy : shown.incident;
  return <IncidentScreen incident={incident} detail={shown} selection={selection} onSelection={setSelection} />;
}

function BackLink() {
  const { t } = useI18n();
  return (
    <Link to="/incidents" className="back-link" data-testid="incident-back">
      ← {t('incident.back')}
    </Link>
  );
}

function IncidentScreen({ incident, detail, selection, onSelection }: { incident: IncidentView; detail: IncidentDetail; selection: SplitSelection; onSelection(selection: SplitSelection): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useUser();
  const placeText = usePlaceText();
  const live = useLive();
  const acts = canOperate(user);
  const selectable = acts && ['open', 'dispatched', 'on_scene'].includes(incident.state);
  const toggle = (key: keyof SplitSelection, itemId: number) =>
    onSelection({ ...selection, [key]: selection[key].includes(itemId) ? selection[key].filter((item) => item !== itemId) : [...selection[key], itemId] });

  return (
    <div className={`page incident-page ${incident.severity}`} data-testid="incident-page" data-incident-id={incident.id} data-state={incident.state}>
      <BackLink />
      <header className="incident-header">
        <div className="incident-heading">
          <h1>
            <span className="incident-number">#{incident.id}</span>
            <IncidentKindLabel kind={incident.kind} />
            {incident.title && <span className="incident-title-text">{incident.title}</span>}
          </h1>
          <div className="detail-badges">
            <SeverityBadge severity={incident.severity} large />
            <IncidentStateBadge state={incident.state} />
            <span className="muted small">{t(incident.kindSetBy === 'rule' ? 'incident.kindByRule' : 'incident.kindByPerson')}</span>
          </div>
        </div>
        {incident.mergedIntoId !== null && (
          <Link to={`/incidents/${incident.mergedIntoId}`} className="warning-note" data-testid="merged-into">
            {t('incident.mergedInto', { id: incident.mergedIntoId })} →
          </Link>
        )}
      </header>
      <dl className="detail-facts incident-facts">
        <dt>{t('incident.place')}</dt>
        <dd data-testid="incident-place">{placeText(incident)}</dd>
        <dt>{t('incident.district')}</dt>
        <dd>{live.districtName(incident.districtId, i18n.language) ?? '—'}</dd>
        <dt>{t('incident.opened')}</dt>
        <dd>
          {i18n.dateTime(incident.openedAt)} · {i18n.ago(incident.openedAt)}
        </dd>
        <dt>{t('incident.updated')}</dt>
        <dd>{i18n.dateTime(incident.updatedAt)}</dd>
        {incident.reportCount > 0 && (
          <>
            <dt>{t('incident.reportedByLabel')}</dt>
            <dd data-testid="incident-reported-by">{t('incident.reportedBy', { count: incident.reportCount })}</dd>
          </>
        )}
      </dl>
      {incident.lat != null && incident.lon != null && <PlaceCameras key={`cameras-${incident.id}`} place={{ lat: incident.lat, lon: incident.lon }} />}

      <div className="incident-columns">
        <div className="incident-main">
          <section className="panel incident-timeline-panel">
            <header className="panel-header">
              <h2>{t('incident.timeline')}</h2>
            </header>
            <Timeline entries={detail.timeline} />
          </section>
          <AlertsOfIncident alerts={detail.alerts} selectable={selectable} selected={selection.alertIds} onToggle={(alertId) => toggle('alertIds', alertId)} />
          <CallsOfIncident calls={detail.calls} selectable={selectable} selected={selection.callIds} onToggle={(callId) => toggle('callIds', callId)} />
          <ReportsOfIncident incident={incident} />
        </div>
        <div className="incident-side">
          {acts ? (
            <IncidentActions key={incident.id} incident={incident} selection={selection} onSplit={() => onSelection(NO_SELECTION)} />
          ) : (
            <p className="muted small read-only-note" data-testid="incident-read-only">
              {t('incident.readOnly')}
            </p>
          )}
          <DispatchPanel incident={incident} />
          <HandoffPanel incident={incident} />
        </div>
      </div>
    </div>
  );
}

function AlertsOfIncident({ alerts, selectable, selected, onToggle }: { alerts: AlertView[]; selectable: boolean; selected: number[]; onToggle(id: number): void }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  return (
    <section className="panel incident-sources" data-testid="incident-alerts">
      <h3>{t('incident.linkedAlerts', { count: alerts.length })}</h3>
      {alerts.length === 0 ? (
        <p className="muted small">{t('incident.noAlerts')}</p>
      ) : (
        <ul className="source-list">
          {alerts.map((alert) => (
            <li key={alert.id} className={`source-item ${alert.severity}`} data-testid="incident-alert" data-alert-id={alert.id}>
              {selectable && <input type="checkbox" checked={selected.includes(alert.id)} onChange={() => onToggle(alert.id)} aria-label={`#${alert.id}`} data-testid="split-alert" />}
              <div className="source-main">
                <Link to={`/alerts/${alert.id}`} className="source-title" title={t('incident.showAlert', { id: alert.id })}>
                  #{alert.id} {alert.title[language] || alert.title.vi}
                </Link>
                <span className="source-meta">
                  <SeverityBadge severity={alert.severity} />
                  <StateBadge state={alert.state} />
                  <span>{t(`kind.${alert.kind}` as MessageKey)}</span>
                  <span>· {i18n.ago(alert.lastSeenAt)}</span>
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CallsOfIncident({ calls, selectable, selected, onToggle }: { calls: HotlineCallView[]; selectable: boolean; selected: number[]; onToggle(id: number): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const placeText = usePlaceText();
  return (
    <section className="panel incident-sources" data-testid="incident-calls">
      <h3>{t('incident.calls', { count: calls.length })}</h3>
      {calls.length === 0 ? (
        <p className="muted small">{t('incident.noCalls')}</p>
      ) : (
        <ul className="source-list">
          {calls.map((call) => (
            <li key={call.id} className="source-item call" data-testid="incident-call" data-call-id={call.id}>
              {selectable && <input type="checkbox" checked={selected.includes(call.id)} onChange={() => onToggle(call.id)} aria-label={`☎ ${call.id}`} data-testid="split-call" />}
              <div className="source-main">
                <span className="source-title">
                  <Icon name="phone" size={14} /> {t(`hotlineLine.${call.line}`)} · {i18n.time(call.receivedAt)}
                </span>
                <q className="call-said">{call.said}</q>
                <span className="source-meta">
                  <span>
                    {t('incident.caller')}: {call.callerName || t('incident.anonymous')}
                    {call.callerNumber && ` · ${call.callerNumber}`}
                  </span>
                  <span>· {placeText(call)}</span>
                  <span>· {t('incident.loggedBy', { user: call.username })}</span>
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
