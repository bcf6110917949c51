// What a zone rule sees each frame: the confirmed tracks whose ground point is in the zone, with the
// few numbers rules need, computed once by the engine.
import type { CityClass } from '../detect/types.ts';
import type { TrackSnapshot } from '../track/tracker.ts';
import type { Point } from './geometry.ts';
import type { SituationEvent } from './events.ts';

export interface Observation {
  timestampMs: number;
  anchor: Point;
  size: number;
}

export interface ZoneTrack {
  track: TrackSnapshot;
  anchor: Point;
  /** Box size (geometric mean of width and height) in frame fractions. */
  size: number;
  /** Speed in box sizes per second: comparable near and far from the camera. */
  relativeSpeed: number;
  /** Observed (not predicted) ground points, oldest first, the latest included when `track.seen`. */
  observations: readonly Observation[];
  /** A person riding a motorbike or bicycle this frame (riders.ts): not a pedestrian. */
  riding: boolean;
}

export interface ZoneFrame {
  zoneId: string;
  timestampMs: number;
  tracks: ZoneTrack[];
}

export interface ZoneRuleEvaluator {
  evaluate(frame: ZoneFrame): SituationEvent[];
  /** The tracker dropped this track: end its situations. */
  trackEnded(trackId: number, timestampMs: number): SituationEvent[];
}

export const VEHICLE_CLASSES: ReadonlySet<CityClass> = new Set(['bicycle', 'motorbike', 'car', 'bus', 'truck']);
