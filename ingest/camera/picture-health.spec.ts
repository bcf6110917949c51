import { describe, expect, it } from 'vitest';
import { PictureHealth, type PictureConditionChange } from './picture-health.ts';

const SIZE = 64;

/** A bgr24 picture from a luma function of (x, y). */
function picture(luma: (x: number, y: number) => number): Buffer {
  const frame = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) frame.fill(Math.max(0, Math.min(255, Math.round(luma(x, y)))), (y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3);
  return frame;
}

const street = (t: number) => picture((x, y) => 60 + 40 * Math.sin(x / 5) + 30 * Math.cos(y / 7) + 20 * Math.sin((x + y + t * 3) / 3));
// Another view altogether: diagonal bands and blobs where the street had its stripes.
const otherScene = (t: number) => picture((x, y) => 120 + 70 * Math.sin((x + 2 * y) / 9) * Math.cos((y - x) / 13) + 8 * Math.sin((x - t * 2) / 2));

function run(health: PictureHealth, frames: Array<{ at: number; frame: Buffer }>): PictureConditionChange[] {
  return frames.flatMap(({ at, frame }) => health.update(frame, SIZE, SIZE, at, undefined));
}

const every500ms = (fromMs: number, count: number, make: (i: number) => Buffer) =>
  Array.from({ length: count }, (_, i) => ({ at: fromMs + i * 500, frame: make(i) }));

describe('picture health', () => {
  it('reports a frozen picture after the hold time and its end when the picture moves again', () => {
    const health = new PictureHealth(5000);
    const frozen = street(0);
    const changes = run(health, [...every500ms(0, 10, street), ...every500ms(5000, 14, () => frozen), ...every500ms(12_000, 6, (i) => street(100 + i))]);
    expect(changes.map((change) => `${change.condition}:${change.active}`)).toEqual(['frozen:true', 'frozen:false']);
    // The first repeated frame (5.5 s) starts the freeze; it is reported 5 s later.
    expect(changes[0].sinceMs).toBe(5500);
  });

  it('reports a black picture (not as frozen) and clears it', () => {
    const health = new PictureHealth(3000);
    const changes = run(health, [...every500ms(0, 6, street), ...every500ms(3000, 10, () => picture(() => 3)), ...every500ms(8000, 5, (i) => street(i))]);
    expect(changes.map((change) => `${change.condition}:${change.active}`)).toEqual(['black:true', 'black:false']);
  });

  it('reports a sudden scene change but not moving traffic, and clears it when the view is put back', () => {
    const health = new PictureHealth(3000);
    expect(run(health, every500ms(0, 40, street))).toEqual([]);
    const turned = run(health, every500ms(20_000, 10, otherScene));
    expect(turned.map((change) => `${change.condition}:${change.active}`)).toEqual(['scene_change:true']);
    const back = run(health, every500ms(25_000, 6, (i) => street(200 + i)));
    expect(back.map((change) => `${change.condition}:${change.active}`)).toEqual(['scene_change:false']);
  });

  it('ignores a global brightness change (dusk, clouds)', () => {
    const health = new PictureHealth(2000);
    run(health, every500ms(0, 10, street));
    const dimmed = (i: number) => picture((x, y) => 0.6 * (60 + 40 * Math.sin(x / 5) + 30 * Math.cos(y / 7) + 20 * Math.sin((x + y + i * 3) / 3)) + 10);
    expect(run(health, every500ms(5000, 20, dimmed))).toEqual([]);
  });
});
