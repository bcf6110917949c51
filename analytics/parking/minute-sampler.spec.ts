import { describe, expect, it } from 'vitest';
import { parseAnalysisConfig } from '../rules/config.ts';
import { ParkingMinuteSampler, ParkingSampleBuffer, parkingCapacities, upperMedian, type ParkingSample } from './minute-sampler.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 4, 8, 0);

/** Feeds `counts` (one per frame, 2 fps) from `start`; returns every sample that came out. */
function feed(sampler: ParkingMinuteSampler, start: number, counts: Array<Record<string, number>>): ParkingSample[] {
  return counts.flatMap((parked, i) => sampler.add(start + i * 500, parked));
}

describe('upper median', () => {
  it('is the most vehicles seen in at least half the frames', () => {
    expect(upperMedian([3])).toBe(3);
    expect(upperMedian([2, 3])).toBe(3);
    expect(upperMedian([5, 1, 1])).toBe(1);
    expect(upperMedian([4, 4, 0, 4, 9, 4])).toBe(4);
  });
});

describe('parking minute sampler', () => {
  const capacities = new Map([['lot', 10], ['kerb', 4]]);

  it('gives one sample per zone for a finished minute: the median, not a car stopping 10 s or one hidden by a bus', () => {
    const sampler = new ParkingMinuteSampler('cam-1', capacities);
    // 120 frames: 6 cars parked in the lot, a seventh stops for 10 s, a bus hides two of them for 8 s.
    const minute = Array.from({ length: 120 }, (_, i) => ({ lot: 6 + (i >= 30 && i < 50 ? 1 : 0) - (i >= 80 && i < 96 ? 2 : 0), kerb: 1 }));
    expect(feed(sampler, T0, minute)).toEqual([]);
    const samples = sampler.add(T0 + MINUTE, { lot: 6, kerb: 1 });
    expect(samples).toEqual([
      { cameraId: 'cam-1', zoneId: 'lot', minute: T0, occupied: 6, capacity: 10, frames: 120 },
      { cameraId: 'cam-1', zoneId: 'kerb', minute: T0, occupied: 1, capacity: 4, frames: 120 },
    ]);
  });

  it('counts a zone absent from a frame as empty, and skips minutes without frames', () => {
    const sampler = new ParkingMinuteSampler('cam-1', new Map([['lot', 10]]));
    sampler.add(T0, {});
    sampler.add(T0 + 1000, {});
    sampler.add(T0 + 2000, { lot: 2 });
    // Frames stop for three minutes (slot lost): the next frame closes the first minute only.
    const samples = sampler.add(T0 + 4 * MINUTE, { lot: 3 });
    expect(samples.map(({ minute, occupied, frames }) => ({ minute, occupied, frames }))).toEqual([{ minute: T0, occupied: 0, frames: 3 }]);
    expect(sampler.add(T0 + 5 * MINUTE, {}).map((sample) => [sample.minute, sample.occupied])).toEqual([[T0 + 4 * MINUTE, 3]]);
  });

  it('does nothing for a camera without parking zones', () => {
    const sampler = new ParkingMinuteSampler('cam-2', new Map());
    expect(feed(sampler, T0, [{}, {}, {}])).toEqual([]);
    expect(sampler.add(T0 + MINUTE, {})).toEqual([]);
  });

  it('reads the capacities from the camera configuration', () => {
    const config = parseAnalysisConfig({
      zones: [
        { id: 'lot', polygon: [[0, 0], [1, 0], [1, 1]], rules: [{ kind: 'parking', capacity: 24 }, { kind: 'illegal_parking', minutes: 30 }] },
        { id: 'road', polygon: [[0, 0], [1, 0], [1, 1]], rules: [{ kind: 'stalled_vehicle', seconds: 30 }] },
      ],
    });
    expect([...parkingCapacities(config)]).toEqual([['lot', 24]]);
  });
});

describe('parking sample buffer', () => {
  const sample = (minute: number): ParkingSample => ({ cameraId: 'c', zoneId: 'z', minute, occupied: 1, capacity: 2, frames: 10 });

  it('keeps the samples of a failed write, in order, for the next one', async () => {
    const buffer = new ParkingSampleBuffer();
    buffer.add([sample(1), sample(2)]);
    await expect(buffer.flush(() => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    buffer.add([sample(3)]);
    const written: ParkingSample[] = [];
    expect(await buffer.flush(async (samples) => void written.push(...samples))).toBe(3);
    expect(written.map((s) => s.minute)).toEqual([1, 2, 3]);
    expect(buffer.pending).toBe(0);
  });
});
