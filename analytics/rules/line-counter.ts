// Counts tracks crossing a counting line, by class and direction. Direction `+`: the track's ground
// point moved from the side where cross(to − from, p − from) < 0 to the side where it is > 0 (the
// foundation issue's convention); `−` the other way. For a line drawn top to bottom in the picture,
// `+` is right-to-left. A point closer to the line than `marginFraction` keeps its previous side, so
// a box jittering on the line is not counted back and forth.
import type { TrackSnapshot } from '../track/tracker.ts';
import type { LineCrossing } from './events.ts';
import { crossSide, crossingFraction, type Point } from './geometry.ts';

export interface CountingLineConfig {
  id: string;
  from: readonly [number, number];
  to: readonly [number, number];
}

interface SideMemory {
  side: -1 | 1;
  /** The observed point where that side was last established. */
  point: Point;
}

export class LineCounter {
  private readonly sides = new Map<number, SideMemory>();
  private readonly length: number;

  constructor(
    private readonly line: CountingLineConfig,
    private readonly marginFraction = 0.005,
  ) {
    this.length = Math.hypot(line.to[0] - line.from[0], line.to[1] - line.from[1]);
  }

  /** Feeds one observed ground point of a track; returns the crossing it completes, if any. */
  observe(track: Pick<TrackSnapshot, 'id' | 'class'>, point: Point, timestampMs: number): LineCrossing | undefined {
    const distance = crossSide(this.line.from, this.line.to, point) / this.length;
    if (Math.abs(distance) < this.marginFraction) return undefined;
    const side: -1 | 1 = distance < 0 ? -1 : 1;
    const memory = this.sides.get(track.id);
    this.sides.set(track.id, { side, point });
    if (!memory || memory.side === side) return undefined;
    // The movement must pass through the drawn segment, not its extension beyond the ends.
    const along = crossingFraction(this.line.from, this.line.to, memory.point, point);
    if (!(along >= 0 && along <= 1)) return undefined;
    return { lineId: this.line.id, trackId: track.id, class: track.class, direction: side > 0 ? '+' : '-', timestampMs };
  }

  forget(trackId: number): void {
    this.sides.delete(trackId);
  }
}
