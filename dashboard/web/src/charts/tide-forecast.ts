// Loads a tide gauge's forecast (GET /api/sensors/{id}/forecast) for its chart: the predicted line from
// a day before it was made to 48 hours ahead, the alarm levels it expects and when, the highest water.
// Asked again every minute (the forecaster fits every few minutes); "unavailable" when the route is absent.
import { useEffect, useState } from 'react';
import type { TideForecastView } from '@cityops/contract/tide-forecast';
import { apiOptional } from '../api.ts';

export function useTideForecast(sensorId: string | undefined, refreshMs = 60_000): TideForecastView | null | undefined {
  const [forecast, setForecast] = useState<TideForecastView | null | undefined>(undefined);
  useEffect(() => {
    if (!sensorId) return;
    let cancelled = false;
    const load = async () => {
      try {
        const answer = await apiOptional<TideForecastView>(`/api/sensors/${encodeURIComponent(sensorId)}/forecast`);
        if (!cancelled) setForecast(answer ?? null);
      } catch {
        // A failed refresh keeps the last forecast on screen; the next one tries again.
        if (!cancelled) setForecast((previous) => previous ?? null);
      }
    };
    void load();
    const timer = setInterval(load, refreshMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [sensorId, refreshMs]);
  return forecast;
}
