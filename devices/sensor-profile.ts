// What a sensor's registry row says about its rules: the level columns plus the free-form `rules` jsonb.
// The registry accepts any jsonb there, so each key is read leniently: a malformed key is ignored (and
// named in `ignoredKeys`), never fatal, so one typo cannot stop a worker or silence the other rules.
import { z } from 'zod';
import type { SensorKind } from './schemas.ts';

const positive = z.number().positive().finite();
const finite = z.number().finite();

/** The keys of `sensors.rules` that CityOps understands. */
export const sensorRuleKeys = {
  /** Raise `sensor_rate_of_rise` when the value rises faster than this, in centimetres per hour (levels in metres). */
  rateOfRiseCmPerHour: positive,
  /** The window the rise is measured over, in minutes (default 60). */
  rateOfRiseWindowMinutes: positive.max(24 * 60),
  /** Salinity sensors: raise when the value is above this limit (g/L), cleared below limit − hysteresis. */
  salinityLimit: positive,
  /** Offline after this many expected intervals without a reading (default 3). */
  offlineAfterIntervals: positive.max(1000),
  /**
   * Alarm levels on low values: level I is reached at or below `level1`, level III (the lowest) at or below
   * `level3`; cleared above level I + hysteresis. Soil too dry, a canal too low for an irrigation intake.
   */
  levelsBelow: z.boolean(),
  /** Salinity sensors at an irrigation or water-plant intake: the alert advises closing it (its name). */
  intakeName: z.string().min(1).max(120),
  /** Pumps (pump_state, 1 = running): the level sensor of the wet well or canal the pump drains. */
  pumpLevelSensorId: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i),
  /** Pumps: the level (of pumpLevelSensorId) above which the pump should be running. */
  pumpStartLevel: finite,
  /** Pumps: minutes a failure must last before the alert (default 15). */
  pumpFailureMinutes: positive.max(24 * 60),
  /** Pumps: a running pump must lower the level by at least this many centimetres over pumpFailureMinutes (default 2). */
  pumpMinDropCm: positive.max(1000),
  /** Physically possible range; readings outside go to the dead-letter table (`out_of_range`). */
  validMin: finite,
  validMax: finite,
} as const;

export type SensorRuleSettings = { -readonly [K in keyof typeof sensorRuleKeys]?: z.infer<(typeof sensorRuleKeys)[K]> };

export const DEFAULT_RATE_OF_RISE_WINDOW_MINUTES = 60;
export const DEFAULT_OFFLINE_AFTER_INTERVALS = 3;
export const DEFAULT_PUMP_FAILURE_MINUTES = 15;
export const DEFAULT_PUMP_MIN_DROP_CM = 2;

export function readRuleSettings(rules: unknown): { settings: SensorRuleSettings; ignoredKeys: string[] } {
  const settings: SensorRuleSettings = {};
  const ignoredKeys: string[] = [];
  if (!rules || typeof rules !== 'object' || Array.isArray(rules)) return { settings, ignoredKeys };
  for (const [key, value] of Object.entries(rules as Record<string, unknown>)) {
    const schema = (sensorRuleKeys as Record<string, z.ZodType>)[key];
    if (!schema) continue; // other features may keep their own keys in the same jsonb
    const parsed = schema.safeParse(value);
    if (parsed.success) (settings as Record<string, unknown>)[key] = parsed.data;
    else ignoredKeys.push(key);
  }
  return { settings, ignoredKeys };
}

/** One sensor as the ingest worker and the rules see it (a registry row, already parsed). */
export interface SensorProfile {
  id: string;
  name: string;
  /** The English name, when people use another one (alert titles in English use it). */
  nameEn?: string | null;
  kind: SensorKind;
  unit: string;
  enabled: boolean;
  lat: number | null;
  lon: number | null;
  districtId: string | null;
  level1: number | null;
  level2: number | null;
  level3: number | null;
  hysteresis: number;
  expectedIntervalSeconds: number;
  settings: SensorRuleSettings;
}
