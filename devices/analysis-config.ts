// The zone and rule format shared by the registry, the camera pipeline and vision analytics.
// Coordinates are fractions of the frame (x right, y down, 0..1). Keep this format stable: cameras
// stored in the database and the offline analyser's CAMERA.json files both use it.
import { z } from 'zod';

const fraction = z.number().min(0).max(1);
export const pointSchema = z.tuple([fraction, fraction]);
export type Point = z.infer<typeof pointSchema>;

export const zoneRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('wrong_way'),
    /** Expected direction of travel in frame coordinates; tracks moving against it (cosine < -0.5) are wrong-way. */
    direction: z.tuple([z.number(), z.number()]).refine(([x, y]) => Math.hypot(x, y) > 0, 'direction must not be [0, 0]'),
  }),
  z.object({ kind: z.literal('stalled_vehicle'), seconds: z.number().positive().max(3600) }),
  z.object({ kind: z.literal('congestion'), minVehicles: z.number().int().positive(), seconds: z.number().positive().max(3600) }),
  z.object({ kind: z.literal('crowd'), minPersons: z.number().int().positive(), seconds: z.number().min(0).max(3600) }),
]);
export type ZoneRule = z.infer<typeof zoneRuleSchema>;

export const zoneSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)'),
    name: z.string().max(200).optional(),
    polygon: z.array(pointSchema).min(3, 'a polygon needs at least 3 points'),
    rules: z.array(zoneRuleSchema).default([]),
  })
  .superRefine((zone, ctx) => {
    if (polygonSelfIntersects(zone.polygon)) {
      ctx.addIssue({ code: 'custom', path: ['polygon'], message: `zone ${zone.id}: polygon edges cross each other` });
    }
    if (Math.abs(polygonArea(zone.polygon)) < 1e-6) {
      ctx.addIssue({ code: 'custom', path: ['polygon'], message: `zone ${zone.id}: polygon has no area` });
    }
  });
export type Zone = z.infer<typeof zoneSchema>;

export const lineSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)'),
    name: z.string().max(200).optional(),
    from: pointSchema,
    to: pointSchema,
  })
  .refine((line) => Math.hypot(line.to[0] - line.from[0], line.to[1] - line.from[1]) > 1e-6, {
    message: 'line has zero length (from equals to)',
    path: ['to'],
  });
export type CountingLine = z.infer<typeof lineSchema>;

export const analysisConfigSchema = z
  .object({
    detectFps: z.number().positive().max(30).optional(),
    zones: z.array(zoneSchema).default([]),
    lines: z.array(lineSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const ids = [...config.zones.map((zone) => zone.id), ...config.lines.map((line) => line.id)];
    const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['zones'], message: `id ${duplicate} is used twice` });
  });
export type AnalysisConfig = z.infer<typeof analysisConfigSchema>;

/** Shoelace formula; sign gives orientation. */
export function polygonArea(polygon: Point[]): number {
  let area = 0;
  for (let i = 0; i < polygon.length; i++) {
    const [x1, y1] = polygon[i];
    const [x2, y2] = polygon[(i + 1) % polygon.length];
    area += x1 * y2 - x2 * y1;
  }
  return area / 2;
}

/** True when two non-adjacent edges of the closed polygon properly intersect. O(n²): polygons are small. */
export function polygonSelfIntersects(polygon: Point[]): boolean {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue; // adjacent edges share a vertex
      if (segmentsCross(polygon[i], polygon[(i + 1) % n], polygon[j], polygon[(j + 1) % n])) return true;
    }
  }
  return false;
}

function orientation(a: Point, b: Point, c: Point): number {
  return Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

function segmentsCross(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const o1 = orientation(p1, p2, q1);
  const o2 = orientation(p1, p2, q2);
  const o3 = orientation(q1, q2, p1);
  const o4 = orientation(q1, q2, p2);
  return o1 * o2 < 0 && o3 * o4 < 0;
}
