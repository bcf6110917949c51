// A zone rule's threshold at a moment: its own, or the one its schedule gives for that time of day in
// the city's time zone ("crowd at 12 instead of 6 from 17:00 to 19:00", devices/analysis-config.ts).
import { coversMinute, type ScheduleEntry } from '@cityops/devices/analysis-config';

/** Minutes since local midnight in `timeZone`, for the rules' per-frame use. */
export class CityClock {
  private readonly format: Intl.DateTimeFormat;
  // The zone's offset, looked up once per UTC quarter hour: every offset change on Earth happens on one.
  private cachedQuarter = Number.NaN;
  private cachedOffsetMinutes = 0;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
  }

  minuteOfDay(timestampMs: number): number {
    const quarter = Math.floor(timestampMs / 900_000);
    if (quarter !== this.cachedQuarter) {
      const parts = this.format.formatToParts(new Date(quarter * 900_000));
      const local = Number(parts.find((part) => part.type === 'hour')!.value) * 60 + Number(parts.find((part) => part.type === 'minute')!.value);
      const utc = Math.floor((quarter * 900_000) / 60_000) % 1440;
      this.cachedOffsetMinutes = local - utc;
      this.cachedQuarter = quarter;
    }
    const utcMinute = Math.floor(timestampMs / 60_000) % 1440;
    return (((utcMinute + this.cachedOffsetMinutes) % 1440) + 1440) % 1440;
  }
}

/** The threshold for this frame: the first schedule entry covering its time of day, else `base`. */
export function thresholdAt<Entry extends ScheduleEntry>(base: number, schedule: readonly Entry[] | undefined, pick: (entry: Entry) => number, clock: CityClock, timestampMs: number): number {
  if (!schedule?.length) return base;
  const minute = clock.minuteOfDay(timestampMs);
  const entry = schedule.find((candidate) => coversMinute(candidate, minute));
  return entry ? pick(entry) : base;
}
