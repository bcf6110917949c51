// The figures an operator checks first: cameras online, sensors in alarm, open alerts by severity,
// vehicles counted in the last hour. A figure whose source is not running shows "—", not a made-up 0.
import { useEffect, useState } from 'react';
import { apiOptional } from './api.ts';
import { useI18n } from './i18n.tsx';
import { useLive } from './live/live-context.tsx';
import type { LiveStore } from './live/live-store.ts';
import type { Severity } from './live/types.ts';

export interface Kpis {
  camerasOnline?: number;
  camerasTotal: number;
  sensorsInAlarm?: number;
  sensorsTotal: number;
  open: Record<Severity, number>;
  vehiclesLastHour?: number;
}

export function computeKpis(live: LiveStore): Omit<Kpis, 'vehiclesLastHour'> {
  const open: Record<Severity, number> = { critical: 0, major: 0, minor: 0, info: 0 };
  for (const alert of live.openAlerts()) open[alert.severity]++;
  const enabledCameras = live.cameras.filter((camera) => camera.enabled);
  let camerasOnline: number | undefined;
  if (live.healthAvailable.cameras) camerasOnline = enabledCameras.filter((camera) => ['ok', 'degraded'].includes(live.cameraHealth.get(camera.id)?.state ?? '')).length;
  let sensorsInAlarm: number | undefined;
  if (live.healthAvailable.sensors) sensorsInAlarm = live.sensors.filter((sensor) => /^level/.test(live.sensorHealth.get(sensor.id)?.state ?? '')).length;
  return { camerasOnline, camerasTotal: enabledCameras.length, sensorsInAlarm, sensorsTotal: live.sensors.length, open };
}

export function useVehiclesLastHour(): number | undefined {
  const [vehicles, setVehicles] = useState<number>();
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      const result = await apiOptional<{ vehicles: number }>('/api/web/traffic/last-hour').catch(() => undefined);
      if (!cancelled) setVehicles(result?.vehicles);
    };
    void load();
    const timer = setInterval(load, 60_000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);
  return vehicles;
}

export function KpiStrip({ large = false }: { large?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const kpis = computeKpis(live);
  const vehicles = useVehiclesLastHour();
  const value = (figure: number | undefined) => (figure === undefined ? '—' : i18n.number(figure));
  return (
    <div className={`kpi-strip ${large ? 'large' : ''}`} data-testid="kpi-strip">
      <div className="kpi">
        <span className="kpi-label">{t('kpi.camerasOnline')}</span>
        <span className="kpi-value">
          {value(kpis.camerasOnline)}
          <span className="kpi-of">/ {i18n.number(kpis.camerasTotal)}</span>
        </span>
      </div>
      <div className={`kpi ${kpis.sensorsInAlarm ? 'warn' : ''}`}>
        <span className="kpi-label">{t('kpi.sensorsInAlarm')}</span>
        <span className="kpi-value">
          {value(kpis.sensorsInAlarm)}
          <span className="kpi-of">/ {i18n.number(kpis.sensorsTotal)}</span>
        </span>
      </div>
      <div className="kpi kpi-alerts">
        <span className="kpi-label">{t('kpi.openAlerts')}</span>
        <span className="kpi-severities">
          {(['critical', 'major', 'minor', 'info'] as const).map((severity) => (
            <span key={severity} className={`kpi-severity ${severity} ${kpis.open[severity] ? 'nonzero' : ''}`} title={t(`severity.${severity}`)} data-testid={`kpi-${severity}`}>
              <span className="kpi-severity-value">{live.alertsAvailable ? kpis.open[severity] : '—'}</span>
              <span className="kpi-severity-label">{t(`severity.${severity}`)}</span>
            </span>
          ))}
        </span>
      </div>
      <div className="kpi">
        <span className="kpi-label">{t('kpi.vehiclesLastHour')}</span>
        <span className="kpi-value">{value(vehicles)}</span>
      </div>
    </div>
  );
}
