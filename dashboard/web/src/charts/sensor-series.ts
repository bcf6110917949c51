// Loads a sensor's readings for a chart from the sensors feature's time-series route, downsampled by the
// server (min/avg/max/sum per bucket). Refreshes while shown; reports "unavailable" when the route is absent.
// Levels (tide, salinity) are charted as the average with a min-max band; amounts (rainfall: each reading is
// the depth fallen since the previous one) as the total per bucket, so an hour's bar is that hour's rain.
import { useEffect, useState } from 'react';
import { apiOptional } from '../api.ts';
import type { SeriesPoint } from './time-chart.tsx';

export type SeriesStatus = 'loading' | 'ok' | 'unavailable' | 'error';

interface BucketRow {
  bucket?: string;
  ts?: string;
  t?: string | number;
  avg?: number;
  sum?: number;
  min?: number;
  max?: number;
  value?: number;
}

export type SeriesAggregate = 'average' | 'total';

export function toSeries(rows: BucketRow[], aggregate: SeriesAggregate = 'average'): SeriesPoint[] {
  return rows
    .map((row) => {
      const time = row.bucket ?? row.ts ?? row.t;
      const t = typeof time === 'number' ? time : Date.parse(String(time));
      if (aggregate === 'total') return { t, value: Number(row.sum ?? row.value) };
      return { t, value: Number(row.avg ?? row.value), min: row.min, max: row.max };
    })
    .filter((point) => Number.isFinite(point.t) && Number.isFinite(point.value));
}

/** `total` charts one bar per hour (the rain of that hour); `average` about 240 points over the range. */
export function useSensorSeries(sensorId: string | undefined, hours: number, aggregate: SeriesAggregate = 'average', refreshMs = 30_000) {
  const [state, setState] = useState<{ status: SeriesStatus; points: SeriesPoint[]; from: number; to: number; error?: string }>({ status: 'loading', points: [], from: 0, to: 0 });
  useEffect(() => {
    if (!sensorId) return;
    let cancelled = false;
    const load = async () => {
      const to = Date.now();
      const from = to - hours * 3600e3;
      try {
        const query = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
        if (aggregate === 'total') query.set('bucketSeconds', '3600');
        else query.set('buckets', '240');
        const result = await apiOptional<{ points?: BucketRow[]; readings?: BucketRow[]; buckets?: BucketRow[] }>(`/api/sensors/${encodeURIComponent(sensorId)}/readings?${query}`);
        if (cancelled) return;
        if (!result) return setState({ status: 'unavailable', points: [], from, to });
        setState({ status: 'ok', points: toSeries(result.points ?? result.buckets ?? result.readings ?? [], aggregate), from, to });
      } catch (error) {
        if (!cancelled) setState((previous) => ({ ...previous, status: previous.points.length ? 'ok' : 'error', error: (error as Error).message }));
      }
    };
    void load();
    const timer = setInterval(load, refreshMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [sensorId, hours, aggregate, refreshMs]);
  return state;
}
