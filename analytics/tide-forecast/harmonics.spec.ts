import { describe, expect, it } from 'vitest';
import { PHU_AN, seededRandom, tideLevel } from '@cityops/ingest/sensors/simulated-series';
import { CONSTITUENTS, NotEnoughTideData, firstCrossing, fitTide, meanLongitudes, predictTide, separableConstituents, type TideSample } from './harmonics.ts';

const HOUR_MS = 3_600_000;
const START = Date.UTC(2026, 10, 1);
const speedOf = (name: string) => CONSTITUENTS.find((constituent) => constituent.name === name)!.speed;

/** A tide made of known constituents: amplitude (m) and phase (degrees) relative to START. */
function syntheticTide(parts: Record<string, [number, number]>, mean = 0.4) {
  return (at: number) => {
    const hours = (at - START) / HOUR_MS;
    let level = mean;
    for (const [name, [amplitude, phase]] of Object.entries(parts)) level += amplitude * Math.cos(((speedOf(name) * hours - phase) * Math.PI) / 180);
    return level;
  };
}

function sampled(level: (at: number) => number, hours: number, stepMinutes = 10, from = START): TideSample[] {
  const samples: TideSample[] = [];
  for (let at = from; at <= from + hours * HOUR_MS; at += stepMinutes * 60_000) samples.push({ at, level: level(at) });
  return samples;
}

describe('tide harmonics', () => {
  it('recovers the amplitudes of a month of a mixed tide to the millimetre', () => {
    const tide = syntheticTide({ M2: [0.95, 40], K1: [0.42, 200], S2: [0.3, 75], O1: [0.28, 310] });
    const model = fitTide(sampled(tide, 30 * 24, 30), { infer: false });
    const amplitude = (name: string) => model.constituents.find((constituent) => constituent.name === name)?.amplitude;
    expect(amplitude('M2')).toBeCloseTo(0.95, 3);
    expect(amplitude('K1')).toBeCloseTo(0.42, 3);
    expect(amplitude('S2')).toBeCloseTo(0.3, 3);
    expect(amplitude('O1')).toBeCloseTo(0.28, 3);
    expect(model.mean).toBeCloseTo(0.4, 3);
    // And predicts the next two days as they will be.
    for (let hours = 0; hours <= 48; hours += 1.5) {
      const at = model.fittedTo + hours * HOUR_MS;
      expect(Math.abs(predictTide(model, at) - tide(at))).toBeLessThan(0.002);
    }
  });

  it('fits only the constituents the window can tell apart (Rayleigh)', () => {
    expect(separableConstituents(72).map((constituent) => constituent.name)).toEqual(['M2', 'K1', 'M4', 'M6']);
    const month = separableConstituents(30 * 24).map((constituent) => constituent.name);
    expect(month).toEqual(expect.arrayContaining(['M2', 'K1', 'S2', 'O1', 'N2', 'Q1', 'M4', 'MS4']));
    // P1 beside K1 and K2 beside S2 need half a year.
    expect(month).not.toContain('P1');
    expect(month).not.toContain('K2');
  });

  it('forecasts the simulated Phú An gauge 6 hours ahead within a centimetre from three days of noisy readings', () => {
    const noise = seededRandom(7);
    const truth = (at: number) => tideLevel(PHU_AN, (at - START) / HOUR_MS);
    const readings = sampled((at) => truth(at) + (noise() - 0.5) * 0.01, 72, 5);
    const model = fitTide(readings);
    const errors = [];
    for (let minutes = 0; minutes <= 360; minutes += 10) {
      const at = model.fittedTo + minutes * 60_000;
      errors.push(Math.abs(predictTide(model, at) - truth(at)));
    }
    expect(Math.max(...errors)).toBeLessThan(0.01);
    expect(model.residualRms).toBeLessThan(0.004);
  });

  it('infers P1 and K2, which a month cannot separate from K1 and S2, from their neighbours', () => {
    // A tide whose small constituents follow their neighbours as the equilibrium tide says (as real ones
    // roughly do): P1 a third of K1, K2 a quarter of S2, with the phase gaps of START's moon and sun.
    const { h } = meanLongitudes(START);
    const tide = syntheticTide({ M2: [0.8, 30], S2: [0.3, 80], K1: [0.6, 150], O1: [0.43, 260], P1: [0.6 * 0.3309, 150 + 2 * h - 180], K2: [0.3 * 0.2717, 80 - 2 * h] });
    const readings = sampled(tide, 30 * 24, 15);
    const inferred = fitTide(readings);
    expect(inferred.constituents.find((constituent) => constituent.name === 'P1')).toMatchObject({ inferredFrom: 'K1' });
    const worst = (model: ReturnType<typeof fitTide>) => {
      let error = 0;
      for (let hours = 0; hours <= 48; hours += 0.5) error = Math.max(error, Math.abs(predictTide(model, model.fittedTo + hours * HOUR_MS) - tide(model.fittedTo + hours * HOUR_MS)));
      return error;
    };
    expect(worst(inferred)).toBeLessThan(0.01);
    // Without inference, P1 beating against K1 puts the next two days off by several centimetres.
    expect(worst(fitTide(readings, { infer: false }))).toBeGreaterThan(0.05);
  });

  it('drops a broken gauge\'s spikes and keeps its forecast', () => {
    const tide = syntheticTide({ M2: [1, 0], K1: [0.4, 90] });
    const random = seededRandom(11);
    const readings = sampled(tide, 96).map((sample) => (random() < 0.03 ? { ...sample, level: sample.level + 4 + random() * 3 } : sample));
    const spikes = readings.filter((sample) => sample.level - tide(sample.at) > 1).length;
    const model = fitTide(readings);
    expect(model.outliers).toBe(spikes);
    const at = model.fittedTo + 6 * HOUR_MS;
    expect(Math.abs(predictTide(model, at) - tide(at))).toBeLessThan(0.005);
  });

  it('counts time in tide hours for an accelerated simulator', () => {
    // 60 simulated seconds per second: three tide days pass in 72 real minutes.
    const factor = 60;
    const tide = syntheticTide({ M2: [1, 10], K1: [0.4, 120] });
    const readings = sampled((at) => tide(START + (at - START) * factor), 72 / factor, 0.1);
    const model = fitTide(readings, { timeFactor: factor });
    const at = model.fittedTo + (6 / factor) * HOUR_MS;
    expect(Math.abs(predictTide(model, at) - tide(START + (at - START) * factor))).toBeLessThan(0.002);
  });

  it('finds when a level will first be reached, to the minute', () => {
    const truth = (at: number) => tideLevel(PHU_AN, (at - START) / HOUR_MS);
    // Three days up to three hours before the simulator's higher high water (1.77 m at START).
    const model = fitTide(sampled(truth, 69, 10, START - 72 * HOUR_MS));
    const from = model.fittedTo;
    const crossing = firstCrossing(model, 1.7, from, from + 48 * HOUR_MS);
    let expected: number | null = null;
    for (let at = from; at <= from + 48 * HOUR_MS; at += 10_000) {
      if (truth(at) >= 1.7) {
        expected = at;
        break;
      }
    }
    expect(expected).not.toBeNull();
    expect(Math.abs(crossing! - expected!)).toBeLessThan(3 * 60_000);
    // A level the tide never reaches: none.
    expect(firstCrossing(model, 2.5, from, from + 48 * HOUR_MS)).toBeNull();
  });

  it('says what is missing when the readings are too few or too short', () => {
    expect(() => fitTide(sampled(() => 1, 2))).toThrow(NotEnoughTideData);
    expect(() => fitTide(sampled(() => 1, 24))).toThrow(/span 24.0 tide hours; at least 48/);
    expect(() => fitTide([{ at: START, level: Number.NaN }])).toThrow(/0 readings/);
  });
});
