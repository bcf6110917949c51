// A sensor's chart with its alarm levels, and a clear message when there is nothing to draw. A tide
// gauge's chart also shows its forecast: dashed over the measurements (how well it fits) and half the
// chart's span ahead, with the alarm levels it expects and when, in a line under the chart.
import { useI18n } from '../i18n.tsx';
import type { Sensor } from '@cityops/contract/devices';
import { EmptyState, Spinner, Unavailable } from '../ui.tsx';
import type { TideForecastView } from '@cityops/contract/tide-forecast';
import { useSensorSeries } from './sensor-series.ts';
import { useTideForecast } from './tide-forecast.ts';
import { LEVEL_COLORS, sensorLevels, TimeChart } from './time-chart.tsx';

const ROMAN = ['', 'I', 'II', 'III'];
const FORECAST_COLOR = '#f472b6';

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
  const forecast = useTideForecast(sensor.kind === 'tide_level' ? sensor.id : undefined);
  if (sensor.kind === 'tide_level' && series.status === 'ok' && series.points.length) {
    return (
      <>
        <TideChart sensor={sensor} series={series} forecast={forecast} hours={hours} height={height} />
        <ForecastSummary forecast={forecast} unit={sensor.unit} />
      </>
    );
  }
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

function TideChart({ sensor, series, forecast, hours, height }: { sensor: Sensor; series: ReturnType<typeof useSensorSeries>; forecast: TideForecastView | null | undefined; hours: number; height: number }) {
  const { t, time } = useI18n();
  const points = forecast?.points.map((point) => ({ t: Date.parse(point.at), value: point.level })) ?? [];
  // Half the chart's span ahead, as far as the forecast reaches.
  const horizon = forecast?.horizonUntil ? Date.parse(forecast.horizonUntil) : series.to;
  const to = points.length ? Math.min(horizon, series.to + (hours * 3600e3) / 2) : series.to;
  const markers = [
    { t: series.to, label: t('forecast.now'), color: '#94a3b8' },
    ...(forecast?.expectedLevels ?? []).map((expected) => ({ t: Date.parse(expected.at), label: `${ROMAN[expected.level]} ${time(expected.at)}`, color: LEVEL_COLORS[expected.level - 1] })),
  ];
  return (
    <TimeChart
      points={series.points}
      unit={sensor.unit}
      levels={sensorLevels(sensor)}
      color={KIND_COLORS.tide_level}
      from={series.from}
      to={to}
      height={height}
      overlay={points.length ? { points, color: FORECAST_COLOR } : undefined}
      markers={points.length ? markers : []}
    />
  );
}

/** One line: the first alarm level expected and when, the highest water, and how well the model fits. */
function ForecastSummary({ forecast, unit }: { forecast: TideForecastView | null | undefined; unit: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (forecast === undefined || forecast === null) return null;
  if (!forecast.model) {
    return (
      <p className="muted small forecast-summary" data-testid="tide-forecast" data-state="none">
        {t('forecast.notYet', { reason: forecast.reason ?? '' })}
      </p>
    );
  }
  const highest = forecast.expectedLevels.at(-1);
  return (
    <p className="small forecast-summary" data-testid="tide-forecast" data-state={highest ? `level${highest.level}` : 'ok'}>
      <span className="forecast-swatch" aria-hidden="true" />
      <strong>{t('forecast.label')}:</strong>{' '}
      {highest ? <span className={`forecast-level level${highest.level}`}>{t('forecast.expected', { level: ROMAN[highest.level], time: i18n.dateTime(highest.at) })}</span> : t('forecast.noLevel')}
      {forecast.peak && <> · {t('forecast.peak', { value: `${i18n.number(forecast.peak.level, 2)} ${unit}`, time: i18n.dateTime(forecast.peak.at) })}</>}
      {' · '}
      <span className="muted">{t('forecast.fit', { value: i18n.number(forecast.model.residualRmsCm, 1), constituents: forecast.model.constituents.filter((constituent) => !constituent.inferredFrom).map((constituent) => constituent.name).join(', ') })}</span>
    </p>
  );
}
