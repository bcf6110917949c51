// The operator's main screen: KPI strip, the city map and the live alert list; an alert or a device
// opens its detail beside the list. The selection is in the URL (/alerts/42, ?device=sensor:tide-001).
// Parking zones are badges on the map; one opens its camera's detail with the zone's occupancy chart
// (?device=camera:cam-001&parking=lot). The keyboard drives the list too (alerts/alert-shortcuts.tsx).
import { useCallback, useMemo, useRef, useState } from 'react';
import { AnnouncerProvider, useAnnounce } from '../announcer.tsx';
import { AlertDetail, type AlertCommand } from '../alerts/alert-detail.tsx';
import { ShortcutHelp, useShortcuts, type ShortcutAction } from '../alerts/alert-shortcuts.tsx';
import { AlertsPanel } from '../alerts/alerts-panel.tsx';
import { ParkingChart } from '../charts/parking-chart.tsx';
import { SensorChart } from '../charts/sensor-chart.tsx';
import { useI18n } from '../i18n.tsx';
import { KpiStrip } from '../kpi-strip.tsx';
import { useLive } from '../live/live-context.tsx';
import type { Alert } from '../live/types.ts';
import { CityMap, deviceState, type MapFocus } from '../map/city-map.tsx';
import { LiveVideo } from '../media/live-video.tsx';
import { Snapshot } from '../media/snapshot.tsx';
import type { MessageKey } from '../messages.ts';
import { matchPath, navigate, setQueryParam, useLocation } from '../router.tsx';
import { EmptyState, Icon } from '../ui.tsx';
import { PARKING_FRESH_MINUTES, type ParkingZoneView } from '@cityops/contract/parking';
import { parkingLevel, useParkingZones } from '../parking/parking-zones.ts';
import { useNow } from '../use-now.ts';
import { canOperate, useUser } from '../session.tsx';
import { cameraStatusMessage } from '../server-messages.ts';


export default function OperationsPage() {
  return (
    <AnnouncerProvider>
      <Operations />
    </AnnouncerProvider>
  );
}

/** The alert rows as drawn, top to bottom: the list's own order, filters and row cap included. */
function drawnAlertRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>('[data-testid=alerts-panel] [data-testid=alert-row]')];
}

function Operations() {
  const { t } = useI18n();
  const user = useUser();
  const announce = useAnnounce();
  const live = useLive();
  const { path, query } = useLocation();
  const now = useNow(15_000);
  const selectedId = Number(matchPath('/alerts/:id', path)?.id) || undefined;
  const selected = selectedId ? live.alerts.get(selectedId) : undefined;
  const [focus, setFocus] = useState<MapFocus>();
  const device = query.get('device') ?? undefined;
  const open = live.openAlerts();
  const parking = useParkingZones();

  const [command, setCommand] = useState<AlertCommand & { alertId: number }>();
  const [helpOpen, setHelpOpen] = useState(false);
  // The alert the keyboard is on: the selected one, or the last one when its detail was closed.
  const cursor = useRef<number | undefined>(undefined);
  if (selectedId) cursor.current = selectedId;

  // Stable across renders, so the memoised alert rows do not all re-render on every live change.
  const selectAlert = useCallback(
    (id: number) => {
      setCommand(undefined);
      navigate(`/alerts/${id}${window.location.search}`);
      const alert = live.alerts.get(id);
      if (alert?.lat != null && alert.lon != null) setFocus({ lat: alert.lat, lon: alert.lon, zoom: 14.5, key: `${id}-${Date.now()}` });
    },
    [live],
  );
  const locate = (alert: Alert) => alert.lat != null && alert.lon != null && setFocus({ lat: alert.lat, lon: alert.lon, zoom: 15.5, key: Date.now() });
  const closeDetail = () => {
    setCommand(undefined);
    navigate(`/${window.location.search}`);
  };
  const closeDevice = () => {
    setQueryParam('parking', undefined);
    setQueryParam('device', undefined);
  };

  /** Selects the row `step` away from the cursor (the first or last when there is none), as a click would. */
  const moveCursor = (step: number) => {
    const rows = drawnAlertRows();
    if (!rows.length) return announce(t('shortcuts.noAlerts'));
    const at = rows.findIndex((row) => Number(row.dataset.alertId) === cursor.current);
    const index = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
    const row = rows[index];
    selectAlert(Number(row.dataset.alertId));
    // Focus on the row: a screen reader reads it, Enter re-opens it, and the list scrolls to it.
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
    announce(t('shortcuts.selected', { position: index + 1, count: rows.length, title: row.querySelector('.alert-title')?.textContent ?? '' }));
  };

  /** A, S and C act on the selected alert, opening it first when the keyboard is on a closed one. */
  const commandAlert = (action: AlertCommand['action']) => {
    const alertId = selectedId ?? cursor.current;
    if (!alertId || !live.alerts.get(alertId)) return announce(t('shortcuts.noAlert'));
    // The same rule as the buttons, which a viewer does not have (the server checks it again).
    if (action !== 'camera' && !canOperate(user)) return announce(t('shortcuts.notAllowed'));
    if (alertId !== selectedId) selectAlert(alertId);
    setCommand((previous) => ({ action, alertId, seq: (previous?.seq ?? 0) + 1 }));
  };

  useShortcuts((action: ShortcutAction) => {
    if (helpOpen) {
      if (action === 'help' || action === 'close') setHelpOpen(false);
      return;
    }
    if (action === 'help') setHelpOpen(true);
    else if (action === 'next') moveCursor(1);
    else if (action === 'previous') moveCursor(-1);
    else if (action === 'open') {
      if (selectedId) return;
      if (cursor.current && live.alerts.get(cursor.current)) selectAlert(cursor.current);
      else moveCursor(1);
    } else if (action === 'close') {
      if (selectedId) {
        closeDetail();
        drawnAlertRows().find((row) => Number(row.dataset.alertId) === selectedId)?.focus({ preventScroll: true });
        announce(t('shortcuts.closed'));
      } else if (device) closeDevice();
    } else commandAlert(action);
  });

  return (
    <div className="operations">
      <KpiStrip />
      <div className={`operations-body ${selectedId || device ? 'with-detail' : ''}`}>
        <CityMap
          cameras={live.cameras}
          sensors={live.sensors}
          cameraHealth={live.cameraHealth}
          sensorHealth={live.sensorHealth}
          alerts={open}
          selectedAlertId={selectedId}
          focus={focus}
          onSelectAlert={selectAlert}
          onSelectDevice={(type, id) => setQueryParam('device', `${type}:${id}`)}
          incidents={live.activeIncidents()}
          onSelectIncident={(id) => navigate(`/incidents/${id}`)}
          parking={parking}
          onSelectParking={(cameraId, zoneId) => navigate(`/?${new URLSearchParams({ device: `camera:${cameraId}`, parking: zoneId })}`)}
        />
        {selectedId &&
          (selected ? (
            <AlertDetail alert={selected} onClose={closeDetail} onLocate={locate} command={command?.alertId === selected.id ? command : undefined} />
          ) : (
            <MissingAlert onClose={closeDetail} />
          ))}
        {!selectedId && device && <DeviceDetail reference={device} parking={parking} focusedZone={query.get('parking') ?? undefined} onClose={closeDevice} />}
        <AlertsPanel selectedId={selectedId} onSelect={selectAlert} now={now} onShowShortcuts={() => setHelpOpen(true)} />
      </div>
      {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
    </div>
  );
}

function MissingAlert({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  return (
    <section className="panel alert-detail">
      <header className="detail-header">
        <span />
        <button className="icon-button" onClick={onClose} aria-label={t('common.close')}>
          <Icon name="close" />
        </button>
      </header>
      <EmptyState icon="check" title={t('alert.notOpen')} detail={t('alert.notOpenDetail')} />
    </section>
  );
}

function DeviceDetail({ reference, parking, focusedZone, onClose }: { reference: string; parking: readonly ParkingZoneView[]; focusedZone?: string; onClose(): void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const [type, id] = reference.split(':') as ['camera' | 'sensor', string];
  const camera = type === 'camera' ? live.camera(id) : undefined;
  const sensor = type === 'sensor' ? live.sensor(id) : undefined;
  const health = type === 'camera' ? live.cameraHealth.get(id) : live.sensorHealth.get(id);
  const related = useMemo(() => live.openAlerts().filter((alert) => alert.source.id === id), [live, id]); 
  const device = camera ?? sensor;
  const state = device ? deviceState(device.enabled, health) : 'unknown';
  return (
    <section className="panel alert-detail device-detail" data-testid="device-detail">
      <header className="detail-header">
        <div className="detail-badges">
          <span className={`state-chip ${state}`}>{t(`state.${state}` as MessageKey)}</span>
          <span className="muted small">{t(`device.${type}` as MessageKey)}</span>
        </div>
        <button className="icon-button" onClick={onClose} aria-label={t('common.close')}>
          <Icon name="close" />
        </button>
      </header>
      {!device ? (
        <EmptyState icon="alert" title={t('device.notFound')} detail={id} />
      ) : (
        <>
          <h2 className="detail-title">{i18n.name(device)}</h2>
          <dl className="detail-facts">
            <dt>{t('device.id')}</dt>
            <dd>{device.id}</dd>
            {sensor && (
              <>
                <dt>{t('device.kind')}</dt>
                <dd>{t(`sensorKind.${sensor.kind}` as MessageKey)}</dd>
              </>
            )}
            <dt>{t('alert.district')}</dt>
            <dd>{live.districtName(device.districtId, i18n.language) ?? '—'}</dd>
            <dt>{t('device.lastSeen')}</dt>
            <dd>{health?.lastSeenAt ? `${i18n.dateTime(health.lastSeenAt)} · ${i18n.ago(health.lastSeenAt)}` : '—'}</dd>
            {sensor && health?.lastValue != null && (
              <>
                <dt>{t('device.lastValue')}</dt>
                <dd>
                  {i18n.number(health.lastValue, 2)} {sensor.unit}
                </dd>
              </>
            )}
            {health?.error && (
              <>
                <dt>{t('device.error')}</dt>
                <dd className="error-text">{cameraStatusMessage(health.reason, health.error, i18n.language)}</dd>
              </>
            )}
          </dl>
          {camera && <CameraParking zones={parking.filter((zone) => zone.cameraId === camera.id)} focusedZone={focusedZone} />}
          {camera && <LiveVideo cameraId={camera.id} />}
          {camera && <Snapshot src={`/api/cameras/${encodeURIComponent(camera.id)}/snapshot`} alt={i18n.name(camera)} refreshMs={10_000} />}
          {sensor && (
            <div className="detail-chart">
              <h3>{t('alert.sensorChart', { unit: sensor.unit })}</h3>
              <SensorChart sensor={sensor} hours={24} height={200} />
            </div>
          )}
          {related.length > 0 && (
            <div className="related-alerts">
              <h3>{t('device.openAlerts', { count: related.length })}</h3>
              {related.map((alert) => (
                <button key={alert.id} className={`related-alert ${alert.severity}`} onClick={() => navigate(`/alerts/${alert.id}`)}>
                  {alert.title[i18n.language] || alert.title.vi}
                </button>
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** The camera's parking zones: free spaces now and each zone's occupancy over the last 24 hours. */
function CameraParking({ zones, focusedZone }: { zones: readonly ParkingZoneView[]; focusedZone?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!zones.length) return null;
  // The zone picked on the map first.
  const ordered = [...zones].sort((a, b) => Number(b.zoneId === focusedZone) - Number(a.zoneId === focusedZone));
  return (
    <div className="camera-parking" data-testid="camera-parking">
      {ordered.map((zone) => {
        const level = parkingLevel(zone);
        return (
          <div key={zone.zoneId} className="detail-chart parking-zone" data-zone-id={zone.zoneId}>
            <h3>
              {t('parking.title')} · {zone.zoneName ?? zone.zoneId}
            </h3>
            <p className="small">
              <span className={`parking-badge ${level}`}>
                <span className="parking-letter">P</span>
                <span className="parking-figures">{level === 'full' ? `${t('parking.full')} 0/${zone.capacity}` : `${zone.free ?? '–'}/${zone.capacity}`}</span>
              </span>{' '}
              <span data-testid="parking-now">
                {zone.occupied === null || zone.free === null || zone.at === null
                  ? t('parking.noRecent', { minutes: PARKING_FRESH_MINUTES })
                  : `${t(`parking.level.${level}` as MessageKey)} · ${t('parking.now', { occupied: zone.occupied, capacity: zone.capacity, free: zone.free, time: i18n.time(zone.at) })}`}
              </span>
            </p>
            <h4 className="muted small">{t('parking.chartTitle', { hours: 24 })}</h4>
            <ParkingChart zone={zone} hours={24} height={180} />
          </div>
        );
      })}
    </div>
  );
}
