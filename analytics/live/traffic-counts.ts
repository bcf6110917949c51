// Line crossings per camera, line, minute, class and direction, summed in memory and added to
// traffic_counts every few seconds (one upsert for everything). A failed write keeps the counts for
// the next attempt, so a database hiccup loses nothing.
import type { Queryable } from '@cityops/core/database/pool';
import type { LineCrossing } from '../rules/events.ts';
import { addTrafficCounts } from './traffic-count-repository.ts';

const MINUTE_MS = 60_000;

export class TrafficCountBuffer {
  private counts = new Map<string, number>();

  add(cameraId: string, crossing: LineCrossing): void {
    const minute = Math.floor(crossing.timestampMs / MINUTE_MS) * MINUTE_MS;
    const key = `${cameraId}\u0000${crossing.lineId}\u0000${minute}\u0000${crossing.class}\u0000${crossing.direction}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get pending(): number {
    return this.counts.size;
  }

  /** Adds the buffered counts to traffic_counts; on failure they stay buffered and the error is thrown. */
  async flush(db: Queryable): Promise<number> {
    if (this.counts.size === 0) return 0;
    const batch = this.counts;
    this.counts = new Map();
    const cameras: string[] = [];
    const lines: string[] = [];
    const minutes: Date[] = [];
    const classes: string[] = [];
    const directions: string[] = [];
    const values: number[] = [];
    for (const [key, count] of batch) {
      const [cameraId, lineId, minute, cityClass, direction] = key.split('\u0000');
      cameras.push(cameraId);
      lines.push(lineId);
      minutes.push(new Date(Number(minute)));
      classes.push(cityClass);
      directions.push(direction);
      values.push(count);
    }
    try {
      await addTrafficCounts(db, { cameras, lines, minutes, classes, directions, values });
    } catch (error) {
      for (const [key, count] of batch) this.counts.set(key, (this.counts.get(key) ?? 0) + count);
      throw error;
    }
    return batch.size;
  }
}
