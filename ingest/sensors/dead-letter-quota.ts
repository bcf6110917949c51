// How many dead letters each device may have stored per clock hour. A device past its quota still has
// every refusal counted (in /metrics and, per device, hour and reason, in sensor_dead_letter_overflow,
// shown by GET /api/sensors/dead-letters), but its letters are no longer written: a broken or hostile
// device costs at most quota × excerpt size of disk an hour, and the first letters of each hour — the
// ones an engineer needs to see what it sends — are kept.
// Per worker, in memory: with several workers a device can store up to workers × quota an hour.
import type { DeadLetter } from './payload.ts';

export interface DeadLetterOverflow {
  /** Start of the clock hour, epoch ms. */
  hourMs: number;
  /** The sensor id from the topic; '' when the topic had none. */
  sensorKey: string;
  reason: string;
  count: number;
}

const HOUR_MS = 3_600_000;
/** Devices tracked per hour; past this every further key shares one bucket, so memory stays bounded. */
const MAX_TRACKED_KEYS = 100_000;

export class DeadLetterQuota {
  private hourMs = 0;
  private storedThisHour = new Map<string, number>();

  constructor(private readonly perDevicePerHour: number) {}

  /** True when the letter may be stored; false when its device is over quota (count it instead). */
  admit(letter: DeadLetter): boolean {
    const hourMs = hourOf(letter.receivedAtMs);
    if (hourMs !== this.hourMs) {
      this.hourMs = hourMs;
      this.storedThisHour.clear();
    }
    let key = letter.sensorId ?? '';
    if (!this.storedThisHour.has(key) && this.storedThisHour.size >= MAX_TRACKED_KEYS) key = '(many)';
    const stored = this.storedThisHour.get(key) ?? 0;
    if (stored >= this.perDevicePerHour) return false;
    this.storedThisHour.set(key, stored + 1);
    return true;
  }
}

export const hourOf = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Adds one unstored letter to a batch's overflow counts (one row per device, hour and reason). */
export function countOverflow(overflow: Map<string, DeadLetterOverflow>, letter: DeadLetter): void {
  const hourMs = hourOf(letter.receivedAtMs);
  const sensorKey = letter.sensorId ?? '';
  const key = `${hourMs}/${sensorKey}/${letter.reason}`;
  const row = overflow.get(key);
  if (row) row.count++;
  else overflow.set(key, { hourMs, sensorKey, reason: letter.reason, count: 1 });
}
