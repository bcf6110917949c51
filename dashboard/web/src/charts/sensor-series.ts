// Loads a sensor's readings for a chart from the sensors feature's time-series route, downsampled by the
// server (min/avg/max per bucket). Refreshes while shown; reports "unavailable" when the route is absent.
import { useEffect, useState } from 'react';
import { apiOptional } from '../api.ts';
import type { SeriesPoint } from './time-chart.tsx';

export type SeriesStatus = 'loading' | 'ok' | 'unavailable' | 'error';

interface BucketRow {
  bucket?: string;
  ts?: string;
  t?: string | number;
  avg?: number;
  min?: number;
  max?: number;
  value?: number;
}

export function toSeries(rows: BucketRow[]): SeriesPoint[] {
  return rows
    .map((row) => {
      const time = row.bucket ?? row.ts ?? row.t;
      const value = row.avg ?? row.value;
      return { t: typeof time === 'number' ? time : Date.parse(String(time)), value: Number(value), min: row.min, max: row.max };
    })
    .filter((point) => Number.isFinite(point.t) && Number.isFinite(point.value));
}

export function useSensorSeries(sensorId: string | undefined, hours: number, refreshMs = 30_000) {
  const [state, setState] = useState<{ status: SeriesStatus; points: SeriesPoint[]; from: number; to: number; error?: string }>({ status: 'loading', points: [], from: 0, to: 0 });
  useEffect(() => {
    if (!sensorId) return;
    let cancelled = false;
    const load = async () => {
      const to = Date.now();
      const from = to - hours * 3600e3;
      try {
        const query = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), buckets: '240' });
        const result = await apiOptional<{ points?: BucketRow[]; readings?: BucketRow[]; buckets?: BucketRow[] }>(`/api/sensors/${encodeURIComponent(sensorId)}/readings?${query}`);
        if (cancelled) return;
        if (!result) return setState({ status: 'unavailable', points: [], from, to });
        setState({ status: 'ok', points: toSeries(result.points ?? result.buckets ?? result.readings ?? []), from, to });
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
  }, [sensorId, hours, refreshMs]);
  return state;
}
