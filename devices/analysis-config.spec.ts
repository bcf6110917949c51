import { describe, expect, it } from 'vitest';
import { analysisConfigSchema, polygonSelfIntersects, type Point } from './analysis-config.ts';

/** The plain all-pairs check the sweep must agree with. */
function bruteForceSelfIntersects(polygon: Point[]): boolean {
  const n = polygon.length;
  const orientation = (a: Point, b: Point, c: Point) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      const [p1, p2, q1, q2] = [polygon[i], polygon[(i + 1) % n], polygon[j], polygon[(j + 1) % n]];
      if (orientation(p1, p2, q1) * orientation(p1, p2, q2) < 0 && orientation(q1, q2, p1) * orientation(q1, q2, p2) < 0) return true;
    }
  }
  return false;
}

describe('polygon self-intersection', () => {
  it('finds a bow tie and accepts a square', () => {
    expect(polygonSelfIntersects([[0, 0], [1, 1], [1, 0], [0, 1]])).toBe(true);
    expect(polygonSelfIntersects([[0, 0], [1, 0], [1, 1], [0, 1]])).toBe(false);
  });

  it('agrees with the all-pairs check on random polygons', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    let crossing = 0;
    for (let round = 0; round < 2000; round++) {
      const polygon = Array.from({ length: 3 + (round % 12) }, () => [random(), random()] as Point);
      const expected = bruteForceSelfIntersects(polygon);
      if (expected) crossing++;
      expect(polygonSelfIntersects(polygon), JSON.stringify(polygon)).toBe(expected);
    }
    expect(crossing).toBeGreaterThan(100); // both outcomes were exercised
  });
});

describe('detectInputSize', () => {
  it('takes multiples of 32 from 128 to 640 and refuses other sizes with the reason', () => {
    expect(analysisConfigSchema.parse({ detectInputSize: 320 }).detectInputSize).toBe(320);
    expect(analysisConfigSchema.parse({}).detectInputSize).toBeUndefined();
    expect(analysisConfigSchema.safeParse({ detectInputSize: 300 }).error?.issues[0].message).toMatch(/multiple of 32/);
    expect(analysisConfigSchema.safeParse({ detectInputSize: 96 }).success).toBe(false);
    expect(analysisConfigSchema.safeParse({ detectInputSize: 672 }).success).toBe(false);
  });
});

describe('parking zone rule', () => {
  const zone = (rules: unknown[]) => ({ zones: [{ id: 'lot', polygon: [[0, 0], [1, 0], [1, 1]], rules }] });

  it('takes a whole number of spaces and refuses others with the reason', () => {
    expect(analysisConfigSchema.parse(zone([{ kind: 'parking', capacity: 12 }])).zones[0].rules).toEqual([{ kind: 'parking', capacity: 12 }]);
    expect(analysisConfigSchema.safeParse(zone([{ kind: 'parking', capacity: 0 }])).error?.issues[0].message).toBe('capacity must be at least 1 space');
    expect(analysisConfigSchema.safeParse(zone([{ kind: 'parking', capacity: 2.5 }])).error?.issues[0].message).toMatch(/whole number of spaces/);
    expect(analysisConfigSchema.safeParse(zone([{ kind: 'parking' }])).error?.issues[0].message).toMatch(/whole number of spaces/);
  });

  it('allows one capacity per zone', () => {
    const twice = analysisConfigSchema.safeParse(zone([{ kind: 'parking', capacity: 3 }, { kind: 'parking', capacity: 4 }]));
    expect(twice.error?.issues[0].message).toBe('zone lot: at most one parking rule (one capacity) per zone');
  });
});
