// Plausible series for Ho Chi Minh City's sensors, as pure functions of simulated time, so a demo, a test
// and the CLI all see the same water. Models, deliberately simple:
// - Tide: the Saigon River's tide is mixed, mainly semi-diurnal — two highs a day of unequal height. Here a
//   principal lunar semi-diurnal term (M2, 12.42 h) plus a diurnal term (K1, 23.93 h). At Phú An the higher
//   high reaches 1.77 m (above alarm level III, 1.70 m) and the lower high about 0.9 m.
// - Canal levels follow the river with a lag and damping, plus run-off from recent rain.
// - Rain comes in convective bursts, mostly in the afternoon (the rainy season pattern).
// - Salinity rises with the flood tide (sea water pushing up the Soài Rạp and Lòng Tàu), lagging it.
// - Soil moisture dries during the day and jumps with rain; a drainage pump starts on a high canal.
import type { SensorKind } from '@cityops/devices/schemas';

const HOUR_MS = 3_600_000;
const M2_HOURS = 12.42;
const K1_HOURS = 23.93;

/** Deterministic pseudo-random numbers (mulberry32), so a seed gives the same demo every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function hashSeed(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

export interface TideSite {
  /** Mean level above datum, metres. */
  mean: number;
  m2Amplitude: number;
  k1Amplitude: number;
  /** Hours after the reference high water (both terms in phase) this site's tide lags. */
  lagHours: number;
}

export const PHU_AN: TideSite = { mean: 0.35, m2Amplitude: 1.0, k1Amplitude: 0.42, lagHours: 0 };

/** Water level at `hours` after the reference higher high water (at hours = site.lagHours it peaks). */
export function tideLevel(site: TideSite, hours: number): number {
  const t = hours - site.lagHours;
  return site.mean + site.m2Amplitude * Math.cos((2 * Math.PI * t) / M2_HOURS) + site.k1Amplitude * Math.cos((2 * Math.PI * t) / K1_HOURS);
}

/** Tide normalised to about −1 (low) … +1 (highest high) for the site. */
export function tideIndex(site: TideSite, hours: number): number {
  return (tideLevel(site, hours) - site.mean) / (site.m2Amplitude + site.k1Amplitude);
}

/**
 * Rain intensity (mm/h) of a site at an hour: storms start at random, more often in the afternoon, and
 * decay over an hour or two. Pure in (seed, hours): the same hour always rains the same.
 */
export function rainIntensity(seed: number, hours: number): number {
  let total = 0;
  // Each storm started in one of the last 4 simulated hours.
  for (let start = Math.floor(hours) - 4; start <= Math.floor(hours); start++) {
    const random = seededRandom(seed ^ hashSeed(String(start)));
    const hourOfDay = ((start % 24) + 24) % 24;
    const afternoon = hourOfDay >= 13 && hourOfDay <= 19;
    if (random() > (afternoon ? 0.25 : 0.04)) continue;
    const startsAt = start + random();
    if (hours < startsAt) continue;
    const peak = 8 + random() * 50;
    const decayHours = 0.4 + random() * 1.2;
    total += peak * Math.exp(-(hours - startsAt) / decayHours);
  }
  return total < 0.05 ? 0 : total;
}

/** Rain fallen in the last `windowHours`, mm (coarse numeric integration). */
export function recentRain(seed: number, hours: number, windowHours: number): number {
  const steps = 12;
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += rainIntensity(seed, hours - (windowHours * (i + 0.5)) / steps);
  return (sum * windowHours) / steps;
}

export interface SimulatedSensor {
  id: string;
  kind: SensorKind;
  /** Index among sensors of its kind: varies site parameters. */
  siteIndex: number;
}

export interface SensorModelState {
  pumpOn: boolean;
}

/**
 * The value of a sensor at simulated time `hours`. `intervalHours` is the time since its previous reading
 * (rain gauges report the depth fallen in it).
 */
export function simulatedValue(sensor: SimulatedSensor, hours: number, intervalHours: number, state: SensorModelState, noise: () => number): number {
  const jitter = (scale: number) => (noise() - 0.5) * 2 * scale;
  const seed = hashSeed(sensor.id);
  const site = sensor.siteIndex;
  switch (sensor.kind) {
    case 'tide_level': {
      // Further gauges: a little later and smaller. Site 0 is Phú An, which crosses alarm level III.
      const tide = { ...PHU_AN, lagHours: site * 0.35, m2Amplitude: PHU_AN.m2Amplitude * (1 - 0.04 * (site % 5)) };
      return round(tideLevel(tide, hours) + jitter(0.005), 3);
    }
    case 'water_level': {
      const lagged = tideLevel({ ...PHU_AN, lagHours: 0.6 + 0.3 * (site % 4) }, hours);
      const runoff = 0.012 * recentRain(seed, hours, 3);
      return round(0.25 + 0.78 * lagged + runoff + jitter(0.005), 3);
    }
    case 'rainfall':
      return round(rainIntensity(seed, hours) * intervalHours, 2);
    case 'salinity': {
      const base = site % 2 === 0 ? 0.35 : 1.4;
      const swing = site % 2 === 0 ? 0.9 : 2.0;
      const index = Math.max(0, tideIndex(PHU_AN, hours - 1.5));
      return round(Math.max(0, base + swing * index + jitter(0.03)), 2);
    }
    case 'soil_moisture': {
      // Dries with the sun (6-18 h), recovers with rain, 15-45 %.
      const hourOfDay = ((hours % 24) + 24) % 24;
      const daylight = Math.max(0, Math.sin((Math.PI * (hourOfDay - 6)) / 12));
      const wet = Math.min(1, recentRain(seed, hours, 12) / 40);
      return round(22 + 18 * wet - 5 * daylight + jitter(0.3), 1);
    }
    case 'pump_state': {
      // A drainage pump: starts when its canal passes 1.30 m, stops below 1.10 m.
      const canal = 0.25 + 0.78 * tideLevel({ ...PHU_AN, lagHours: 0.9 }, hours) + 0.012 * recentRain(seed, hours, 3);
      if (canal > 1.3) state.pumpOn = true;
      else if (canal < 1.1) state.pumpOn = false;
      return state.pumpOn ? 1 : 0;
    }
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Simulated clock: `factor` simulated seconds per real second, starting `startHours` after the reference high. */
export class SimulatedClock {
  constructor(
    private readonly realStartMs: number,
    readonly factor: number,
    private readonly startHours: number,
  ) {}

  hoursAt(realMs: number): number {
    return this.startHours + ((realMs - this.realStartMs) * this.factor) / HOUR_MS;
  }
}
