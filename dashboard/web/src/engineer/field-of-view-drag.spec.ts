import { describe, expect, it } from 'vitest';
import { fieldOfViewFromEdge, fieldOfViewFromTip } from './field-of-view-drag.ts';

const camera = { bearing: 90, fovDegrees: 60, rangeMeters: 60 };

describe('dragging a camera field of view', () => {
  it('turns and lengthens the cone to the tip', () => {
    expect(fieldOfViewFromTip(camera, { east: 0, north: 100 })).toEqual({ bearing: 0, fovDegrees: 60, rangeMeters: 100 });
    expect(fieldOfViewFromTip(camera, { east: -50, north: 50 })).toMatchObject({ bearing: 315, rangeMeters: 71 });
    expect(fieldOfViewFromTip(camera, { east: 0, north: 99_999 }).rangeMeters).toBe(2000);
  });

  it('widens about the bearing to an edge, across north too', () => {
    expect(fieldOfViewFromEdge(camera, { east: 100, north: -100 }).fovDegrees).toBe(90);
    expect(fieldOfViewFromEdge({ ...camera, bearing: 350 }, { east: 36.4, north: 100 }).fovDegrees).toBe(60);
    expect(fieldOfViewFromEdge(camera, { east: -100, north: 0 }).fovDegrees).toBe(359);
  });

  it('gives a camera without a bearing one when an edge is dragged', () => {
    expect(fieldOfViewFromEdge({ ...camera, bearing: null }, { east: 10, north: 100 }).bearing).toBe(0);
  });
});
