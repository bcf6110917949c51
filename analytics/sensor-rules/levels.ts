// Alarm levels with hysteresis. Vietnam's flood and tide warnings have three levels (báo động I, II, III);
// the Saigon River at Phú An uses 1.50 / 1.60 / 1.70 m. Going up is immediate: the first reading at or
// above a level reaches it. Going down needs the value to fall below the level minus the hysteresis, so a
// gauge hovering at 1.50 ± 1 cm does not raise and clear an alert with every wave.

/** 0 = normal, 1..3 = alarm level I..III. */
export type AlarmLevel = 0 | 1 | 2 | 3;

export interface LevelThresholds {
  level1: number | null;
  level2: number | null;
  level3: number | null;
  hysteresis: number;
}

export const LEVEL_NAMES = ['ok', 'level1', 'level2', 'level3'] as const;
export const ROMAN = ['', 'I', 'II', 'III'] as const;

/**
 * The alarm level after `value`. `below`: the levels alarm on low values (level I at or below level1,
 * level III the lowest), mirrored onto the upward case so both share one hysteresis logic.
 */
export function nextAlarmLevel(current: AlarmLevel, value: number, thresholds: LevelThresholds, below = false): AlarmLevel {
  if (below) {
    const negate = (threshold: number | null) => (threshold === null ? null : -threshold);
    return nextAlarmLevel(current, -value, { level1: negate(thresholds.level1), level2: negate(thresholds.level2), level3: negate(thresholds.level3), hysteresis: thresholds.hysteresis });
  }
  const levels = [thresholds.level1, thresholds.level2, thresholds.level3];
  let reached: AlarmLevel = 0;
  for (let i = 0; i < 3; i++) {
    const threshold = levels[i];
    if (threshold !== null && value >= threshold) reached = (i + 1) as AlarmLevel;
  }
  if (reached >= current) return reached;
  // Falling: step down past each level only once the value is clearly below it.
  let level = current;
  while (level > reached) {
    const threshold = levels[level - 1];
    if (threshold !== null && value >= threshold - thresholds.hysteresis) break;
    level = (level - 1) as AlarmLevel;
  }
  return level;
}
