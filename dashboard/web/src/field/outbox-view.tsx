// The field outbox on screen: one Outbox per logged-in field page, flushed when the live socket comes
// back; the bar under the header ("waiting to send (N)", refusals to acknowledge) and the per-alert
// and per-incident badges.
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useI18n } from '../i18n.tsx';
import { errorMessage, serverMessage } from '../server-messages.ts';
import type { Translate } from '../i18n.tsx';
import { useLiveStore } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { useSession, useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { Outbox, type OutboxAction, type OutboxEntry, type RefusedEntry } from './outbox.ts';

const OutboxContext = createContext<Outbox | undefined>(undefined);

export function OutboxProvider({ children }: { children: ReactNode }) {
  const user = useUser();
  const live = useLiveStore();
  const [outbox] = useState(() => new Outbox({ userId: user.id, onApplied: (alert) => live.upsertAlert(alert) }));
  useEffect(() => {
    void outbox.start();
    // The socket reconnecting is the surest sign the server is reachable again (the online event
    // only says a network interface is up).
    let wasLive = live.status === 'live';
    const unsubscribe = live.subscribe(() => {
      const isLive = live.status === 'live';
      if (isLive && !wasLive) void outbox.flush();
      wasLive = isLive;
    });
    return () => {
      unsubscribe();
      outbox.stop();
    };
  }, [outbox, live]);
  // Logged in again after the session expired (401s kept the queue waiting): send at once.
  const { expired } = useSession();
  useEffect(() => {
    if (!expired) void outbox.flush();
  }, [expired, outbox]);
  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}

/** The outbox; re-renders the caller on every change of its queue. */
export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error('useOutbox outside OutboxProvider');
  useSyncExternalStore(outbox.subscribe, outbox.getVersion);
  return outbox;
}

export const actionLabel = (t: Translate, action: OutboxAction) => t(`outbox.action.${action}` as MessageKey);

/** Why the server said no, in words a field worker can act on; the server's own message follows. */
export function refusalReason(t: Translate, refused: Pick<RefusedEntry, 'status' | 'code' | 'message' | 'field' | 'reason' | 'params' | 'subject'>): string {
  if (refused.subject === 'position') {
    if (refused.status === 409) return t('outbox.reason.offDuty');
    if (refused.status === 400) return t('outbox.reason.positionRefused');
    return errorMessage(refused);
  }
  if (refused.subject === 'incident') {
    if (refused.status === 409) return t('outbox.reason.incidentConflict');
    if (refused.status === 403) return t('outbox.reason.incidentForbidden');
    if (refused.status === 404) return t('outbox.reason.incidentGone');
    return errorMessage(refused);
  }
  if (refused.status === 409) return t('outbox.reason.conflict');
  if (refused.status === 403) return t('outbox.reason.forbidden');
  if (refused.status === 404) return t('outbox.reason.gone');
  return errorMessage(refused);
}

/** "Not accepted: confirmation on alert #12" / "… on incident #3" / "Not accepted: position". */
function refusedTitle(t: Translate, refused: RefusedEntry): string {
  const action = actionLabel(t, refused.action);
  if (refused.subject === 'incident') return t('outbox.refusedIncidentTitle', { action, id: refused.incidentId });
  if (refused.subject === 'duty' || refused.subject === 'position') return t('outbox.refusedOwnTitle', { action });
  return t('outbox.refusedTitle', { action, id: refused.alertId });
}

const refusedSubjectTitle = (refused: RefusedEntry) =>
  refused.subject === 'incident' ? refused.incidentTitle : refused.subject === 'duty' || refused.subject === 'position' ? undefined : refused.alertTitle;

function Pending({ entries, testId }: { entries: OutboxEntry[]; testId: string }) {
  const { t } = useI18n();
  const count = entries.length;
  if (!count) return null;
  return (
    <span className="outbox-badge" data-testid={testId} data-count={count}>
      <Icon name="upload" size={14} /> {t('outbox.waiting', { count })}
    </span>
  );
}

export function PendingBadge({ alertId }: { alertId: number }) {
  return <Pending entries={useOutbox().pendingFor(alertId)} testId="alert-pending" />;
}

export function IncidentPendingBadge({ incidentId }: { incidentId: number }) {
  return <Pending entries={useOutbox().pendingForIncident(incidentId)} testId="incident-pending" />;
}

/** Under the header on every field screen: what waits to be sent, and what the server refused. */
export function OutboxBar() {
  const i18n = useI18n();
  const { t } = i18n;
  const outbox = useOutbox();
  // The duty's position reports are not the user's actions: a bar flashing every 30 s would hide the ones that are.
  const waiting = outbox.entries.filter((entry) => entry.subject !== 'position');
  const count = waiting.length;
  const lastError = waiting.find((entry) => entry.lastError)?.lastError;
  return (
    <>
      {count > 0 && (
        <div className="outbox-bar" data-testid="outbox-pending" data-count={count} role="status">
          <div className="outbox-bar-text">
            <strong>
              <Icon name="upload" size={16} /> {t('outbox.waiting', { count })}
            </strong>
            <span className="small">
              {outbox.sending ? t('outbox.sending') : !navigator.onLine ? t('outbox.offline') : lastError ? t('outbox.willRetry', { error: lastError }) : t('outbox.soon')}
            </span>
          </div>
          <button className="button small" disabled={outbox.sending} onClick={() => void outbox.flush()} data-testid="outbox-send-now">
            {t('outbox.sendNow')}
          </button>
        </div>
      )}
      {outbox.refused.map((refused) => (
        <div
          className="outbox-refused"
          key={refused.seq}
          data-testid="outbox-refused"
          data-alert-id={refused.subject === undefined || refused.subject === 'alert' ? refused.alertId : undefined}
          data-incident-id={refused.subject === 'incident' ? refused.incidentId : undefined}
          data-subject={refused.subject ?? 'alert'}
          data-action={refused.action}
          role="alert"
        >
          <strong>{refusedTitle(t, refused)}</strong>
          {refusedSubjectTitle(refused) && <span>{refusedSubjectTitle(refused)}</span>}
          <span>{refusalReason(t, refused)}</span>
          {(refused.subject === undefined || refused.subject === 'alert') && refused.note && <span className="small">{t('outbox.yourNote', { note: refused.note })}</span>}
          <span className="small muted">
            {t('outbox.takenAt', { time: i18n.dateTime(refused.queuedAt) })} · {serverMessage(refused, i18n.language)}
          </span>
          <button className="button small" onClick={() => void outbox.dismiss(refused.seq)} data-testid="outbox-dismiss">
            {t('outbox.dismiss')}
          </button>
        </div>
      ))}
    </>
  );
}
