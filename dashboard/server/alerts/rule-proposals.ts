// Proposes a threshold change for one camera zone's crowd or congestion rule from how operators judged
// its alerts: "crowd at 12 instead of 6 from 17:00 to 19:00" when its evening alerts were mostly false
// alarms of fewer than 12 persons. Each alert carries the highest count its zone held for the rule's
// whole wait (sustainedCount): the alert would have been raised under a threshold T only if that count
// reached T. So what a change would have done to past alerts is counted, not guessed.
import type { RuleChangePreview } from '@cityops/contract/alerts';

/** Resolved alerts of one hour of the day (city time), one count and one verdict. */
export interface JudgedAlerts {
  hour: number;
  /** The highest count held for the whole wait; null when the alert was stored without one. */
  sustained: number | null;
  falseAlarm: boolean;
  alerts: number;
}

/** The threshold the rule holds in each hour of the day today (24 values). */
export type HourlyThresholds = readonly number[];

/** Hours of the day a window touches: [from, to), over midnight when `to` is before `from`; all day when null. */
export function hoursOf(from: string | null, to: string | null): Set<number> {
  if (from === null || to === null) return new Set(Array.from({ length: 24 }, (_, hour) => hour));
  const start = Number(from.slice(0, 2));
  const end = Number(to.slice(0, 2)) + (to.slice(3) === '00' ? 0 : 1);
  const hours = new Set<number>();
  let hour = start;
  do {
    hours.add(hour);
    hour = (hour + 1) % 24;
  } while (hour !== end % 24);
  return hours;
}

/** What raising the threshold to `threshold` in `hours` would have done to the judged alerts. */
export function previewChange(judged: readonly JudgedAlerts[], hours: Set<number>, threshold: number): RuleChangePreview {
  const preview: RuleChangePreview = { falseAlarms: 0, suppressedFalseAlarms: 0, realAlerts: 0, missedRealAlerts: 0, uncounted: 0 };
  for (const row of judged) {
    if (!hours.has(row.hour)) continue;
    if (row.sustained === null) {
      preview.uncounted += row.alerts;
      continue;
    }
    const suppressed = row.sustained < threshold;
    if (row.falseAlarm) {
      preview.falseAlarms += row.alerts;
      if (suppressed) preview.suppressedFalseAlarms += row.alerts;
    } else {
      preview.realAlerts += row.alerts;
      if (suppressed) preview.missedRealAlerts += row.alerts;
    }
  }
  return preview;
}

export interface ProposedChange {
  /** Null for all day (the rule's own threshold). */
  from: string | null;
  to: string | null;
  threshold: number;
  currentThreshold: number;
  preview: RuleChangePreview;
}

/** A proposal needs at least this many false alarms it would have spared: fewer is chance, not a pattern. */
export const MIN_SUPPRESSED_FALSE_ALARMS = 3;
/** A missed real alert weighs as much as this many spared false ones. */
const MISSED_REAL_WEIGHT = 3;
/**
 * An hour the window covers with no false alarm weighs as one spared false alarm: it changes the rule
 * where it gave no trouble, so a window grows over quiet hours only for a clear gain.
 */
const QUIET_HOUR_COST = 1;

const clock = (hour: number) => `${String(hour % 24).padStart(2, '0')}:00`;

/**
 * The best hour window and threshold: for every run of whole hours that starts and ends with a false
 * alarm, every threshold just above one of its false alarms' counts (and above what the rule holds there
 * today); scored by false alarms spared, minus three per real alert missed, minus one per hour covered
 * that had no false alarm. Ties go to the shorter
 * window, then the lower threshold: the smallest change that does the job. Undefined when no change
 * spares at least MIN_SUPPRESSED_FALSE_ALARMS false alarms for a positive score.
 */
export function proposeChange(judged: readonly JudgedAlerts[], current: HourlyThresholds): ProposedChange | undefined {
  const falseByHour = new Array<number>(24).fill(0);
  for (const row of judged) if (row.falseAlarm && row.sustained !== null) falseByHour[row.hour] += row.alerts;
  let best: (ProposedChange & { score: number; length: number }) | undefined;
  for (let start = 0; start < 24; start++) {
    if (!falseByHour[start]) continue;
    for (let length = 1; length <= 24; length++) {
      const last = (start + length - 1) % 24;
      if (!falseByHour[last] || (length === 24 && start !== 0)) continue;
      const hours = new Set(Array.from({ length }, (_, offset) => (start + offset) % 24));
      const quietHours = [...hours].filter((hour) => !falseByHour[hour]).length;
      const currentThreshold = Math.max(...[...hours].map((hour) => current[hour]));
      const candidates = new Set(judged.filter((row) => row.falseAlarm && row.sustained !== null && hours.has(row.hour)).map((row) => row.sustained! + 1));
      for (const threshold of candidates) {
        if (threshold <= currentThreshold) continue;
        const preview = previewChange(judged, hours, threshold);
        const score = preview.suppressedFalseAlarms - MISSED_REAL_WEIGHT * preview.missedRealAlerts - QUIET_HOUR_COST * quietHours;
        if (preview.suppressedFalseAlarms < MIN_SUPPRESSED_FALSE_ALARMS || score <= 0) continue;
        const better = !best || score > best.score || (score === best.score && (length < best.length || (length === best.length && threshold < best.threshold)));
        if (better) {
          const allDay = length === 24;
          best = { from: allDay ? null : clock(start), to: allDay ? null : clock(start + length), threshold, currentThreshold, preview, score, length };
        }
      }
    }
  }
  if (!best) return undefined;
  const { score: _score, length: _length, ...change } = best;
  return change;
}
