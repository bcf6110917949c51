import { describe, expect, it } from 'vitest';
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { letterboxGeometry } from '@cityops/models/letterbox';
import { MotionAccumulator, MotionMeter } from './motion.ts';

const SIZE = 416;
function frame(fill: number, square?: { x: number; y: number; size: number; value: number }, letterboxedFrom?: { width: number; height: number }): RawFrame {
  const data = new Uint8Array(SIZE * SIZE * 3).fill(fill);
  if (square) {
    for (let y = square.y; y < square.y + square.size; y++) {
      for (let x = square.x; x < square.x + square.size; x++) data.fill(square.value, (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
    }
  }
  return { data, width: SIZE, height: SIZE, ...(letterboxedFrom ? { letterboxedFrom } : {}) };
}

describe('motion score', () => {
  it('is undefined for the first frame and 0 for an unchanged picture', () => {
    const meter = new MotionMeter();
    expect(meter.measure(frame(100))).toBeUndefined();
    expect(meter.measure(frame(100))).toBe(0);
  });

  it('grows with the changed area: a moving bright square', () => {
    const meter = new MotionMeter();
    meter.measure(frame(50, { x: 0, y: 0, size: 64, value: 250 }));
    const small = meter.measure(frame(50, { x: 200, y: 200, size: 64, value: 250 }))!;
    meter.reset();
    meter.measure(frame(50, { x: 0, y: 0, size: 128, value: 250 }));
    const large = meter.measure(frame(50, { x: 200, y: 200, size: 128, value: 250 }))!;
    // 2 × 64² pixels of 200 levels over 416² ≈ 9.5; four times the area ≈ 4×.
    expect(small).toBeGreaterThan(8);
    expect(small).toBeLessThan(11);
    expect(large / small).toBeGreaterThan(3.5);
  });

  it('ignores the letterbox padding (it never changes and would dilute the score)', () => {
    const source = { width: 640, height: 360 };
    const g = letterboxGeometry(640, 360, SIZE, SIZE);
    const meter = new MotionMeter();
    meter.measure(frame(114, undefined, source));
    // Change only the padding band: no motion.
    expect(meter.measure(frame(114, { x: 0, y: 0, size: g.padY - 1, value: 0 }, source))).toBe(0);
    // The same change in the picture counts against the picture area only.
    meter.reset();
    meter.measure(frame(114, undefined, source));
    const inside = meter.measure(frame(114, { x: 0, y: g.padY, size: 80, value: 0 }, source))!;
    const fullFrame = new MotionMeter();
    fullFrame.measure(frame(114));
    const diluted = fullFrame.measure(frame(114, { x: 0, y: g.padY, size: 80, value: 0 }))!;
    expect(inside).toBeGreaterThan(diluted * 1.5);
  });

  it('accumulates a report per interval: mean, peak, frames and the last frame time', () => {
    const motion = new MotionAccumulator();
    expect(motion.take()).toBeUndefined();
    motion.add(undefined, 1000);
    motion.add(2, 1500);
    motion.add(6, 2000);
    expect(motion.take()).toEqual({ motionScore: 4, motionPeak: 6, frames: 3, lastFrameAtMs: 2000 });
    expect(motion.take()).toBeUndefined();
  });
});
