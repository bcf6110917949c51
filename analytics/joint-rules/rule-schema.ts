// A joint rule as an engineer sends it, checked on save: the shape and ranges here (each refusal names its
// field), then what only the registry can tell (checkAgainstRegistry): the sensor exists, has a place and
// has the alarm level the rule waits for.
import { z } from 'zod';
import { ALERT_SEVERITIES } from '@cityops/contract/alerts';
import { SENSOR_KINDS } from '@cityops/contract/devices';
import { JOINT_ALERT_KINDS, JOINT_CAMERA_ALERT_KINDS, JOINT_RULE_LIMITS, JOINT_SENSOR_ALERT_KINDS, SENSOR_CONDITIONS, type JointRule, type JointRuleInput, type JointRuleMatch } from '@cityops/contract/joint-rules';
import { badRequest } from '@cityops/core/errors';
import type { Queryable } from '@cityops/core/database/pool';

const { radiusM, windowMinutes, nameChars } = JOINT_RULE_LIMITS;

export const jointRuleBody = z
  .object({
    name: z.string().trim().min(1, 'a rule needs a name').max(nameChars, `at most ${nameChars} characters`),
    enabled: z.boolean().default(true),
    severity: z.enum(ALERT_SEVERITIES),
    alertKind: z.enum(JOINT_ALERT_KINDS),
    sensorId: z.string().trim().min(1).max(64).nullable().default(null),
    sensorKind: z.enum(SENSOR_KINDS).nullable().default(null),
    sensorCondition: z.enum(SENSOR_CONDITIONS),
    minLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).nullable().default(null),
    sensorAlertKinds: z.array(z.enum(JOINT_SENSOR_ALERT_KINDS)).default([]),
    cameraAlertKinds: z.array(z.enum(JOINT_CAMERA_ALERT_KINDS)).min(1, 'choose at least one camera situation: a rule needs a camera condition'),
    radiusM: z
      .number({ error: 'the radius is a number of metres' })
      .int('the radius is a whole number of metres')
      .min(radiusM.min, `the radius must be more than 0 m`)
      .max(radiusM.max, `the radius is at most ${radiusM.max} m`),
    windowMinutes: z
      .number({ error: 'the window is a number of minutes' })
      .int('the window is a whole number of minutes')
      .min(windowMinutes.min, `the window is at least ${windowMinutes.min} minute`)
      .max(windowMinutes.max, `the window is at most ${windowMinutes.max} minutes (a day)`),
  })
  .superRefine((rule, ctx) => {
    if ((rule.sensorId === null) === (rule.sensorKind === null)) {
      ctx.addIssue({ code: 'custom', path: ['sensorId'], message: 'choose one sensor or a sensor kind (one of the two)' });
    }
    if (rule.sensorCondition === 'level' && rule.minLevel === null) {
      ctx.addIssue({ code: 'custom', path: ['minLevel'], message: 'choose the alarm level (I, II or III) the sensor must reach' });
    }
    if (rule.sensorCondition === 'alert' && rule.sensorAlertKinds.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['sensorAlertKinds'], message: 'choose at least one sensor alert: a rule needs a sensor condition' });
    }
  });

/** What the other condition does not use is not stored: a level rule keeps no alert kinds, and back. */
export function normalizedRule(rule: z.infer<typeof jointRuleBody>): JointRuleInput {
  return {
    ...rule,
    minLevel: rule.sensorCondition === 'level' ? rule.minLevel : null,
    sensorAlertKinds: rule.sensorCondition === 'alert' ? [...new Set(rule.sensorAlertKinds)] : [],
    cameraAlertKinds: [...new Set(rule.cameraAlertKinds)],
  };
}

export const jointRuleSchema = z.object({
  id: z.number().int(),
  updatedAt: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  severity: z.enum(ALERT_SEVERITIES),
  alertKind: z.enum(JOINT_ALERT_KINDS),
  sensorId: z.string().nullable(),
  sensorKind: z.enum(SENSOR_KINDS).nullable(),
  sensorCondition: z.enum(SENSOR_CONDITIONS),
  minLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).nullable(),
  sensorAlertKinds: z.array(z.enum(JOINT_SENSOR_ALERT_KINDS)),
  cameraAlertKinds: z.array(z.enum(JOINT_CAMERA_ALERT_KINDS)),
  radiusM: z.number().int(),
  windowMinutes: z.number().int(),
}) satisfies z.ZodType<JointRule>;

/** Refuses a rule whose sensor is unknown, has no place (no radius to measure from) or lacks the level it waits for. */
export async function checkAgainstRegistry(db: Queryable, rule: JointRuleInput): Promise<void> {
  if (rule.sensorId === null) return;
  const found = await db.query(`SELECT lat, lon, level1, level2, level3 FROM sensors WHERE id = $1`, [rule.sensorId]);
  if (!found.rowCount) throw badRequest(`unknown sensor ${rule.sensorId}`, 'sensorId', { reason: 'does_not_exist', params: { what: 'sensor', id: rule.sensorId } });
  const sensor = found.rows[0];
  if (sensor.lat === null || sensor.lon === null) throw badRequest(`sensor ${rule.sensorId} has no location: place it on the map first`, 'sensorId', { reason: 'sensor_not_placed', params: { id: rule.sensorId } });
  if (rule.sensorCondition === 'level' && rule.minLevel !== null && sensor[`level${rule.minLevel}`] === null) {
    throw badRequest(`sensor ${rule.sensorId} has no alarm level ${['', 'I', 'II', 'III'][rule.minLevel]} set`, 'minLevel', { reason: 'sensor_level_unset', params: { id: rule.sensorId, level: rule.minLevel } });
  }
}

const localised = z.object({ vi: z.string(), en: z.string() });

export const jointRuleMatchSchema = z.object({
  sensor: z.object({
    sensorId: z.string(),
    sensorName: z.string(),
    kind: z.enum(SENSOR_KINDS),
    value: z.number().nullable(),
    unit: z.string(),
    readingAt: z.string().nullable(),
    level: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    alerts: z.array(z.object({ alertId: z.number().int(), kind: z.enum(JOINT_SENSOR_ALERT_KINDS), title: localised })),
  }),
  cameras: z.array(
    z.object({
      alertId: z.number().int(),
      cameraId: z.string(),
      cameraName: z.string(),
      kind: z.enum(JOINT_CAMERA_ALERT_KINDS),
      distanceM: z.number(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
      endedAt: z.string().nullable(),
      hasSnapshot: z.boolean(),
    }),
  ),
}) satisfies z.ZodType<JointRuleMatch>;
