// Sensor views: the tide against its three alarm levels, rainfall and salinity side by side, and any
// sensor picked from the list. Values and states come live from the sensor feature when it runs.
import { useMemo } from 'react';
import { SensorChart } from '../charts/sensor-chart.tsx';
import { useI18n } from '../i18n.tsx';
import { useLive } from '../live/live-context.tsx';
import { type Sensor, SENSOR_KINDS } from '@cityops/contract/devices';
import { deviceState } from '../map/city-map.tsx';
import type { MessageKey } from '../messages.ts';
import { PeriodSelect, usePeriodHours } from '../period-select.tsx';
import { setQueryParam, useLocation } from '../router.tsx';
import { EmptyState } from '../ui.tsx';

const FEATURED_KINDS = ['tide_level', 'rainfall', 'salinity'] as const;

export default function SensorsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const { query } = useLocation();
  const hours = usePeriodHours();
  const selectedId = query.get('sensor') ?? undefined;
  const selected = selectedId ? live.sensor(selectedId) : undefined;
  const byKind = useMemo(() => {
    const groups = new Map<string, Sensor[]>();
    for (const sensor of live.sensors) groups.set(sensor.kind, [...(groups.get(sensor.kind) ?? []), sensor]);
    return groups;
  }, [live.sensors]);
  // One chart per featured kind: its first station that has reported (a newly registered one has nothing to draw).
  const reporting = (sensor: Sensor) => Boolean(live.sensorHealth.get(sensor.id)?.lastSeenAt);
  const featured = FEATURED_KINDS.map((kind) => {
    const stations = byKind.get(kind) ?? [];
    return stations.find(reporting) ?? stations[0];
  }).filter((sensor): sensor is Sensor => Boolean(sensor) && sensor !== selected);

  return (
    <div className="page sensors-page">
      <aside className="panel sensor-list" aria-label={t('nav.sensors')}>
        <header className="panel-header">
          <h2>
            {t('sensors.list')}
            <span className="panel-count">{live.sensors.length}</span>
          </h2>
        </header>
        <div className="sensor-groups">
          {SENSOR_KINDS.filter((kind) => byKind.has(kind)).map((kind) => (
            <div key={kind} className="sensor-group">
              <h3>{t(`sensorKind.${kind}`)}</h3>
              {byKind.get(kind)!.map((sensor) => {
                const health = live.sensorHealth.get(sensor.id);
                const state = deviceState(sensor.enabled, health);
                return (
                  <button key={sensor.id} className={`sensor-item ${sensor.id === selectedId ? 'selected' : ''}`} onClick={() => setQueryParam('sensor', sensor.id)}>
                    <span className={`state-dot ${state}`} title={t(`state.${state}` as MessageKey)} />
                    <span className="sensor-name">{i18n.name(sensor)}</span>
                    <span className="sensor-value">{health?.lastValue != null ? `${i18n.number(health.lastValue, 2)} ${sensor.unit}` : '—'}</span>
                  </button>
                );
              })}
            </div>
          ))}
          {!live.sensors.length && <EmptyState icon="sensor" title={t('sensors.none')} />}
        </div>
      </aside>
      <div className="sensor-charts">
        <header className="page-header">
          <div>
            <h1>{t('sensors.title')}</h1>
            <p className="muted">{t('sensors.subtitle')}</p>
          </div>
          <div className="page-tools">
            <PeriodSelect hours={hours} />
          </div>
        </header>
        {selected && <ChartCard sensor={selected} hours={hours} large />}
        <div className="chart-grid">
          {featured.map((sensor) => (
            <ChartCard key={sensor.id} sensor={sensor} hours={hours} />
          ))}
        </div>
      </div>
    </div>
  );
}

function ChartCard({ sensor, hours, large = false }: { sensor: Sensor; hours: number; large?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLive();
  const health = live.sensorHealth.get(sensor.id);
  const state = deviceState(sensor.enabled, health);
  const levels = [sensor.level1, sensor.level2, sensor.level3];
  return (
    <section className={`panel chart-panel ${large ? 'large' : ''}`} data-testid="sensor-chart" data-sensor-id={sensor.id}>
      <header className="panel-header">
        <div>
          <h2>{i18n.name(sensor)}</h2>
          <span className="muted small">
            {t(`sensorKind.${sensor.kind}`)} · {sensor.id}
            {levels.some((level) => level != null) && ` · ${t('sensors.levels')}: ${levels.map((level) => (level == null ? '—' : i18n.number(level, 2))).join(' / ')} ${sensor.unit}`}
          </span>
        </div>
        <span className={`state-chip ${state}`}>{t(`state.${state}` as MessageKey)}</span>
      </header>
      <div className="chart-body">
        <SensorChart sensor={sensor} hours={hours} height={large ? 260 : 220} />
      </div>
    </section>
  );
}
