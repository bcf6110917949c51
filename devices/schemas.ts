// Request and response shapes of the device registry, validated at the edge.
import { z } from 'zod';
import { analysisConfigSchema } from './analysis-config.ts';

export const deviceId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64 characters)');
export const districtId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'lowercase letters, digits and - (1-64)');
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

export const SENSOR_KINDS = ['tide_level', 'water_level', 'rainfall', 'salinity', 'soil_moisture', 'pump_state'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

/** Default unit per sensor kind, used when an import or request leaves it out. */
export const DEFAULT_UNITS: Record<SensorKind, string> = {
  tide_level: 'm',
  water_level: 'm',
  rainfall: 'mm',
  salinity: 'g/L',
  soil_moisture: '%',
  pump_state: 'on/off',
};

// A district boundary: detailed (the city's own file has up to ~1,600 points per district) but bounded, and
// of a fixed depth, so no body can make the server walk an arbitrarily large or deeply nested document.
export const MAX_DISTRICT_POINTS = 100_000;
const position = z.tuple([longitude, latitude]);
const linearRing = z.array(position).min(4, 'a ring needs at least 4 positions').max(MAX_DISTRICT_POINTS);
const districtGeometry = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: z.array(linearRing).min(1).max(1_000) }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(linearRing).min(1).max(1_000)).min(1).max(1_000) }),
  ])
  .superRefine((geometry, ctx) => {
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    let points = 0;
    for (const polygon of polygons) for (const ring of polygon) points += ring.length;
    if (points > MAX_DISTRICT_POINTS) {
      ctx.addIssue({ code: 'custom', path: ['coordinates'], message: `a district boundary has at most ${MAX_DISTRICT_POINTS} points (${points} given)` });
    }
  });

/** The English name people use for a place, when it differs from the local one (#17 part 1). */
const englishName = z.string().trim().min(1).max(200).nullish().describe('the name in English, when people use another one');

export const districtInput = z.object({
  id: districtId,
  name: z.string().min(1).max(200).describe('as people in the city say it (Vietnamese)'),
  nameEn: englishName,
  geometry: districtGeometry.nullish().describe('GeoJSON Polygon or MultiPolygon'),
});

export const rtspUrl = z
  .string()
  .max(2000)
  .refine((value) => /^rtsps?:\/\/[^\s/]+/.test(value), 'must be an rtsp:// or rtsps:// URL with a host');

/** Beyond this a street camera shows no detail worth sending an operator to (and the cone would cover a district). */
export const MAX_CAMERA_RANGE_METERS = 2000;

// Field shapes without defaults: a PATCH must only touch the fields it names.
const cameraFields = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  nameEn: englishName,
  rtspUrl,
  username: z.string().max(200).nullish(),
  /** Write-only: stored encrypted, never returned. In a PATCH, null clears it and the query's credentials. */
  password: z.string().max(200).nullish(),
  lat: latitude.nullish(),
  lon: longitude.nullish(),
  bearing: z.number().min(0).lt(360).nullish(),
  /** The field of view: how wide the camera sees (360 = all round) and how far, for the map's cone. */
  fovDegrees: z.number().min(1).max(360).describe('field of view width in degrees, 1-360'),
  rangeMeters: z.number().positive().max(MAX_CAMERA_RANGE_METERS).describe(`how far the camera sees usefully, metres (at most ${MAX_CAMERA_RANGE_METERS})`),
  districtId: districtId.nullish(),
  detectFps: z.number().positive().max(30),
  enabled: z.boolean(),
  analysis: analysisConfigSchema,
  /**
   * A second, low-resolution stream of the camera (its substream) that analysis decodes instead of
   * the main stream, which still feeds live view and clips. Credentials in it are stored encrypted and
   * never returned; without any, the camera's own are used on the same host. In a PATCH, null removes it.
   */
  detectStreamUrl: rtspUrl.nullish().describe('optional low-resolution substream analysed instead of the main stream'),
});
export const cameraInput = cameraFields.extend({
  detectFps: cameraFields.shape.detectFps.default(2),
  enabled: cameraFields.shape.enabled.default(true),
  fovDegrees: cameraFields.shape.fovDegrees.default(60),
  rangeMeters: cameraFields.shape.rangeMeters.default(60),
  analysis: analysisConfigSchema.default({ zones: [], lines: [], privacyMasks: [] }),
});
export type CameraInput = z.infer<typeof cameraInput>;
export const cameraPatch = cameraFields.omit({ id: true }).partial();

export const cameraView = z.object({
  id: z.string(),
  name: z.string(),
  nameEn: z.string().nullable(),
  rtspUrl: z.string(),
  username: z.string().nullable(),
  hasPassword: z.boolean(),
  /** Names of the credential parameters held for the URL's query (values are never returned). */
  queryCredentialNames: z.array(z.string()),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  bearing: z.number().nullable(),
  fovDegrees: z.number(),
  rangeMeters: z.number(),
  districtId: z.string().nullable(),
  detectFps: z.number(),
  enabled: z.boolean(),
  analysis: z.unknown(),
  /** Without credentials; they are held encrypted when hasDetectStreamCredentials. */
  detectStreamUrl: z.string().nullable(),
  hasDetectStreamCredentials: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type CameraView = z.infer<typeof cameraView>;

/** A camera shown with a place (an alert's, an incident's): whether it sees the place or is only near. */
export const placeCameraView = z.object({
  id: z.string(),
  name: z.string(),
  nameEn: z.string().nullable(),
  sees: z.boolean(),
  distanceMeters: z.number(),
});

// Flat settings (devices/sensor-profile.ts reads them): a bounded number of scalar values.
export const MAX_SENSOR_RULE_KEYS = 50;
const sensorRuleSettings = z
  .record(z.string().max(64), z.union([z.number(), z.string().max(200), z.boolean(), z.null()]))
  .refine((rules) => Object.keys(rules).length <= MAX_SENSOR_RULE_KEYS, `at most ${MAX_SENSOR_RULE_KEYS} rule settings`);

const sensorInputBase = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  nameEn: englishName,
  kind: z.enum(SENSOR_KINDS),
  unit: z.string().min(1).max(20).optional(),
  lat: latitude.nullish(),
  lon: longitude.nullish(),
  districtId: districtId.nullish(),
  mqttUsername: z.string().min(3).max(64).regex(/^[A-Za-z0-9._-]+$/).nullish(),
  /** Write-only: the device's broker password, stored encrypted, never returned. */
  mqttPassword: z.string().min(8).max(200).nullish(),
  level1: z.number().nullish(),
  level2: z.number().nullish(),
  level3: z.number().nullish(),
  hysteresis: z.number().min(0),
  expectedIntervalSeconds: z.number().int().positive(),
  enabled: z.boolean(),
  rules: sensorRuleSettings.describe('extra rule settings, e.g. rateOfRiseCmPerHour, validMin, validMax'),
});

type LevelFields = { level1?: number | null; level2?: number | null; level3?: number | null; rules?: Record<string, unknown> };

/**
 * Alarm levels climb in severity: upward (level3 highest) for water, downward (level3 lowest) when
 * `rules.levelsBelow` is true (soil too dry, a canal too low for its intake). A patch that does not send
 * `rules` may keep either order: the stored direction is not known here.
 */
function levelsInOrder(sensor: LevelFields, ctx: z.RefinementCtx, directionKnown: boolean) {
  const levels = [sensor.level1, sensor.level2, sensor.level3];
  const below = sensor.rules?.levelsBelow === true;
  const misordered = (descending: boolean) =>
    [1, 2].filter((i) => levels[i - 1] != null && levels[i] != null && (descending ? levels[i - 1]! < levels[i]! : levels[i - 1]! > levels[i]!));
  if (!directionKnown && sensor.rules === undefined && (!misordered(false).length || !misordered(true).length)) return;
  for (const i of misordered(below)) {
    ctx.addIssue({ code: 'custom', path: [`level${i + 1}`], message: below ? `level${i + 1} must be ≤ level${i} (rules.levelsBelow: alarms on low values)` : `level${i + 1} must be ≥ level${i}` });
  }
}

export const sensorInput = sensorInputBase
  .extend({
    hysteresis: sensorInputBase.shape.hysteresis.default(0),
    expectedIntervalSeconds: sensorInputBase.shape.expectedIntervalSeconds.default(60),
    enabled: sensorInputBase.shape.enabled.default(true),
    rules: sensorInputBase.shape.rules.default({}),
  })
  .superRefine((sensor, ctx) => levelsInOrder(sensor, ctx, true));
export type SensorInput = z.infer<typeof sensorInput>;
export const sensorPatch = sensorInputBase.omit({ id: true }).partial().superRefine((sensor, ctx) => levelsInOrder(sensor, ctx, false));

export const sensorView = z.object({
  id: z.string(),
  name: z.string(),
  nameEn: z.string().nullable(),
  kind: z.enum(SENSOR_KINDS),
  unit: z.string(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  districtId: z.string().nullable(),
  mqttUsername: z.string().nullable(),
  hasMqttPassword: z.boolean(),
  level1: z.number().nullable(),
  level2: z.number().nullable(),
  level3: z.number().nullable(),
  hysteresis: z.number(),
  expectedIntervalSeconds: z.number(),
  enabled: z.boolean(),
  rules: z.record(z.string(), z.unknown()),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type SensorView = z.infer<typeof sensorView>;
