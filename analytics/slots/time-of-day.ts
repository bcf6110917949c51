// Time-of-day priority per camera: windows of local time (the city's time zone) in which a camera is
// worth analysing more, e.g. a school gate 06:30-07:30 and 16:30-17:30 on weekdays. A window may cross
// midnight (22:00-05:00). The highest priority of the windows that contain the moment wins.
import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00-23:59');

export const timeOfDayWindowSchema = z
  .object({
    from: clock,
    to: clock,
    priority: z.number().int().min(1).max(10),
    /** ISO weekdays 1 (Monday) - 7 (Sunday); all days when absent. */
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
  })
  .refine((window) => window.from !== window.to, { message: 'from and to must differ', path: ['to'] });
export type TimeOfDayWindow = z.infer<typeof timeOfDayWindowSchema>;

export const timeOfDayWindowsSchema = z.array(timeOfDayWindowSchema).max(24);

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Local weekday (1-7) and minute of day of `atMs` in `timeZone`; formatters are cached per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();
export function localClock(atMs: number, timeZone: string): { weekday: number; minute: number } {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, formatter);
  }
  let weekday = 1;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(atMs)) {
    if (part.type === 'weekday') weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part.value) + 1;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute };
}

/** The priority in force at `atMs` (0 when no window applies). */
export function priorityAt(windows: readonly TimeOfDayWindow[], local: { weekday: number; minute: number }): number {
  let best = 0;
  for (const window of windows) {
    const from = minutesOf(window.from);
    const to = minutesOf(window.to);
    let inside: boolean;
    let day = local.weekday;
    if (from < to) inside = local.minute >= from && local.minute < to;
    else {
      // Crosses midnight: after midnight, the window belongs to the day it started.
      inside = local.minute >= from || local.minute < to;
      if (local.minute < to) day = day === 1 ? 7 : day - 1;
    }
    if (inside && (!window.days || window.days.includes(day)) && window.priority > best) best = window.priority;
  }
  return best;
}
