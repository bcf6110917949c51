import { describe, expect, it } from 'vitest';
import { angleBetween, camerasForPlace, coneRing, destination, distanceMeters, seesPlace } from './field-of-view.ts';

const camera = { lat: 10.7725, lon: 106.698, bearing: 90 as number | null, fovDegrees: 60, rangeMeters: 100 };

describe('a camera field of view', () => {
  it('sees a place ahead within range and half the angle, not behind, beside or too far', () => {
    expect(seesPlace(camera, destination(camera, 90, 50))).toBe(true);
    expect(seesPlace(camera, destination(camera, 115, 80))).toBe(true);
    expect(seesPlace(camera, destination(camera, 125, 80))).toBe(false);
    expect(seesPlace(camera, destination(camera, 270, 50))).toBe(false);
    expect(seesPlace(camera, destination(camera, 90, 150))).toBe(false);
  });

  it('sees across north with a cone from 330° to 10° (bearing 350, angle 40)', () => {
    const north = { ...camera, bearing: 350, fovDegrees: 40 };
    expect(angleBetween(350, 5)).toBe(15);
    expect(seesPlace(north, destination(north, 5, 60))).toBe(true);
    expect(seesPlace(north, destination(north, 335, 60))).toBe(true);
    expect(seesPlace(north, destination(north, 15, 60))).toBe(false);
    expect(seesPlace(north, destination(north, 320, 60))).toBe(false);
  });

  it('sees all round at 360°, with or without a bearing', () => {
    const dome = { ...camera, bearing: null, fovDegrees: 360 };
    for (const heading of [0, 90, 180, 270]) expect(seesPlace(dome, destination(dome, heading, 99))).toBe(true);
    expect(seesPlace(dome, destination(dome, 0, 101))).toBe(false);
    const ring = coneRing(dome)!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    for (const [lon, lat] of ring) expect(distanceMeters(dome, { lat, lon })).toBeCloseTo(100, 0);
  });

  it('never claims to see a place without a bearing: such a camera is only near, and has no cone', () => {
    const unknown = { ...camera, bearing: null };
    expect(seesPlace(unknown, destination(unknown, 90, 20))).toBe(false);
    expect(coneRing(unknown)).toBeNull();
    const [only] = camerasForPlace([unknown], destination(unknown, 90, 20));
    expect(only.sees).toBe(false);
    expect(only.distanceMeters).toBeCloseTo(20, 0);
  });

  it('lists the cameras that see a place first, then the nearest within the radius, at most the limit', () => {
    const place = destination(camera, 90, 80);
    const seeing = { id: 'sees', ...camera };
    const nearerButLookingAway = { id: 'near', ...destination(place, 0, 10), bearing: 0, fovDegrees: 60, rangeMeters: 100 };
    const far = { id: 'far', ...destination(place, 0, 900), bearing: 180, fovDegrees: 60, rangeMeters: 100 };
    const unplaced = { id: 'unplaced', lat: null, lon: null, bearing: 0, fovDegrees: 360, rangeMeters: 100 };
    const found = camerasForPlace([far, nearerButLookingAway, unplaced, seeing], place, { limit: 4, nearRadiusMeters: 500 });
    expect(found.map((entry) => [entry.camera.id, entry.sees])).toEqual([['sees', true], ['near', false]]);
    expect(camerasForPlace([far, nearerButLookingAway, seeing], place, { limit: 1, nearRadiusMeters: 500 }).map((entry) => entry.camera.id)).toEqual(['sees']);
  });

  it('draws a cone from the camera out to its range along the arc', () => {
    const ring = coneRing(camera, 6)!;
    expect(ring).toHaveLength(9);
    expect(ring[0]).toEqual([camera.lon, camera.lat]);
    expect(ring[8]).toEqual([camera.lon, camera.lat]);
    const middle = ring[4];
    expect(distanceMeters(camera, { lat: middle[1], lon: middle[0] })).toBeCloseTo(100, 0);
  });
});
