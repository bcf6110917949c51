// The zone and rule format shared by the registry, the camera pipeline and vision analytics.
// Coordinates are fractions of the frame (x right, y down, 0..1). Keep this format stable: cameras
// stored in the database and the offline analyser's CAMERA.json files both use it.
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

// Bounds on every list a camera body carries. Generous for any real scene (a traced road rarely needs 50
// points), small enough that validating the largest accepted body costs milliseconds, not minutes: the
// self-intersection check below compares edge pairs.
export const MAX_ZONE_POINTS = 1_000;
export const MAX_ZONES = 50;
export const MAX_LINES = 50;
export const MAX_RULES_PER_ZONE = 20;
/** Privacy masks of one camera: windows, doors and yards are few per view. */
export const MAX_PRIVACY_MASKS = 20;
/** Across all zones of one camera, so 50 zones of 1,000 points cannot multiply the worst case (two full zones). */
export const MAX_TOTAL_ZONE_POINTS = 2_000;
export const pointSchema = z.tuple([fraction, fraction]);
export type Point = z.infer<typeof pointSchema>;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a clock time HH:MM (00:00-23:59)');
/** Most hour ranges one rule may carry: a rule tuned for every hour of the day is a different rule. */
export const MAX_SCHEDULE_ENTRIES = 24;

/**
 * Other thresholds for some hours of the day, in the city's time zone (CITY_TIME_ZONE): "crowd at 12
 * instead of 6 from 17:00 to 19:00" on a bus stop. `to` is excluded; a range whose `to` is before its
 * `from` runs over midnight. The first entry that covers the hour wins; outside every entry the rule's
 * own threshold holds.
 */
const hourRange = { from: clockTime, to: clockTime };
function schedule<Entry extends z.ZodObject<typeof hourRange & Record<string, z.ZodType>>>(entry: Entry) {
  return z
    .array(entry)
    .max(MAX_SCHEDULE_ENTRIES)
    .refine((entries) => entries.every((range) => range.from !== range.to), 'an hour range needs a different start and end (from ≠ to)');
}
const crowdSchedule = schedule(z.object({ ...hourRange, minPersons: z.number().int().positive() }));
const congestionSchedule = schedule(z.object({ ...hourRange, minVehicles: z.number().int().positive() }));

export interface ScheduleEntry {
  from: string;
  to: string;
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Whether `minute` (of the day) falls in the entry's [from, to), over midnight when `to` is before `from`. */
export function coversMinute(entry: ScheduleEntry, minute: number): boolean {
  const from = minutesOf(entry.from);
  const to = minutesOf(entry.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

export const zoneRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('wrong_way'),
    /** Expected direction of travel in frame coordinates; tracks moving against it (cosine < -0.5) are wrong-way. */
    direction: z.tuple([z.number(), z.number()]).refine(([x, y]) => Math.hypot(x, y) > 0, 'direction must not be [0, 0]'),
  }),
  z.object({ kind: z.literal('stalled_vehicle'), seconds: z.number().positive().max(3600) }),
  /** A vehicle standing in a marked zone (sidewalk, no-parking, bus lane) for ≥ minutes. */
  z.object({ kind: z.literal('illegal_parking'), minutes: z.number().positive().max(24 * 60) }),
  /**
   * A parking area with `capacity` spaces: its occupancy (vehicles standing in it) is sampled once a
   * minute into parking_occupancy and shown on the map. Raises no alert.
   */
  z.object({
    kind: z.literal('parking'),
    capacity: z
      .number({ error: 'capacity must be a whole number of spaces (1-10000)' })
      .int('capacity must be a whole number of spaces (1-10000)')
      .min(1, 'capacity must be at least 1 space')
      .max(10_000, 'capacity must be at most 10000 spaces'),
  }),
  z.object({
    kind: z.literal('congestion'),
    minVehicles: z.number().int().positive(),
    seconds: z.number().positive().max(3600),
    schedule: congestionSchedule.optional(),
  }),
  z.object({
    kind: z.literal('crowd'),
    minPersons: z.number().int().positive(),
    seconds: z.number().min(0).max(3600),
    schedule: crowdSchedule.optional(),
  }),
]);
export type ZoneRule = z.infer<typeof zoneRuleSchema>;

const idSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)');
const polygonSchema = z
  .array(pointSchema)
  .min(3, 'a polygon needs at least 3 points')
  .max(MAX_ZONE_POINTS, `a polygon has at most ${MAX_ZONE_POINTS} points`);

/** A drawn polygon must enclose something and not cross itself; `what` names it in the message. */
function checkPolygon(polygon: Point[], what: string, ctx: z.RefinementCtx): void {
  // zod runs refinements even after the length check failed: never run the geometry on an oversized list.
  if (polygon.length > MAX_ZONE_POINTS) return;
  if (polygonSelfIntersects(polygon)) ctx.addIssue({ code: 'custom', path: ['polygon'], message: `${what}: polygon edges cross each other` });
  if (Math.abs(polygonArea(polygon)) < 1e-6) ctx.addIssue({ code: 'custom', path: ['polygon'], message: `${what}: polygon has no area` });
}

export const zoneSchema = z
  .object({
    id: idSchema,
    name: z.string().max(200).optional(),
    polygon: polygonSchema,
    rules: z.array(zoneRuleSchema).max(MAX_RULES_PER_ZONE, `a zone has at most ${MAX_RULES_PER_ZONE} rules`).default([]),
  })
  .superRefine((zone, ctx) => {
    // One capacity per zone: two would leave "free spaces" undefined.
    if (zone.rules.filter((rule) => rule.kind === 'parking').length > 1) {
      ctx.addIssue({ code: 'custom', path: ['rules'], message: `zone ${zone.id}: at most one parking rule (one capacity) per zone` });
    }
    checkPolygon(zone.polygon, `zone ${zone.id}`, ctx);
  });
export type Zone = z.infer<typeof zoneSchema>;

/**
 * A part of the picture nobody may see (windows of homes, a yard): blacked out in every picture that
 * leaves camera-ingest, and nothing is detected in it (ingest/camera/privacy-mask.ts).
 */
export const privacyMaskSchema = z
  .object({ id: idSchema, name: z.string().max(200).optional(), polygon: polygonSchema })
  .superRefine((mask, ctx) => checkPolygon(mask.polygon, `privacy mask ${mask.id}`, ctx));
export type PrivacyMask = z.infer<typeof privacyMaskSchema>;

export const lineSchema = z
  .object({
    id: idSchema,
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
    /**
     * Side in pixels of the square picture the model looks at for this camera (default: the model's
     * own, 416 for YOLOX-Nano). Smaller is cheaper and fits cameras whose objects are large (close
     * views); small far objects are lost first. Multiples of 32 (the model's largest stride), within
     * the bounds models/manifest.ts accepts (MIN_INPUT_SIZE, MAX_INPUT_SIZE).
     */
    detectInputSize: z.number().int().min(128).max(640).multipleOf(32, 'a multiple of 32 (the model\'s largest stride)').optional(),
    zones: z.array(zoneSchema).max(MAX_ZONES, `a camera has at most ${MAX_ZONES} zones`).default([]),
    lines: z.array(lineSchema).max(MAX_LINES, `a camera has at most ${MAX_LINES} counting lines`).default([]),
    privacyMasks: z.array(privacyMaskSchema).max(MAX_PRIVACY_MASKS, `a camera has at most ${MAX_PRIVACY_MASKS} privacy masks`).default([]),
  })
  .superRefine((config, ctx) => {
    const totalPoints = [...config.zones, ...config.privacyMasks].reduce((sum, area) => sum + area.polygon.length, 0);
    if (totalPoints > MAX_TOTAL_ZONE_POINTS) {
      ctx.addIssue({ code: 'custom', path: ['zones'], message: `all zones and privacy masks together have at most ${MAX_TOTAL_ZONE_POINTS} points (${totalPoints} given)` });
    }
    const seen = new Set<string>();
    for (const id of [...config.zones.map((zone) => zone.id), ...config.lines.map((line) => line.id), ...config.privacyMasks.map((mask) => mask.id)]) {
      if (seen.has(id)) {
        ctx.addIssue({ code: 'custom', path: ['zones'], message: `id ${id} is used twice` });
        break;
      }
      seen.add(id);
    }
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

/**
 * True when two non-adjacent edges of the closed polygon properly intersect. Edges are swept left to
 * right and only pairs whose x ranges overlap are compared: close to linear for real zones, O(n²) at
 * worst, which the point limits above keep to a few milliseconds (MAX_ZONE_POINTS, MAX_TOTAL_ZONE_POINTS).
 */
export function polygonSelfIntersects(polygon: Point[]): boolean {
  const n = polygon.length;
  const minX = (edge: number) => Math.min(polygon[edge][0], polygon[(edge + 1) % n][0]);
  const maxX = (edge: number) => Math.max(polygon[edge][0], polygon[(edge + 1) % n][0]);
  const byLeftEnd = Array.from({ length: n }, (_, edge) => edge).sort((a, b) => minX(a) - minX(b));
  for (let a = 0; a < n; a++) {
    const i = byLeftEnd[a];
    const right = maxX(i);
    for (let b = a + 1; b < n && minX(byLeftEnd[b]) <= right; b++) {
      const j = byLeftEnd[b];
      if (Math.abs(i - j) === 1 || Math.abs(i - j) === n - 1) continue; // adjacent edges share a vertex
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
