// Plane geometry in normalised frame coordinates (x right, y down, 0..1).
import type { Box } from '@cityops/models/letterbox';

export type Point = readonly [number, number];

/**
 * The point of a box that rules use: the bottom centre, where a person's feet or a vehicle's wheels
 * touch the ground. Zones and lines are drawn on the ground (road, pavement), so this point is in the
 * zone when the object stands in it, whatever its height in the picture.
 */
export function anchorOf(box: Box): Point {
  return [(box.x1 + box.x2) / 2, box.y2];
}

/** Geometric mean of width and height: a size that does not depend on the viewing angle much. */
export function boxSize(box: Box): number {
  return Math.sqrt(Math.max(0, box.x2 - box.x1) * Math.max(0, box.y2 - box.y1));
}

/** Ray casting; points on the boundary may fall either way, which is fine for moving objects. */
export function pointInPolygon(point: Point, polygon: readonly Point[]): boolean {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** cross(to − from, p − from): < 0 on one side of the line, > 0 on the other. */
export function crossSide(from: Point, to: Point, p: Point): number {
  return (to[0] - from[0]) * (p[1] - from[1]) - (to[1] - from[1]) * (p[0] - from[0]);
}

/**
 * Where the movement a→b meets the infinite line through from→to, as a fraction along from→to
 * (0 at `from`, 1 at `to`); NaN when parallel.
 */
export function crossingFraction(from: Point, to: Point, a: Point, b: Point): number {
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const mx = b[0] - a[0];
  const my = b[1] - a[1];
  const denominator = mx * dy - my * dx;
  if (denominator === 0) return Number.NaN;
  return (mx * (a[1] - from[1]) - my * (a[0] - from[0])) / denominator;
}
