// The field outbox on screen: one Outbox per logged-in field page, flushed when the live socket comes
// back; the bar under the header ("waiting to send (N)", refusals to acknowledge) and the per-alert
// badge.
import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useI18n } from '../i18n.tsx';
import type { Translate } from '../i18n.tsx';
import { useLiveStore } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { useSession, useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { Outbox, type OutboxAction, type RefusedEntry } from './outbox.ts';

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
export function refusalReason(t: Translate, refused: Pick<RefusedEntry, 'status' | 'message'>): string {
  if (refused.status === 409) return t('outbox.reason.conflict');
  if (refused.status === 403) return t('outbox.reason.forbidden');
  if (refused.status === 404) return t('outbox.reason.gone');
  return refused.message;
}

export function PendingBadge({ alertId }: { alertId: number }) {
  const { t } = useI18n();
  const count = useOutbox().pendingFor(alertId).length;
  if (!count) return null;
  return (
    <span className="outbox-badge" data-testid="alert-pending" data-count={count}>
      <Icon name="upload" size={14} /> {t('outbox.waiting', { count })}
    </span>
  );
}

/** Under the header on every field screen: what waits to be sent, and what the server refused. */
export function OutboxBar() {
  const i18n = useI18n();
  const { t } = i18n;
  const outbox = useOutbox();
  const count = outbox.entries.length;
  const lastError = outbox.entries.find((entry) => entry.lastError)?.lastError;
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
        <div className="outbox-refused" key={refused.seq} data-testid="outbox-refused" data-alert-id={refused.alertId} data-action={refused.action} role="alert">
          <strong>{t('outbox.refusedTitle', { action: actionLabel(t, refused.action), id: refused.alertId })}</strong>
          {refused.alertTitle && <span>{refused.alertTitle}</span>}
          <span>{refusalReason(t, refused)}</span>
          {refused.note && <span className="small">{t('outbox.yourNote', { note: refused.note })}</span>}
          <span className="small muted">
            {t('outbox.takenAt', { time: i18n.dateTime(refused.queuedAt) })} · {refused.message}
          </span>
          <button className="button small" onClick={() => void outbox.dismiss(refused.seq)} data-testid="outbox-dismiss">
            {t('outbox.dismiss')}
          </button>
        </div>
      ))}
    </>
  );
}
