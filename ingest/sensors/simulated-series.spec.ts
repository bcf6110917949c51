import { describe, expect, it } from 'vitest';
import { PHU_AN, SimulatedClock, rainIntensity, simulatedValue, tideLevel, seededRandom } from './simulated-series.ts';

const highs = (fromHours: number, toHours: number, stepHours = 0.05) => {
  const found: { hours: number; level: number }[] = [];
  for (let h = fromHours + stepHours; h < toHours - stepHours; h += stepHours) {
    const [before, now, after] = [tideLevel(PHU_AN, h - stepHours), tideLevel(PHU_AN, h), tideLevel(PHU_AN, h + stepHours)];
    if (now > before && now >= after) found.push({ hours: h, level: now });
  }
  return found;
};

describe('simulated series', () => {
  it('gives the Saigon River two high tides a day of unequal height', () => {
    const day = highs(-1, 23.5);
    expect(day).toHaveLength(2);
    expect(day[0].level).toBeGreaterThan(1.7); // the spring high passes alarm level III
    expect(day[1].level).toBeLessThan(1.5);
    expect(day[1].hours - day[0].hours).toBeGreaterThan(11.5);
    expect(day[1].hours - day[0].hours).toBeLessThan(13.5);
  });

  it('crosses 1.50, 1.60 and 1.70 m within two minutes of a demo start (time factor 60, 2 h before high water)', () => {
    const clock = new SimulatedClock(0, 60, -2);
    const firstAbove = (level: number) => {
      for (let realMs = 0; realMs < 10 * 60_000; realMs += 1000) if (tideLevel(PHU_AN, clock.hoursAt(realMs)) >= level) return realMs;
      return Infinity;
    };
    expect(firstAbove(1.5)).toBeLessThan(60_000);
    expect(firstAbove(1.6)).toBeGreaterThan(firstAbove(1.5));
    expect(firstAbove(1.7)).toBeGreaterThan(firstAbove(1.6));
    expect(firstAbove(1.7)).toBeLessThan(120_000);
  });

  it('rains in bursts, never negative, more in the afternoon', () => {
    let afternoon = 0;
    let night = 0;
    for (let day = 0; day < 60; day++) {
      for (let hour = 0; hour < 24; hour += 0.25) {
        const rain = rainIntensity(7, day * 24 + hour);
        expect(rain).toBeGreaterThanOrEqual(0);
        if (hour >= 14 && hour < 20) afternoon += rain;
        if (hour >= 2 && hour < 8) night += rain;
      }
    }
    expect(afternoon).toBeGreaterThan(night * 2);
  });

  it('keeps every kind inside its physical range and runs the pump with hysteresis', () => {
    const noise = seededRandom(1);
    const state = { pumpOn: false };
    const pump: number[] = [];
    for (let h = 0; h < 48; h += 0.1) {
      for (const kind of ['tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture'] as const) {
        const value = simulatedValue({ id: `${kind}-001`, kind, siteIndex: 0 }, h, 0.1, { pumpOn: false }, noise);
        expect(Number.isFinite(value)).toBe(true);
        if (kind === 'soil_moisture') expect(value).toBeGreaterThanOrEqual(0);
        if (kind === 'rainfall' || kind === 'salinity') expect(value).toBeGreaterThanOrEqual(0);
      }
      pump.push(simulatedValue({ id: 'pump-state-001', kind: 'pump_state', siteIndex: 0 }, h, 0.1, state, noise));
    }
    expect(new Set(pump)).toEqual(new Set([0, 1]));
    const switches = pump.filter((value, i) => i > 0 && value !== pump[i - 1]).length;
    expect(switches).toBeLessThan(10); // a few cycles in two days, no chatter
  });
});
