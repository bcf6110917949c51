// A parking zone's occupancy over time: the minute samples (vehicles standing in it) as a line, its
// capacity as a dashed level, so "full" reads at a glance and in figures.
import type { ParkingZoneView } from '@cityops/contract/parking';
import { useI18n } from '../i18n.tsx';
import { useParkingSeries } from '../parking/parking-zones.ts';
import { EmptyState, Spinner } from '../ui.tsx';
import { TimeChart } from './time-chart.tsx';

const OCCUPIED_COLOR = '#38bdf8';
const CAPACITY_COLOR = '#ef4444';

export function ParkingChart({ zone, hours = 24, height = 200 }: { zone: ParkingZoneView; hours?: number; height?: number }) {
  const { t } = useI18n();
  const state = useParkingSeries(zone.cameraId, zone.zoneId, hours);
  if (state.status === 'loading') return <Spinner label={t('common.loading')} />;
  if (state.status === 'error' || !state.series) return <EmptyState icon="alert" title={t('chart.failed')} detail={state.error} />;
  const points = state.series.samples.map((sample) => ({ t: Date.parse(sample.minute), value: sample.occupied }));
  if (!points.length) return <EmptyState icon="camera" title={t('parking.noSamples')} detail={t('parking.noSamplesDetail', { hours })} />;
  return (
    <div data-testid="parking-chart" data-camera-id={zone.cameraId} data-zone-id={zone.zoneId} data-samples={points.length}>
      <TimeChart
        points={points}
        unit={t('parking.vehicles')}
        levels={[{ value: zone.capacity, label: t('parking.capacity'), color: CAPACITY_COLOR }]}
        color={OCCUPIED_COLOR}
        from={Date.parse(state.series.from)}
        to={Date.parse(state.series.to)}
        height={height}
        fractionDigits={0}
        counts
      />
    </div>
  );
}
