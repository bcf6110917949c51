// Vehicle counts per class per hour from the counting lines of the cameras, for the whole city or one camera,
// and how many people ride each motorbike and bicycle (riders are counted with their vehicle, not as pedestrians).
import { useEffect, useMemo, useState } from 'react';
import { apiOptional } from '../api.ts';
import { StackedBars, type StackedBar } from '../charts/stacked-bars.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import type { MessageKey } from '../messages.ts';
import { PeriodSelect, usePeriodHours } from '../period-select.tsx';
import { setQueryParam, useLocation } from '../router.tsx';
import { EmptyState, Spinner, Unavailable } from '../ui.tsx';

const CLASSES = ['motorcycle', 'car', 'bus', 'truck', 'bicycle'];
const CLASS_COLORS: Record<string, string> = { motorcycle: '#38bdf8', car: '#a78bfa', bus: '#f59e0b', truck: '#f43f5e', bicycle: '#34d399' };

interface HourRow {
  hour: string;
  class: string;
  count: number;
}

export default function TrafficPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const { query } = useLocation();
  const cameraId = query.get('camera') ?? '';
  const hours = usePeriodHours();
  const [rows, setRows] = useState<HourRow[] | null | undefined>(undefined);
  const [riders, setRiders] = useState<Record<string, number>>({});

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      const result = await apiOptional<{ hours: HourRow[]; riders?: Array<{ class: string; riders: number }> }>(`/api/web/traffic/hourly?hours=${hours}${cameraId ? `&cameraId=${encodeURIComponent(cameraId)}` : ''}`).catch(() => undefined);
      if (cancelled) return;
      setRows(result ? result.hours : null);
      setRiders(Object.fromEntries((result?.riders ?? []).map((row) => [row.class === 'motorbike' ? 'motorcycle' : row.class, row.riders])));
    };
    setRows(undefined);
    void load();
    const timer = setInterval(load, 60_000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [cameraId, hours]);

  const bars = useMemo<StackedBar[]>(() => {
    const byHour = new Map<number, StackedBar>();
    const now = Date.now();
    const firstHour = Math.floor(now / 3600e3) * 3600e3 - (hours - 1) * 3600e3;
    for (let time = firstHour; time <= now; time += 3600e3) byHour.set(time, { t: time, parts: {} });
    for (const row of rows ?? []) {
      const time = Date.parse(row.hour);
      const bar = byHour.get(time) ?? { t: time, parts: {} };
      const name = row.class === 'motorbike' ? 'motorcycle' : row.class;
      bar.parts[name] = (bar.parts[name] ?? 0) + row.count;
      byHour.set(time, bar);
    }
    return [...byHour.values()].sort((a, b) => a.t - b.t);
  }, [rows, hours]);

  const totals = useMemo(() => {
    const sums: Record<string, number> = {};
    for (const bar of bars) for (const [name, value] of Object.entries(bar.parts)) sums[name] = (sums[name] ?? 0) + value;
    return sums;
  }, [bars]);
  const total = Object.values(totals).reduce((a, b) => a + b, 0);
  const labels = Object.fromEntries(CLASSES.map((name) => [name, t(`vehicle.${name}` as MessageKey)]));
  const countingCameras = live.cameras.filter((camera) => ((camera.analysis as { lines?: unknown[] })?.lines?.length ?? 0) > 0);

  return (
    <div className="page traffic-page">
      <header className="page-header">
        <div>
          <h1>{t('traffic.title')}</h1>
          <p className="muted">{t('traffic.subtitle')}</p>
        </div>
        <div className="page-tools">
          <select value={cameraId} onChange={(e) => setQueryParam('camera', e.target.value)} aria-label={t('device.camera')}>
            <option value="">{t('traffic.allCameras')}</option>
            {countingCameras.map((camera) => (
              <option key={camera.id} value={camera.id}>
                {i18n.name(camera)} ({camera.id})
              </option>
            ))}
          </select>
          <PeriodSelect hours={hours} />
        </div>
      </header>
      <div className="stat-row">
        <div className="stat-card">
          <span className="kpi-label">{t('traffic.total')}</span>
          <span className="kpi-value">{i18n.number(total)}</span>
        </div>
        {CLASSES.map((name) => (
          <div className="stat-card" key={name}>
            <span className="kpi-label">
              <span className="legend-swatch" style={{ background: CLASS_COLORS[name] }} /> {labels[name]}
            </span>
            <span className="kpi-value">{i18n.number(totals[name] ?? 0)}</span>
            <span className="muted small">{total ? `${i18n.number(((totals[name] ?? 0) / total) * 100, 1)} %` : '—'}</span>
            {riders[name] !== undefined && totals[name] ? (
              <span className="muted small" data-testid={`riders-${name}`}>
                {t('traffic.ridersPerVehicle', { value: i18n.number(riders[name] / totals[name], 2) })}
              </span>
            ) : null}
          </div>
        ))}
      </div>
      <section className="panel chart-panel">
        <header className="panel-header">
          <h2>{t('traffic.perHour')}</h2>
        </header>
        <div className="chart-body">
          {rows === undefined ? (
            <Spinner label={t('common.loading')} />
          ) : rows === null ? (
            <Unavailable what="feature.traffic" />
          ) : total === 0 ? (
            <EmptyState icon="traffic" title={t('traffic.none')} detail={t('traffic.noneDetail')} />
          ) : (
            <StackedBars bars={bars} series={CLASSES} colors={CLASS_COLORS} labels={labels} />
          )}
        </div>
      </section>
    </div>
  );
}
