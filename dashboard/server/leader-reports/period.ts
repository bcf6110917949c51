// The period a report covers, in city time: a day from midnight in Ho Chi Minh City, or a week from
// Monday midnight. Vietnam keeps UTC+7 all year (no daylight saving), so a fixed offset is exact.
import type { LeaderReportKind } from '@cityops/contract/leader-reports';

const CITY_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export interface ReportPeriod {
  kind: LeaderReportKind;
  from: Date;
  to: Date;
  /** The first city day of the period (yyyy-mm-dd). */
  day: string;
}

/** The city day (yyyy-mm-dd) a moment falls in. */
export const cityDayOf = (at: Date) => new Date(at.getTime() + CITY_OFFSET_MS).toISOString().slice(0, 10);

/** Midnight of a city day, as an instant. */
const cityMidnight = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - CITY_OFFSET_MS);

/** The report period holding a city day: that day, or the week (Monday to Sunday) it falls in. */
export function periodOf(kind: LeaderReportKind, day: string): ReportPeriod {
  const midnight = cityMidnight(day);
  if (kind === 'daily') return { kind, from: midnight, to: new Date(midnight.getTime() + DAY_MS), day };
  // getUTCDay of the city date: 0 is Sunday; Monday starts the week (as Vietnamese calendars do).
  const back = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  const from = new Date(midnight.getTime() - back * DAY_MS);
  return { kind, from, to: new Date(from.getTime() + 7 * DAY_MS), day: cityDayOf(from) };
}

/** The last whole day and the last whole week before `now` (what the schedule makes). */
export function lastClosedPeriods(now: Date): ReportPeriod[] {
  const yesterday = cityDayOf(new Date(now.getTime() - DAY_MS));
  const lastWeek = periodOf('weekly', cityDayOf(new Date(periodOf('weekly', cityDayOf(now)).from.getTime() - DAY_MS)));
  return [periodOf('daily', yesterday), lastWeek];
}

/** The hour of the city day (0–23) an instant falls in. */
export const cityHourOf = (at: Date) => new Date(at.getTime() + CITY_OFFSET_MS).getUTCHours();
