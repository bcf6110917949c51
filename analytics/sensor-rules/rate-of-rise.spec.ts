import { describe, expect, it } from 'vitest';
import { addRiseSample, centimetresPerUnit, nextRiseState, risePerHour, SAMPLES_PER_WINDOW, type RiseState } from './rate-of-rise.ts';

const HOUR = 3_600_000;
const settings = { limitCmPerHour: 30, windowMs: HOUR, unit: 'm' };
const run = (series: [number, number][], start: RiseState = { samples: [], active: false, rateCmPerHour: null }) => {
  const states: RiseState[] = [];
  let state = start;
  for (const sample of series) states.push((state = nextRiseState(state, sample, settings)));
  return states;
};
const minutes = (count: number, value: (minute: number) => number, from = 0): [number, number][] =>
  Array.from({ length: count }, (_, i) => [(from + i) * 60_000, value(from + i)]);

describe('rate of rise', () => {
  it('measures a steady rise as the slope in cm per hour', () => {
    const states = run(minutes(61, (m) => 1 + (0.4 * m) / 60)); // 40 cm/h
    expect(states.at(-1)!.rateCmPerHour).toBeCloseTo(40, 5);
    expect(states.at(-1)!.active).toBe(true);
  });

  it('says nothing until half the window is covered', () => {
    const states = run(minutes(29, (m) => 1 + m / 10)); // very steep, but only 28 minutes seen
    expect(states.every((state) => state.rateCmPerHour === null && !state.active)).toBe(true);
  });

  it('is not fooled by a single spike', () => {
    const series = minutes(61, () => 1.2);
    series[60][1] = 1.5; // one reading 30 cm up
    const last = run(series).at(-1)!;
    expect(last.rateCmPerHour!).toBeLessThan(30);
    expect(last.active).toBe(false);
  });

  it('clears only below 80 % of the limit', () => {
    const rising = run(minutes(61, (m) => 1 + (0.35 * m) / 60)).at(-1)!; // 35 cm/h: active
    expect(rising.active).toBe(true);
    const slowing = run(minutes(60, (m) => 1.35 + (0.27 * (m - 61)) / 60, 61), rising); // 27 cm/h: stays
    expect(slowing.at(-1)!.active).toBe(true);
    const flat = run(minutes(60, () => 1.62, 121), slowing.at(-1)!);
    expect(flat.at(-1)!.active).toBe(false);
  });

  it('keeps a bounded number of samples per window', () => {
    let samples: [number, number][] = [];
    for (let s = 0; s < 7200; s++) samples = addRiseSample(samples, [s * 1000, s], HOUR);
    expect(samples.length).toBeLessThanOrEqual(SAMPLES_PER_WINDOW + 2);
    expect(risePerHour(samples, HOUR)).toBeCloseTo(3600, 0);
  });

  it('converts units to centimetres', () => {
    expect(centimetresPerUnit('m')).toBe(100);
    expect(centimetresPerUnit('cm')).toBe(1);
    expect(centimetresPerUnit('mm')).toBe(0.1);
  });
});
