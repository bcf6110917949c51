// One sample per parking zone and minute from the per-frame counts of vehicles standing in it
// (rules/parking.ts). The sample is the upper median of the minute's frames: the most vehicles that stood
// there in at least half of them. Not the maximum: a car stopping ten seconds to drop someone off, or one
// circling for a space, would count as parked for the whole minute. Not the mean: a fraction of a car
// means nothing on the map. A parked car hidden by a passing bus for a few frames, or a detection missed
// now and then, does not lower the median either.
import type { AnalysisConfig } from '../rules/config.ts';
import type { ParkedVehicles } from '../rules/parking.ts';

const MINUTE_MS = 60_000;

export interface ParkingSample {
  cameraId: string;
  zoneId: string;
  /** Start of the minute, ms since the epoch. */
  minute: number;
  occupied: number;
  capacity: number;
  /** Analysed frames behind the sample: a camera analysed at 2 fps gives ~120, a slowed one fewer. */
  frames: number;
}

/** The upper median of non-empty counts (sorts them in place). */
export function upperMedian(counts: number[]): number {
  counts.sort((a, b) => a - b);
  return counts[Math.floor(counts.length / 2)];
}

/**
 * One camera's parking zones. A minute's samples come out when the first frame of a later minute
 * arrives; the minute in progress when the session closes (slot moved, camera stopped) is dropped, not
 * written from a part of it: the next worker samples that minute from what it sees.
 */
export class ParkingMinuteSampler {
  private minute = Number.NEGATIVE_INFINITY;
  private readonly counts = new Map<string, number[]>();

  /** `capacities`: zone id → spaces, for the camera's parking zones. */
  constructor(
    private readonly cameraId: string,
    private readonly capacities: ReadonlyMap<string, number>,
  ) {}

  get zones(): number {
    return this.capacities.size;
  }

  /** Adds one analysed frame; returns the samples of the minute that ended (none within a minute). */
  add(timestampMs: number, parked: ParkedVehicles): ParkingSample[] {
    if (this.capacities.size === 0) return [];
    const minute = Math.floor(timestampMs / MINUTE_MS) * MINUTE_MS;
    const samples = minute > this.minute ? this.finishMinute() : [];
    this.minute = Math.max(this.minute, minute);
    for (const zoneId of this.capacities.keys()) {
      let counts = this.counts.get(zoneId);
      if (!counts) this.counts.set(zoneId, (counts = []));
      counts.push(parked[zoneId] ?? 0);
    }
    return samples;
  }

  private finishMinute(): ParkingSample[] {
    const samples: ParkingSample[] = [];
    for (const [zoneId, counts] of this.counts) {
      if (!counts.length) continue;
      samples.push({ cameraId: this.cameraId, zoneId, minute: this.minute, occupied: upperMedian(counts), capacity: this.capacities.get(zoneId)!, frames: counts.length });
      counts.length = 0;
    }
    return samples;
  }
}

/** The capacity of each parking zone of a camera's configuration. */
export function parkingCapacities(config: AnalysisConfig): Map<string, number> {
  const capacities = new Map<string, number>();
  for (const zone of config.zones) {
    for (const rule of zone.rules) if (rule.kind === 'parking') capacities.set(zone.id, rule.capacity);
  }
  return capacities;
}

/**
 * Samples of every camera of a worker, written together every few seconds (one insert). A failed write
 * keeps them for the next attempt, so a database blip loses no minute.
 */
export class ParkingSampleBuffer {
  private samples: ParkingSample[] = [];

  add(samples: readonly ParkingSample[]): void {
    for (const sample of samples) this.samples.push(sample);
  }

  get pending(): number {
    return this.samples.length;
  }

  /** Hands the buffered samples to `write`; on failure they stay buffered and the error is thrown. */
  async flush(write: (samples: ParkingSample[]) => Promise<void>): Promise<number> {
    if (this.samples.length === 0) return 0;
    const batch = this.samples;
    this.samples = [];
    try {
      await write(batch);
    } catch (error) {
      this.samples = [...batch, ...this.samples];
      throw error;
    }
    return batch.length;
  }
}
