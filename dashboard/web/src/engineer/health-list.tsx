// Every device's health: state, last seen and last error, worst first, from the camera and sensor
// features' live status. Devices without a location are flagged: they are not on the map. For cameras,
// what ffmpeg decodes (every frame, or keyframes only in the cheap tier) and whether, and why, the
// camera holds an analysis slot.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { apiOptional } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { useLive, useLiveStatus, useLiveStore } from '../live/live-context.tsx';
import { deviceState } from '../map/city-map.tsx';
import { STATE_RANK } from '../map/map-images.ts';
import type { MessageKey } from '../messages.ts';
import { Link } from '../router.tsx';
import { Unavailable } from '../ui.tsx';
import { cameraStatusMessage } from '../server-messages.ts';

export function HealthList() {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const rows = useMemo(() => {
    const all = [
      ...live.cameras.map((camera) => ({ type: 'camera' as const, id: camera.id, name: i18n.name(camera), located: camera.lat != null, health: live.cameraHealth.get(camera.id), state: deviceState(camera.enabled, live.cameraHealth.get(camera.id)) })),
      ...live.sensors.map((sensor) => ({ type: 'sensor' as const, id: sensor.id, name: i18n.name(sensor), located: sensor.lat != null, health: live.sensorHealth.get(sensor.id), state: deviceState(sensor.enabled, live.sensorHealth.get(sensor.id)) })),
    ];
    return all.sort((a, b) => STATE_RANK[b.state] - STATE_RANK[a.state] || a.id.localeCompare(b.id));
  }, [live.cameras, live.sensors, live.cameraHealth, live.sensorHealth, i18n]);
  const slots = useSlotReasons();
  const counts = rows.reduce<Record<string, number>>((sums, row) => ({ ...sums, [row.state]: (sums[row.state] ?? 0) + 1 }), {});
  return (
    <section className="panel table-panel" data-testid="health-list">
      <header className="panel-header">
        <h2>{t('engineer.health')}</h2>
        <div className="health-counts">
          {Object.entries(counts).map(([state, count]) => (
            <span key={state} className="legend-item">
              <span className={`state-dot ${state}`} /> {t(`state.${state}` as MessageKey)} {count}
            </span>
          ))}
        </div>
      </header>
      {!live.healthAvailable.cameras && <Unavailable what="feature.cameraStatus" />}
      {!live.healthAvailable.sensors && <Unavailable what="feature.sensorStatus" />}
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th>{t('engineer.state')}</th>
              <th>{t('device.id')}</th>
              <th>{t('engineer.name')}</th>
              <th>{t('device.lastSeen')}</th>
              <th>{t('device.lastValue')}</th>
              <th>{t('device.error')}</th>
              <th>{t('engineer.analysis')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.type}-${row.id}`}>
                <td>
                  <span className={`state-dot inline ${row.state}`} /> {t(`state.${row.state}` as MessageKey)}
                </td>
                <td className="mono">
                  <Link to={`/engineer/${row.type}s/${encodeURIComponent(row.id)}`}>{row.id}</Link>
                </td>
                <td>
                  {row.name}
                  {!row.located && <span className="warning-tag">{t('engineer.noLocation')}</span>}
                </td>
                <td>{row.health?.lastSeenAt ? `${i18n.dateTime(row.health.lastSeenAt)} (${i18n.ago(row.health.lastSeenAt)})` : '—'}</td>
                <td className="mono">{row.health?.lastValue != null ? i18n.number(row.health.lastValue, 2) : '—'}</td>
                <td className="error-text">{cameraStatusMessage(row.health?.reason, row.health?.error, i18n.language) ?? ''}</td>
                <td className="small" data-testid={row.type === 'camera' ? 'camera-analysis' : undefined} data-camera-id={row.type === 'camera' ? row.id : undefined}>
                  {row.type === 'camera' && (
                    <>
                      {row.health?.decode && <span className="decode-mode">{t(`decode.${row.health.decode}`)}</span>}
                      {slots.has(row.id) && <span className={`reason-chip ${slots.get(row.id)}`}>{t('engineer.slot', { reason: t(`slotReason.${slots.get(row.id)}` as MessageKey) })}</span>}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Cameras holding an analysis slot now and why, reloaded on every `slots:changed` and reconnection. */
function useSlotReasons(): Map<string, string> {
  const store = useLiveStore();
  const status = useLiveStatus();
  const [reasons, setReasons] = useState(new Map<string, string>());
  const load = useCallback(async () => {
    const answer = await apiOptional<{ slots: Array<{ cameraId: string; reason: string }> }>('/api/analysis/slots').catch(() => undefined);
    if (answer) setReasons(new Map(answer.slots.map((slot) => [slot.cameraId, slot.reason])));
  }, []);
  useEffect(() => store.onServerEvent('slots:changed', () => void load()), [store, load]);
  useEffect(() => {
    if (status === 'live') void load();
  }, [status, load]);
  return reasons;
}
