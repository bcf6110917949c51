// Values no sensor of a kind can physically report: a reading outside is a fault (a wiring error, a
// unit mix-up, a spike), not an event, so it is dead-lettered as `out_of_range` instead of raising alarms.
// A sensor's `rules.validMin` / `rules.validMax` replace these bounds (narrower for a known site, or wider).
import type { SensorKind } from '@cityops/devices/schemas';

export const PLAUSIBLE_RANGES: Record<SensorKind, { min: number; max: number; why: string }> = {
  // Largest tidal ranges on Earth are about 16 m (Bay of Fundy); Saigon River gauges see −3 … +2 m.
  tide_level: { min: -20, max: 20, why: 'no tide exceeds ±20 m of its datum' },
  water_level: { min: -50, max: 100, why: 'canal and river stage, metres above datum' },
  // The world record hourly rainfall is about 305 mm; a gauge reporting per interval stays below 1000 mm.
  rainfall: { min: 0, max: 1000, why: 'rain depth cannot be negative; 1000 mm per report is beyond any record' },
  // Sodium chloride saturates water at about 360 g/L; seawater is about 35 g/L.
  salinity: { min: 0, max: 360, why: 'salinity cannot be negative or above saturation (≈360 g/L)' },
  soil_moisture: { min: 0, max: 100, why: 'volumetric water content is a percentage' },
  pump_state: { min: 0, max: 1, why: '0 = off, 1 = on' },
};

export function validRange(kind: SensorKind, settings: { validMin?: number; validMax?: number }): { min: number; max: number } {
  const defaults = PLAUSIBLE_RANGES[kind];
  return { min: settings.validMin ?? defaults.min, max: settings.validMax ?? defaults.max };
}
