// Handing the incident to an agency, on the incident page: the agencies the routing rule proposes (those
// covering its district and kind, the most specific first), a hand-off with one click, and each handoff's
// fate (delivered, retrying with the agency server's error, given up, confirmed by whom).
import { useCallback, useEffect, useState } from 'react';
import type { HandoffView, RoutingProposal } from '@cityops/contract/agencies';
import type { IncidentView } from '@cityops/contract/incidents';
import { api, ApiError } from '../api.ts';
import { useI18n, type I18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { canOperate, useUser } from '../session.tsx';
import { errorMessage } from '../server-messages.ts';

interface Routing {
  proposals: RoutingProposal[];
  handoffs: HandoffView[];
}

export function HandoffPanel({ incident }: { incident: IncidentView }) {
  const i18n = useI18n();
  const { t } = i18n;
  const mayAct = canOperate(useUser()) && incident.state !== 'closed';
  const [routing, setRouting] = useState<Routing>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setRouting(await api<Routing>(`/api/incidents/${incident.id}/routing`));
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 401)) setError(errorMessage(failure));
    }
  }, [incident.id]);
  // Every change of the incident (a delivery, a confirmation) arrives as a newer updatedAt.
  useEffect(() => void reload(), [reload, incident.updatedAt]);

  const act = async (path: string, body: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      await api(path, { method: 'POST', body });
      await reload();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  if (!routing) return null;
  const handedTo = new Set(routing.handoffs.filter((handoff) => !handoff.gaveUpAt).map((handoff) => handoff.agencyId));
  return (
    <section className="panel handoff-panel" data-testid="handoff-panel">
      <h3>{t('handoff.title')}</h3>
      {routing.handoffs.length > 0 && (
        <>
          <p className="muted small">{t('handoff.history')}</p>
          <ul className="handoff-list">
            {routing.handoffs.map((handoff) => (
              <HandoffItem key={handoff.id} handoff={handoff} i18n={i18n} mayAct={mayAct && !busy} onConfirm={(who) => act(`/api/incidents/${incident.id}/handoffs/${handoff.id}/acknowledge`, { by: who })} />
            ))}
          </ul>
        </>
      )}
      <p className="muted small">{t('handoff.proposed')}</p>
      {routing.proposals.length === 0 && <p className="muted small">{t('handoff.none')}</p>}
      <ul className="handoff-list">
        {routing.proposals.map(({ agency, coversDistrict, handlesKind }) => (
          <li key={agency.id} className="handoff-proposal" data-testid={`handoff-agency-${agency.id}`}>
            <div>
              <strong>{agency.name}</strong> <span className="muted small">{t(`agency.kind.${agency.kind}` as MessageKey)}</span>
              <div className="muted small">
                {[coversDistrict ? t('handoff.coversDistrict') : agency.districtIds.length === 0 ? t('handoff.cityWide') : '', handlesKind ? t('handoff.handlesKind') : '']
                  .filter(Boolean)
                  .join(' · ')}
                {' · '}
                {t(`handoff.delivery.${agency.delivery}` as MessageKey, { host: agency.webhookHost ?? '', topic: agency.mqttTopic ?? '' })}
              </div>
            </div>
            {mayAct && (
              <button type="button" className="button small" disabled={busy || handedTo.has(agency.id)} onClick={() => void act(`/api/incidents/${incident.id}/handoffs`, { agencyId: agency.id })}>
                {handedTo.has(agency.id) ? t('handoff.sent') : t('handoff.send')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function HandoffItem({ handoff, i18n, mayAct, onConfirm }: { handoff: HandoffView; i18n: I18n; mayAct: boolean; onConfirm(who: string): void }) {
  const { t } = i18n;
  const [who, setWho] = useState('');
  return (
    <li className="handoff-item" data-testid={`handoff-${handoff.id}`}>
      <div>
        <strong>{handoff.agencyName}</strong> <span className="muted small">{t('handoff.by', { time: i18n.dateTime(handoff.at), user: handoff.by })}</span>
      </div>
      <div className="small" data-testid="handoff-state">
        {stateText(handoff, i18n)}
      </div>
      {mayAct && !handoff.acknowledgedAt && (
        <form
          className="handoff-confirm"
          onSubmit={(event) => {
            event.preventDefault();
            if (who.trim()) onConfirm(who.trim());
          }}
        >
          <input value={who} onChange={(event) => setWho(event.target.value)} placeholder={t('handoff.confirmWho')} aria-label={t('handoff.confirmWho')} maxLength={150} />
          <button type="submit" className="button small" disabled={!who.trim()}>
            {t('handoff.confirm')}
          </button>
        </form>
      )}
    </li>
  );
}

function stateText(handoff: HandoffView, i18n: I18n): string {
  const { t } = i18n;
  if (handoff.acknowledgedAt) return t('handoff.state.acknowledged', { who: handoff.acknowledgedBy ?? '', time: i18n.time(handoff.acknowledgedAt) });
  if (handoff.gaveUpAt) return t('handoff.state.gaveUp', { attempts: String(handoff.attempts), error: handoff.lastError ?? '' });
  if (handoff.deliveredAt) return t('handoff.state.delivered');
  if (handoff.lastError) return t('handoff.state.retrying', { error: handoff.lastError });
  return t('handoff.state.sending', { attempts: String(Math.max(1, handoff.attempts)) });
}
