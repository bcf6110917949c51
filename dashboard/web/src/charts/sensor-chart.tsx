// A sensor's chart with its alarm levels, and a clear message when there is nothing to draw.
import { useI18n } from '../i18n.tsx';
import type { Sensor } from '@cityops/contract/devices';
import { EmptyState, Spinner, Unavailable } from '../ui.tsx';
import { useSensorSeries } from './sensor-series.ts';
import { sensorLevels, TimeChart } from './time-chart.tsx';

const KIND_COLORS: Record<string, string> = {
  tide_level: '#38bdf8',
  water_level: '#22d3ee',
  rainfall: '#60a5fa',
  salinity: '#a78bfa',
  soil_moisture: '#34d399',
  pump_state: '#94a3b8',
};

export function SensorChart({ sensor, hours = 24, height = 220 }: { sensor: Sensor; hours?: number; height?: number }) {
  const { t } = useI18n();
  const isAmount = sensor.kind === 'rainfall';
  const series = useSensorSeries(sensor.id, hours, isAmount ? 'total' : 'average');
  if (series.status === 'loading') return <Spinner label={t('common.loading')} />;
  if (series.status === 'unavailable') return <Unavailable what="feature.sensorSeries" />;
  if (series.status === 'error') return <EmptyState icon="alert" title={t('chart.failed')} detail={series.error} />;
  if (!series.points.length) return <EmptyState icon="sensor" title={t('chart.noData')} detail={t('chart.noDataDetail', { hours })} />;
  return (
    <TimeChart
      points={series.points}
      unit={isAmount ? `${sensor.unit}/h` : sensor.unit}
      // A rain gauge's levels apply to single readings, not to hourly totals: not drawn against them.
      levels={isAmount ? [] : sensorLevels(sensor)}
      style={isAmount ? 'bars' : 'line'}
      color={KIND_COLORS[sensor.kind]}
      from={series.from}
      to={series.to}
      height={height}
      fractionDigits={isAmount ? 1 : 2}
    />
  );
}
