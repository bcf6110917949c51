// The parking zones (GET /api/parking) for the map and the camera's detail, refreshed every 30 s: the
// samples are per minute, so a shorter refresh would show nothing new.
import { useEffect, useState } from 'react';
import type { ParkingSeriesView, ParkingZoneView } from '@cityops/contract/parking';
import { apiOptional } from '../api.ts';

export const PARKING_REFRESH_MS = 30_000;

/** How full a zone is, for its colour; the badge also says it in figures (and "full" in words). */
export type ParkingLevel = 'free' | 'filling' | 'full' | 'unknown';

/** Under a quarter of the spaces left is "filling up": a driver sent there may find none by arrival. */
export function parkingLevel(zone: Pick<ParkingZoneView, 'free' | 'capacity'>): ParkingLevel {
  if (zone.free === null) return 'unknown';
  if (zone.free === 0) return 'full';
  return zone.free < zone.capacity / 4 ? 'filling' : 'free';
}

export const PARKING_COLORS: Record<ParkingLevel, string> = { free: '#16a34a', filling: '#d97706', full: '#dc2626', unknown: '#64748b' };

/** Every parking zone; an empty list until loaded or when the route is absent (an older server). */
export function useParkingZones(refreshMs = PARKING_REFRESH_MS): ParkingZoneView[] {
  const [zones, setZones] = useState<ParkingZoneView[]>([]);
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const result = await apiOptional<ParkingZoneView[]>('/api/parking');
        if (!cancelled) setZones(result ?? []);
      } catch {
        // Keep what is shown: the next refresh tries again.
      }
    };
    void load();
    const timer = setInterval(load, refreshMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [refreshMs]);
  return zones;
}

/** One zone's minute samples over the last `hours`, refreshed every minute. */
export function useParkingSeries(cameraId: string, zoneId: string, hours: number) {
  const [state, setState] = useState<{ status: 'loading' | 'ok' | 'error'; series?: ParkingSeriesView; error?: string }>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      const to = new Date();
      const query = new URLSearchParams({ from: new Date(to.getTime() - hours * 3600e3).toISOString(), to: to.toISOString() });
      try {
        const series = await apiOptional<ParkingSeriesView>(`/api/parking/${encodeURIComponent(cameraId)}/${encodeURIComponent(zoneId)}/series?${query}`);
        if (!cancelled) setState(series ? { status: 'ok', series } : { status: 'error', error: 'unavailable' });
      } catch (error) {
        if (!cancelled) setState((previous) => ({ ...previous, status: previous.series ? 'ok' : 'error', error: (error as Error).message }));
      }
    };
    void load();
    const timer = setInterval(load, 60_000);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [cameraId, zoneId, hours]);
  return state;
}
