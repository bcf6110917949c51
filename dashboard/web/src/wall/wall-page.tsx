// /wall: the command room's wall display. No controls, large type, the map and the most severe open
// alerts, camera tiles that rotate, a beep for every new critical alert. It never goes blank: when the
// server is away it keeps the last picture, says "reconnecting" in large letters, and resyncs itself.
import { useEffect, useMemo, useRef, useState } from 'react';
import { SeverityBadge } from '../alerts/alerts-panel.tsx';
import { useI18n } from '../i18n.tsx';
import { KpiStrip } from '../kpi-strip.tsx';
import { useLive, useLiveStore } from '../live/live-context.tsx';
import type { Camera } from '@cityops/contract/devices';
import type { Alert } from '../live/types.ts';
import { CityMap } from '../map/city-map.tsx';
import { LiveVideo } from '../media/live-video.tsx';
import type { MessageKey } from '../messages.ts';
import { Clock } from '../shell.tsx';
import { Icon, Logo } from '../ui.tsx';
import { AlarmSound } from './alarm-sound.ts';
import { IncidentTile } from './incident-tile.tsx';
import { usePinnedCameras } from './pinned-cameras.ts';

const TILE_COUNT = 4;
const ROTATE_MS = 15_000;
/** A tile whose camera stopped tries again by itself: nobody clicks Retry on a wall. */
const WALL_VIDEO_RETRY_MS = 20_000;
const FLASH_MS = 12_000;

export default function WallPage() {
  const i18n = useI18n();
  const { t, language } = i18n;
  const live = useLive();
  const store = useLiveStore();
  const open = live.openAlerts();
  const [flash, setFlash] = useState<Alert>();
  const [soundBlocked, setSoundBlocked] = useState(false);
  const alarm = useRef<AlarmSound | undefined>(undefined);

  useEffect(() => {
    document.body.classList.add('wall-mode');
    alarm.current = new AlarmSound();
    setSoundBlocked(alarm.current.blocked);
    let flashTimer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = store.onAlertRaised((alert, previous) => {
      if (alert.severity !== 'critical' || previous?.severity === 'critical') return;
      void alarm.current?.beep().then((played) => setSoundBlocked(!played));
      (window as unknown as { cityopsAlarms?: number }).cityopsAlarms = ((window as unknown as { cityopsAlarms?: number }).cityopsAlarms ?? 0) + 1;
      setFlash(alert);
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => setFlash(undefined), FLASH_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(flashTimer);
      alarm.current?.close();
      document.body.classList.remove('wall-mode');
    };
  }, [store]);

  const urgent = open.filter((alert) => alert.severity === 'critical' || alert.severity === 'major');
  const listed = (urgent.length >= 6 ? urgent : open).slice(0, 9);
  const reconnecting = live.status === 'reconnecting' || live.status === 'unavailable';

  return (
    <div className={`wall ${flash ? 'flashing' : ''} ${reconnecting ? 'offline' : ''}`} data-testid="wall" data-status={live.status}>
      <header className="wall-header">
        <div className="wall-brand">
          <Logo size={40} />
          <div>
            <div className="wall-title">{t('wall.title')}</div>
            <div className="wall-sub">{t('app.subtitle')}</div>
          </div>
        </div>
        {reconnecting ? (
          <div className="wall-reconnecting" role="status" data-testid="wall-reconnecting">
            <span className="spinner" />
            <span>
              <strong>{t('live.reconnecting')}</strong>
              <span className="wall-reconnecting-detail">{t('live.reconnectingDetail', { time: live.syncedAt ? i18n.time(live.syncedAt) : '—' })}</span>
            </span>
          </div>
        ) : (
          <div className="wall-live" data-testid="wall-live">
            <span className="dot" /> {t('live.live')}
          </div>
        )}
        <div className="wall-clock">
          <Clock seconds />
          <span className="wall-date">{new Intl.DateTimeFormat(language === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: i18n.timeZone, weekday: 'long', day: 'numeric', month: 'long' }).format(new Date())}</span>
        </div>
        {soundBlocked && (
          <button className="wall-sound" onClick={() => void alarm.current?.unlock().then((ok) => setSoundBlocked(!ok))}>
            <Icon name="mute" /> {t('wall.enableSound')}
          </button>
        )}
      </header>
      <div className="wall-kpis">
        <KpiStrip large />
        <IncidentTile />
      </div>
      <div className="wall-body">
        <CityMap kiosk cameras={live.cameras} sensors={live.sensors} cameraHealth={live.cameraHealth} sensorHealth={live.sensorHealth} alerts={open} focus={flash?.lat != null && flash.lon != null ? { lat: flash.lat, lon: flash.lon, zoom: 13.5, key: flash.id } : undefined} selectedAlertId={flash?.id} />
        <section className="wall-alerts" data-testid="wall-alerts">
          <h2>
            {t('wall.urgent')} <span className="panel-count">{open.length}</span>
          </h2>
          {listed.length === 0 ? (
            <div className="wall-calm">
              <Icon name="check" size={42} />
              <span>{live.alertsAvailable ? t('alerts.none') : t('common.unavailable', { what: t('feature.alerts') })}</span>
            </div>
          ) : (
            <ol>
              {listed.map((alert) => (
                <li key={alert.id} className={`wall-alert ${alert.severity} ${flash?.id === alert.id ? 'new' : ''}`} data-testid="wall-alert" data-alert-id={alert.id}>
                  <SeverityBadge severity={alert.severity} />
                  <span className="wall-alert-title">{alert.title[language] || alert.title.vi}</span>
                  <span className="wall-alert-meta">
                    {t(`kind.${alert.kind}` as MessageKey)} · {live.districtName(alert.districtId, language) ?? '—'} · {i18n.time(alert.lastSeenAt)}
                    {alert.state !== 'new' && ` · ${t(`alertState.${alert.state}`)}`}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
      <CameraTiles cameras={live.cameras} alerts={open} />
    </div>
  );
}

/** Four tiles; the cameras at an unacknowledged critical alert's place stay pinned first; then cameras
 *  with open alerts, the rest rotating every 15 s. */
function CameraTiles({ cameras, alerts }: { cameras: Camera[]; alerts: Alert[] }) {
  const { t, name: nameOf, language } = useI18n();
  const pin = usePinnedCameras(alerts);
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setOffset((value) => value + TILE_COUNT), ROTATE_MS);
    return () => clearInterval(timer);
  }, []);
  const ordered = useMemo(() => {
    const alerting = new Set(alerts.filter((alert) => alert.source.type === 'camera').map((alert) => alert.source.id));
    const pinnedIds = new Set(pin.cameras.map((camera) => camera.id));
    const enabled = cameras.filter((camera) => camera.enabled && !pinnedIds.has(camera.id));
    return [...enabled.filter((camera) => alerting.has(camera.id)), ...enabled.filter((camera) => !alerting.has(camera.id))];
  }, [cameras, alerts, pin.cameras]);
  const pinned = pin.cameras.slice(0, TILE_COUNT).flatMap((found) => cameras.find((camera) => camera.id === found.id) ?? []);
  const shown: Camera[] = [...pinned];
  for (let i = 0; i < Math.min(TILE_COUNT - pinned.length, ordered.length); i++) shown.push(ordered[(offset + i) % ordered.length]);
  if (!shown.length) {
    return (
      <div className="wall-tiles">
        <div className="wall-tile empty">{t('wall.noCameras')}</div>
      </div>
    );
  }
  return (
    <div className="wall-tiles" data-testid="wall-tiles">
      {shown.map((camera, index) => (
        <div className={`wall-tile ${index < pinned.length ? 'pinned' : ''}`} key={index < pinned.length ? `pinned-${camera.id}` : `${camera.id}-${index}`} data-testid="wall-tile" data-camera-id={camera.id} data-pinned={index < pinned.length}>
          <LiveVideo cameraId={camera.id} showDetail={false} retryAfterMs={WALL_VIDEO_RETRY_MS} />
          {index < pinned.length && pin.alert && <span className="wall-tile-pin">{t('placeCameras.pinned', { title: pin.alert.title[language] || pin.alert.title.vi })}</span>}
          <span className="wall-tile-name">
            <Icon name="camera" size={14} /> {nameOf(camera)}
          </span>
        </div>
      ))}
    </div>
  );
}
