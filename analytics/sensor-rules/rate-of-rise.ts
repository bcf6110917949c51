// Rate of rise: how fast a water level climbs, in centimetres per hour, measured as the least-squares slope
// over a window (default one hour). A slope over many points is not fooled by one spiky reading the way a
// difference of two readings is, and the window must be at least half covered before it says anything.
// It raises above the configured rate and clears below 80 % of it, so a steady rise near the limit does not flap.

export type RiseSample = [tsMs: number, value: number];

export interface RiseState {
  samples: RiseSample[];
  active: boolean;
  rateCmPerHour: number | null;
}

export const SAMPLES_PER_WINDOW = 120;
export const CLEAR_FRACTION = 0.8;

/** How many centimetres one unit of the sensor is. */
export function centimetresPerUnit(unit: string): number {
  switch (unit.trim().toLowerCase()) {
    case 'mm':
      return 0.1;
    case 'cm':
      return 1;
    default:
      return 100; // metres, the registry's default for tide and water levels
  }
}

/** Adds a sample (keeping at most SAMPLES_PER_WINDOW per window) and drops those older than the window. */
export function addRiseSample(samples: RiseSample[], sample: RiseSample, windowMs: number): RiseSample[] {
  const spacingMs = windowMs / SAMPLES_PER_WINDOW;
  const kept = samples.filter(([ts]) => ts >= sample[0] - windowMs && ts < sample[0]);
  const last = kept[kept.length - 1];
  // One sample per time bucket: a newer value in the same bucket replaces the older one.
  if (last && Math.floor(last[0] / spacingMs) === Math.floor(sample[0] / spacingMs)) kept[kept.length - 1] = sample;
  else kept.push(sample);
  return kept;
}

/** Least-squares slope in units per hour, or null while the window is less than half covered. */
export function risePerHour(samples: RiseSample[], windowMs: number): number | null {
  if (samples.length < 3) return null;
  const first = samples[0][0];
  const span = samples[samples.length - 1][0] - first;
  if (span < windowMs / 2) return null;
  let sumT = 0;
  let sumV = 0;
  for (const [ts, value] of samples) {
    sumT += (ts - first) / 3_600_000;
    sumV += value;
  }
  const meanT = sumT / samples.length;
  const meanV = sumV / samples.length;
  let covariance = 0;
  let variance = 0;
  for (const [ts, value] of samples) {
    const t = (ts - first) / 3_600_000 - meanT;
    covariance += t * (value - meanV);
    variance += t * t;
  }
  return variance === 0 ? null : covariance / variance;
}

export function nextRiseState(
  previous: RiseState,
  sample: RiseSample,
  settings: { limitCmPerHour: number; windowMs: number; unit: string },
): RiseState {
  const samples = addRiseSample(previous.samples, sample, settings.windowMs);
  const perHour = risePerHour(samples, settings.windowMs);
  const rateCmPerHour = perHour === null ? null : perHour * centimetresPerUnit(settings.unit);
  let active = previous.active;
  if (rateCmPerHour === null) active = false;
  else if (rateCmPerHour > settings.limitCmPerHour) active = true;
  else if (rateCmPerHour < settings.limitCmPerHour * CLEAR_FRACTION) active = false;
  return { samples, active, rateCmPerHour };
}
