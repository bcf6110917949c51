// The duty switch of a field phone. Going on duty asks the user's consent to share the phone's position
// (and the browser's permission), then tells the server (PUT /api/field/duty) and reports the position
// while on duty (position-reporter.ts), all through the outbox, so it works on a poor connection and in
// order: duty first, then positions. Off duty, nothing is watched or sent, and the server forgets the
// last position. The choice is kept on the phone, so a reload goes on reporting. When the server
// refuses a position because it has this user off duty (409), the switch turns off and says why.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n.tsx';
import { useUser } from '../session.tsx';
import { Icon } from '../ui.tsx';
import { useOutbox } from './outbox-view.tsx';
import { PositionReporter, REPORT_EVERY_MS, REPORT_MOVED_M } from './position-reporter.ts';
import './field-dispatch.css';

interface DutyChoice {
  onDuty: boolean;
  /** When this phone went on duty (ISO): refusals of positions queued before it are old news. */
  since?: string;
}

interface Duty extends DutyChoice {
  /** Waiting for the browser's location permission or first fix. */
  starting: boolean;
  /** Why the phone cannot share its position (permission denied, no fix). */
  locationError?: string;
  askToStart(): void;
  stop(): Promise<void>;
}

const DutyContext = createContext<Duty | undefined>(undefined);
const storageKey = (userId: number) => `cityops.field.duty.${userId}`;

function storedChoice(userId: number): DutyChoice {
  try {
    const stored = JSON.parse(localStorage.getItem(storageKey(userId)) ?? 'null') as DutyChoice | null;
    return stored?.onDuty ? stored : { onDuty: false };
  } catch {
    return { onDuty: false };
  }
}

/** The phone's first fix: asks the browser's permission (the prompt follows the user's consent). */
function firstFix(): Promise<GeolocationPosition> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) return reject(new Error('unsupported'));
    navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, maximumAge: 10_000, timeout: 20_000 });
  });
}

export function DutyProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const user = useUser();
  const outbox = useOutbox();
  const [choice, setChoice] = useState<DutyChoice>(() => storedChoice(user.id));
  const [starting, setStarting] = useState(false);
  const [asking, setAsking] = useState(false);
  const [locationError, setLocationError] = useState<string>();

  useEffect(() => {
    try {
      localStorage.setItem(storageKey(user.id), JSON.stringify(choice));
    } catch {}
  }, [choice, user.id]);

  useEffect(() => {
    if (!choice.onDuty || !('geolocation' in navigator)) return;
    const reporter = new PositionReporter({ geolocation: navigator.geolocation, report: (position) => outbox.reportPosition(position), onError: setLocationError });
    reporter.start();
    return () => reporter.stop();
  }, [choice.onDuty, outbox]);

  // The server has this user off duty (duty ended on another phone, or by an administrator): follow it.
  const serverSaysOff = choice.onDuty && outbox.refused.some((refused) => refused.subject === 'position' && refused.status === 409 && refused.queuedAt >= (choice.since ?? ''));
  useEffect(() => {
    if (serverSaysOff) setChoice({ onDuty: false });
  }, [serverSaysOff]);

  const start = async () => {
    setStarting(true);
    setLocationError(undefined);
    try {
      await firstFix();
    } catch (error) {
      const denied = (error as GeolocationPositionError).code === 1;
      setLocationError(denied ? t('duty.locationDenied') : t('duty.noFix', { error: (error as Error).message || String(error) }));
      setStarting(false);
      setAsking(false);
      return;
    }
    const since = new Date().toISOString();
    await outbox.queue([{ subject: 'duty', action: 'duty', onDuty: true }]);
    setChoice({ onDuty: true, since });
    setStarting(false);
    setAsking(false);
  };

  const value = useMemo<Duty>(
    () => ({
      ...choice,
      starting,
      locationError,
      askToStart: () => setAsking(true),
      stop: async () => {
        setChoice({ onDuty: false });
        setLocationError(undefined);
        await outbox.queue([{ subject: 'duty', action: 'duty', onDuty: false }]);
      },
    }),
    [choice, starting, locationError, outbox],
  );

  return (
    <DutyContext.Provider value={value}>
      {children}
      {asking && (
        <div className="modal-backdrop" role="dialog" aria-modal="true" aria-labelledby="duty-consent-title" data-testid="duty-consent">
          <div className="modal duty-consent">
            <h2 id="duty-consent-title">{t('duty.consentTitle')}</h2>
            <p>{t('duty.consentText', { seconds: REPORT_EVERY_MS / 1000, metres: REPORT_MOVED_M })}</p>
            <p className="small muted">{t('duty.consentOff')}</p>
            <div className="field-actions">
              <button className="button primary wide" disabled={starting} onClick={() => void start()} data-testid="duty-consent-accept">
                <Icon name="pin" /> {starting ? t('duty.locating') : t('duty.consentAccept')}
              </button>
              <button className="button ghost wide" disabled={starting} onClick={() => setAsking(false)} data-testid="duty-consent-cancel">
                {t('common.cancel')}
              </button>
            </div>
          </div>
        </div>
      )}
    </DutyContext.Provider>
  );
}

export function useDuty(): Duty {
  const duty = useContext(DutyContext);
  if (!duty) throw new Error('useDuty outside DutyProvider');
  return duty;
}

/** On the field list: on or off duty, and whether the position is being shared. */
export function DutySwitch() {
  const { t } = useI18n();
  const duty = useDuty();
  return (
    <div className={`duty-card ${duty.onDuty ? 'on' : 'off'}`} data-testid="duty" data-on-duty={duty.onDuty}>
      <div className="duty-text">
        <strong>{duty.onDuty ? t('duty.on') : t('duty.off')}</strong>
        <span className="small">{duty.onDuty ? t('duty.sharing', { seconds: REPORT_EVERY_MS / 1000, metres: REPORT_MOVED_M }) : t('duty.notSharing')}</span>
      </div>
      <button
        type="button"
        role="switch"
        aria-checked={duty.onDuty}
        aria-label={t('duty.switch')}
        className={`duty-toggle ${duty.onDuty ? 'on' : ''}`}
        disabled={duty.starting}
        onClick={() => (duty.onDuty ? void duty.stop() : duty.askToStart())}
        data-testid="duty-switch"
      >
        <span className="duty-knob" />
      </button>
      {duty.locationError && (
        <p className="form-error duty-error" role="alert" data-testid="duty-error">
          {duty.locationError}
        </p>
      )}
    </div>
  );
}
