// One sensor's rules applied to its new readings, as a pure function of (profile, previous state, readings):
// the same inputs give the same state on any worker, and specs can feed it synthetic series.
// Readings are applied one at a time in time order, and every change of what should be alerted becomes an
// action, in order — so a backlog replayed in one batch still raises, escalates and clears exactly as the
// same readings arriving one by one would.
import { nextAlarmLevel, LEVEL_NAMES, type AlarmLevel } from './levels.ts';
import { nextRiseState, type RiseState } from './rate-of-rise.ts';
import { nextSalinityAlarm } from './salinity.ts';
import { planAlertActions, type AlertAction } from './sensor-alerts.ts';
import { DEFAULT_RATE_OF_RISE_WINDOW_MINUTES, type SensorProfile } from '@cityops/devices/sensor-profile';

export type SensorStatus = (typeof LEVEL_NAMES)[number] | 'offline';

/** Alerts that should be open for a sensor. `level` is the highest level reached since it last was normal. */
export interface WantedAlerts {
  level: AlarmLevel;
  rise: boolean;
  salinity: boolean;
  offline: boolean;
}

export const NO_ALERTS: WantedAlerts = { level: 0, rise: false, salinity: false, offline: false };

export interface RuleState {
  level: AlarmLevel;
  /** Highest level since the sensor was last below level I − hysteresis: the severity of the open alert. */
  peakLevel: AlarmLevel;
  rise: RiseState;
  salinityHigh: boolean;
}

export const INITIAL_RULE_STATE: RuleState = {
  level: 0,
  peakLevel: 0,
  rise: { samples: [], active: false, rateCmPerHour: null },
  salinityHigh: false,
};

export interface Reading {
  tsMs: number;
  value: number;
}

export interface Evaluation {
  rules: RuleState;
  /** Newest reading applied (undefined when every reading was older than the state: late data). */
  latest?: Reading;
  /** Raise / clear actions in the order the readings caused them. */
  actions: AlertAction[];
}

export function wantedAlerts(rules: RuleState, offline: boolean): WantedAlerts {
  return { level: rules.peakLevel, rise: rules.rise.active, salinity: rules.salinityHigh, offline };
}

/**
 * Applies readings newer than `lastTsMs`, oldest first. Older (late or replayed) readings are stored but do
 * not move the state backwards in time. Any reading, even a late one, ends an offline condition.
 */
export function evaluateReadings(
  profile: SensorProfile,
  previous: RuleState,
  lastTsMs: number | null,
  readings: Reading[],
  wasOffline = false,
): Evaluation {
  const fresh = readings.filter((reading) => lastTsMs === null || reading.tsMs > lastTsMs).sort((a, b) => a.tsMs - b.tsMs);
  const riseLimit = profile.settings.rateOfRiseCmPerHour;
  const windowMs = (profile.settings.rateOfRiseWindowMinutes ?? DEFAULT_RATE_OF_RISE_WINDOW_MINUTES) * 60_000;
  const salinityLimit = profile.kind === 'salinity' ? profile.settings.salinityLimit : undefined;
  const actions: AlertAction[] = [];
  let rules = previous;
  let before = wantedAlerts(previous, wasOffline);
  for (const reading of fresh) {
    const level = nextAlarmLevel(rules.level, reading.value, profile, profile.settings.levelsBelow === true);
    rules = {
      level,
      peakLevel: level === 0 ? 0 : (Math.max(rules.peakLevel, level) as AlarmLevel),
      rise: riseLimit === undefined ? INITIAL_RULE_STATE.rise : nextRiseState(rules.rise, [reading.tsMs, reading.value], { limitCmPerHour: riseLimit, windowMs, unit: profile.unit }),
      salinityHigh: salinityLimit === undefined ? false : nextSalinityAlarm(rules.salinityHigh, reading.value, salinityLimit, profile.hysteresis),
    };
    const after = wantedAlerts(rules, false);
    // Most readings change nothing that is alerted on: only build actions when something did.
    if (!sameWanted(before, after)) {
      actions.push(...planAlertActions(profile, after, before, { value: reading.value, tsMs: reading.tsMs, lastSeenAtMs: null, rateCmPerHour: rules.rise.rateCmPerHour }));
    }
    before = after;
  }
  if (before.offline) {
    // Only late readings arrived: the sensor is alive again all the same.
    actions.push(...planAlertActions(profile, { ...before, offline: false }, before, { value: null, tsMs: null, lastSeenAtMs: null, rateCmPerHour: null }));
  }
  return { rules, latest: fresh[fresh.length - 1], actions };
}

function sameWanted(a: WantedAlerts, b: WantedAlerts): boolean {
  return a.level === b.level && a.rise === b.rise && a.salinity === b.salinity && a.offline === b.offline;
}

export function statusOf(level: AlarmLevel, offline: boolean): SensorStatus {
  return offline ? 'offline' : LEVEL_NAMES[level];
}
