// /incidents/:id/dispatch: one incident's dispatch on a page of its own, where the escalation banners
// lead: what the incident is and where, and the dispatch panel. The incident page (incident-page.tsx)
// shows the same panel beside the timeline.
import { useCallback, useEffect, useState } from 'react';
import type { IncidentView } from '@cityops/contract/incidents';
import { SeverityBadge } from '../alerts/alerts-panel.tsx';
import { ApiError } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useServerEvent } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { EmptyState, Spinner } from '../ui.tsx';
import { loadIncident } from './dispatch-actions.ts';
import { DispatchPanel } from './dispatch-panel.tsx';
import { errorMessage } from '../server-messages.ts';

export default function DispatchPage({ incidentId }: { incidentId: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [incident, setIncident] = useState<IncidentView>();
  const [error, setError] = useState<ApiError | Error>();
  const reload = useCallback(() => {
    loadIncident(incidentId)
      .then((loaded) => {
        setIncident(loaded);
        setError(undefined);
      })
      .catch((caught: Error) => setError(caught));
  }, [incidentId]);
  useEffect(reload, [reload]);
  useServerEvent('incident:changed', (changed) => {
    if (changed.id === incidentId) setIncident(changed);
  });

  if (error && !incident) {
    return <div className="page">{error instanceof ApiError && error.status === 404 ? <EmptyState icon="alert" title={t('dispatch.incidentNotFound', { id: incidentId })} /> : <p className="form-error">{errorMessage(error)}</p>}</div>;
  }
  if (!incident) return <Spinner label={t('common.loading')} />;
  return (
    <div className="page dispatch-page" data-testid="dispatch-page">
      <header className="page-header">
        <div>
          <div className="detail-badges">
            <SeverityBadge severity={incident.severity} large />
            <span className={`state-badge incident-${incident.state}`} data-testid="incident-state" data-state={incident.state}>
              {t(`incidentState.${incident.state}` as MessageKey)}
            </span>
          </div>
          <h1 data-testid="incident-title">
            #{incident.id} · {incident.title || t(`incidentKind.${incident.kind}` as MessageKey)}
          </h1>
          <p className="muted">
            {[
              incident.title ? t(`incidentKind.${incident.kind}` as MessageKey) : undefined,
              incident.address || undefined,
              incident.lat != null && incident.lon != null ? `${incident.lat.toFixed(5)}, ${incident.lon.toFixed(5)}` : undefined,
              t('dispatch.openedAt', { time: i18n.dateTime(incident.openedAt) }),
            ]
              .filter(Boolean)
              .join(' · ')}
          </p>
        </div>
      </header>
      <DispatchPanel incident={incident} />
    </div>
  );
}
