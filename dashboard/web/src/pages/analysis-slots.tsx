// Analysis slots: which cameras the vision model is analysing now and why, how many slots there are,
// and pin/unpin for operators. Refreshed on `slots:changed` (REALTIME.md) and after every reconnect.
import { useCallback, useEffect, useState } from 'react';
import { api, apiOptional } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLiveStatus, useLiveStore } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { canOperate, useUser } from '../session.tsx';
import { EmptyState, ErrorNote, Icon, Spinner, Unavailable } from '../ui.tsx';
import { slotNoticeMessage } from '../server-messages.ts';

type SlotReason = 'pinned' | 'alert' | 'sensor_alarm' | 'motion' | 'time_of_day' | 'round_robin';

interface SlotsView {
  slotCount: number | null;
  slotSource: 'config' | 'measured' | null;
  ranAt: string | null;
  roundRobinReserve: number;
  notices: ({ code: string; message: string } & Record<string, unknown>)[];
  slots: { cameraId: string; cameraName: string; reason: SlotReason; since: string; workerId: string | null; framesAnalysed: number }[];
  workers: { workerId: string; capacity: number }[];
  pins: { cameraId: string; pinnedAt: string; pinnedBy: string; note: string; analysed: boolean }[];
}

interface CameraAnalysis {
  cameraId: string;
  name: string;
  analysed: boolean;
  reason: SlotReason | null;
  streamOnline: boolean | null;
  pinned: boolean;
}

export default function AnalysisSlotsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const user = useUser();
  const store = useLiveStore();
  const status = useLiveStatus();
  const mayPin = canOperate(user);
  const [view, setView] = useState<SlotsView | null | undefined>(undefined);
  const [cameras, setCameras] = useState<CameraAnalysis[]>([]);
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [warning, setWarning] = useState<string | undefined>();
  /** The camera whose pin note is being typed: pinning asks why, so others see the reason. */
  const [pinning, setPinning] = useState<{ cameraId: string; note: string }>();

  const load = useCallback(async () => {
    try {
      const [slots, list] = await Promise.all([apiOptional<SlotsView>('/api/analysis/slots'), apiOptional<{ cameras: CameraAnalysis[] }>('/api/analysis/cameras')]);
      setView(slots ?? null);
      setCameras(list?.cameras ?? []);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  // Reload on every change the scheduler announces, and when the connection comes back (events may
  // have been missed while it was down).
  useEffect(() => store.onServerEvent('slots:changed', () => void load()), [store, load]);
  useEffect(() => {
    if (status === 'live' || status === 'connecting') void load();
  }, [status, load]);

  const setPinned = async (cameraId: string, pinned: boolean, note = '') => {
    setBusy(cameraId);
    setError(undefined);
    setWarning(undefined);
    try {
      const path = `/api/analysis/pins/${encodeURIComponent(cameraId)}`;
      if (pinned) setWarning((await api<{ warning?: string }>(path, { method: 'PUT', body: note.trim() ? { note: note.trim() } : {} })).warning);
      else await api(path, { method: 'DELETE' });
      setPinning(undefined);
      await load();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  if (view === undefined) return error ? <ErrorNote error={error} /> : <Spinner label={t('common.loading')} />;
  if (view === null) return <Unavailable what="feature.analysisSlots" />;

  const capacity = view.workers.reduce((sum, worker) => sum + worker.capacity, 0);
  const pinnedIds = new Set(view.pins.map((pin) => pin.cameraId));
  const pins = new Map(view.pins.map((pin) => [pin.cameraId, pin]));
  const pinButton = (cameraId: string) => {
    if (!mayPin) return null;
    if (pinning?.cameraId === cameraId) {
      return (
        <form
          className="pin-note-form"
          onSubmit={(event) => {
            event.preventDefault();
            void setPinned(cameraId, true, pinning.note);
          }}
        >
          <input
            autoFocus
            value={pinning.note}
            onChange={(e) => setPinning({ cameraId, note: e.target.value })}
            maxLength={500}
            placeholder={t('slots.notePlaceholder')}
            aria-label={t('slots.note')}
            data-testid={`note-for-pin-${cameraId}`}
          />
          <button className="button small primary" type="submit" disabled={busy !== undefined} data-testid={`confirm-pin-${cameraId}`}>
            <Icon name="pin" size={14} /> {t('slots.confirmPin')}
          </button>
          <button className="icon-button" type="button" onClick={() => setPinning(undefined)} aria-label={t('common.cancel')} title={t('common.cancel')}>
            <Icon name="close" size={14} />
          </button>
        </form>
      );
    }
    const pinned = pinnedIds.has(cameraId);
    return (
      <button
        className={`button small ${pinned ? 'ghost' : 'primary'}`}
        disabled={busy !== undefined}
        onClick={() => (pinned ? void setPinned(cameraId, false) : setPinning({ cameraId, note: '' }))}
        data-testid={`${pinned ? 'unpin' : 'pin'}-${cameraId}`}
      >
        <Icon name="pin" size={14} /> {t(pinned ? 'slots.unpin' : 'slots.pin')}
      </button>
    );
  };
  /** Who pinned the camera and why, under its reason or pinned state. */
  const pinNote = (cameraId: string) => {
    const pin = pins.get(cameraId);
    if (!pin) return null;
    return (
      <div className="pin-note muted small" data-testid={`pinned-note-${cameraId}`}>
        {t('slots.pinnedBy', { user: pin.pinnedBy })}
        {pin.note && <> · “{pin.note}”</>}
      </div>
    );
  };

  return (
    <div className="page analysis-slots-page" data-testid="analysis-slots">
      <header className="page-header">
        <div>
          <h1>{t('slots.title')}</h1>
          <p className="muted">{t('slots.subtitle')}</p>
        </div>
        <div className="page-tools">
          <span className="state-chip" data-testid="slot-count">
            {t('slots.count', { used: view.slots.length, total: view.slotCount ?? '—' })}
          </span>
          <span className="muted small">
            {view.slotSource ? t(`slots.source.${view.slotSource}`) : t('slots.notRun')} · {t('slots.capacity', { capacity, workers: view.workers.length })}
            {view.ranAt && ` · ${t('slots.ranAt', { time: i18n.timeSeconds(view.ranAt) })}`}
          </span>
        </div>
      </header>
      {view.notices.map((notice) => (
        <p key={notice.code} className="warning-note" role="status">
          {slotNoticeMessage(notice, i18n.language)}
        </p>
      ))}
      {warning && (
        <p className="warning-note" role="alert">
          {warning}
        </p>
      )}
      <ErrorNote error={error} />

      <section className="panel table-panel" data-testid="slot-list">
        <header className="panel-header">
          <h2>
            {t('slots.held')}
            <span className="panel-count">{view.slots.length}</span>
          </h2>
        </header>
        {view.slots.length === 0 ? (
          <EmptyState icon="camera" title={t('slots.none')} />
        ) : (
          <div className="table-scroll">
            <table className="data-table">
              <thead>
                <tr>
                  <th>{t('slots.camera')}</th>
                  <th>{t('slots.reason')}</th>
                  <th>{t('slots.since')}</th>
                  <th>{t('slots.frames')}</th>
                  {mayPin && <th />}
                </tr>
              </thead>
              <tbody>
                {view.slots.map((slot) => (
                  <tr key={slot.cameraId} data-testid="slot-row" data-camera-id={slot.cameraId} data-reason={slot.reason}>
                    <td>
                      {i18n.name(store.camera(slot.cameraId) ?? { name: slot.cameraName })} <span className="muted mono small">{slot.cameraId}</span>
                    </td>
                    <td>
                      <span className={`reason-chip ${slot.reason}`}>{t(`slotReason.${slot.reason}` as MessageKey)}</span>
                      {slot.reason === 'pinned' && pinNote(slot.cameraId)}
                    </td>
                    <td>
                      {i18n.dateTime(slot.since)} ({i18n.ago(slot.since)})
                    </td>
                    <td className="mono">{i18n.number(slot.framesAnalysed)}</td>
                    {mayPin && <td>{pinButton(slot.cameraId)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel table-panel" data-testid="slot-cameras">
        <header className="panel-header">
          <h2>
            {t('slots.allCameras')}
            <span className="panel-count">{cameras.length}</span>
          </h2>
        </header>
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th>{t('slots.camera')}</th>
                <th>{t('slots.stream')}</th>
                <th>{t('slots.analysed')}</th>
                <th>{t('slots.pinned')}</th>
                {mayPin && <th />}
              </tr>
            </thead>
            <tbody>
              {cameras.map((camera) => (
                <tr key={camera.cameraId} data-testid="slot-camera-row" data-camera-id={camera.cameraId} data-analysed={camera.analysed}>
                  <td>
                    {i18n.name(store.camera(camera.cameraId) ?? camera)} <span className="muted mono small">{camera.cameraId}</span>
                  </td>
                  <td>{camera.streamOnline == null ? '—' : t(camera.streamOnline ? 'slots.online' : 'slots.offline')}</td>
                  <td>{camera.reason ? t(`slotReason.${camera.reason}` as MessageKey) : t('common.no')}</td>
                  <td>
                    {pinnedIds.has(camera.cameraId) ? t('common.yes') : t('common.no')}
                    {pinNote(camera.cameraId)}
                  </td>
                  {mayPin && <td>{pinButton(camera.cameraId)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
