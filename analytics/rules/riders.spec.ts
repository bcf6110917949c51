// Riders, from boxes shaped as YOLOX-Nano draws them at 416 px on a street camera (frame fractions): a
// person on a motorbike is a box about as wide as the motorbike's, standing over its upper part, with
// its lower edge at the footrests. There is no motorbike in the sample clips (the model sees 22 cars and
// 2 trucks in traffic.mp4, persons only in the two others), so these are the shapes, and the README says
// what footage would measure the rule properly.
import { describe, expect, it } from 'vitest';
import { CameraAnalysis } from '../camera-analysis.ts';
import type { CityClass, Detection } from '../detect/types.ts';
import { parseAnalysisConfig } from './config.ts';
import { ridingOverlap } from './riders.ts';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
/** A motorbike whose ground point is (x, y), seen from behind and above: 0.05 wide, 0.08 tall. */
const motorbike = (x: number, y: number): Detection => ({ ...box(x - 0.025, y - 0.08, x + 0.025, y), class: 'motorbike', score: 0.7 });
/** Its rider: a little narrower, from 0.09 above the bike's top down to its lower third. */
const rider = (x: number, y: number): Detection => ({ ...box(x - 0.02, y - 0.17, x + 0.02, y - 0.025), class: 'person', score: 0.7 });
/** A person on foot with the ground point (x, y). */
const walker = (x: number, y: number, cls: CityClass = 'person'): Detection => ({ ...box(x - 0.015, y - 0.1, x + 0.015, y), class: cls, score: 0.8 });

describe('riders', () => {
  it('sees a person sitting on a motorbike, not one walking past it or standing behind it', () => {
    const bike = motorbike(0.5, 0.8);
    expect(ridingOverlap(rider(0.5, 0.8), bike)).toBeGreaterThan(0.9);
    // Walking beside it: less than half the width over the bike.
    expect(ridingOverlap(walker(0.54, 0.8), bike)).toBe(0);
    // Further up the street, behind it: the feet are above the bike's box.
    expect(ridingOverlap(walker(0.5, 0.7), bike)).toBe(0);
    // A small person entirely inside the bike's box (far behind it): does not stand above it.
    expect(ridingOverlap(box(0.49, 0.74, 0.51, 0.79), bike)).toBe(0);
  });

  const plaza = { zones: [{ id: 'crossing', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]], rules: [{ kind: 'crowd', minPersons: 6, seconds: 3 }] }], lines: [{ id: 'stop-line', from: [0, 0.75], to: [1, 0.75] }] };

  it('does not raise a crowd for a queue of motorbikes at a red light, and does for as many people on foot', () => {
    const queue = Array.from({ length: 8 }, (_, i) => 0.1 + i * 0.1);
    const red = new CameraAnalysis({ config: parseAnalysisConfig(plaza) });
    const riding = Array.from({ length: 12 }, (_, frame) => red.analyse(queue.flatMap((x) => [motorbike(x, 0.85), rider(x, 0.85)]), frame * 500));
    expect(riding.flatMap((result) => result.events).filter((event) => event.kind === 'crowd')).toEqual([]);

    const square = new CameraAnalysis({ config: parseAnalysisConfig(plaza) });
    const walking = Array.from({ length: 12 }, (_, frame) => square.analyse(queue.map((x) => walker(x, 0.85)), frame * 500));
    expect(walking.flatMap((result) => result.events).filter((event) => event.kind === 'crowd' && event.phase === 'start')).toHaveLength(1);
  });

  it('counts riders crossing a line as riders of their vehicle class, and two on one motorbike as two', () => {
    const analysis = new CameraAnalysis({ config: parseAnalysisConfig(plaza) });
    // A motorbike with two riders (one behind the other, boxes overlapping) and a pedestrian, all moving down across the line.
    const crossings = Array.from({ length: 8 }, (_, frame) => {
      const y = 0.6 + frame * 0.04;
      return analysis.analyse([motorbike(0.3, y), rider(0.3, y), { ...rider(0.302, y), y1: y - 0.15 }, walker(0.7, y)], frame * 500).crossings;
    }).flat();
    expect(crossings.map((crossing) => crossing.class).sort()).toEqual(['motorbike', 'person', 'rider:motorbike', 'rider:motorbike']);
  });
});
