// The per-camera analysis the live system and the offline analyser share: detections → tracks →
// rules. One CameraAnalysis per camera holds its tracker and rule state; the detector (and its pool
// of ONNX sessions) is shared by every camera.
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import type { Detector } from './detect/detector.ts';
import type { Detection } from './detect/types.ts';
import type { AnalysisConfig } from './rules/config.ts';
import { RulesEngine } from './rules/engine.ts';
import { pointInPolygon, type Point } from './rules/geometry.ts';
import type { ParkedVehicles } from './rules/parking.ts';
import type { LineCrossing, SituationEvent, ZoneOccupancy } from './rules/events.ts';
import { Tracker, type TrackerOptions, type TrackSnapshot } from './track/tracker.ts';

export interface FrameAnalysis {
  detections: Detection[];
  tracks: TrackSnapshot[];
  events: SituationEvent[];
  crossings: LineCrossing[];
  occupancy: ZoneOccupancy;
  /** Vehicles standing in each parking zone this frame (rules/parking.ts). */
  parked: ParkedVehicles;
}

export interface CameraAnalysisOptions {
  config: AnalysisConfig;
  /** Needed by process(); analyse() works without one. */
  detector?: Detector;
  tracker?: Partial<TrackerOptions>;
  /** The city's time zone, for thresholds by time of day (the engine's default when absent). */
  timeZone?: string;
}

export class CameraAnalysis {
  private readonly tracker: Tracker;
  private readonly rules: RulesEngine;
  private readonly privacyMasks: Point[][];

  constructor(private readonly options: CameraAnalysisOptions) {
    this.tracker = new Tracker(options.tracker);
    this.rules = new RulesEngine(options.config, options.timeZone);
    this.privacyMasks = options.config.privacyMasks.map((mask) => mask.polygon);
  }

  /** Detects, tracks and applies the rules to one frame. `timestampMs` must not go back. */
  async process(frame: RawFrame, timestampMs: number): Promise<FrameAnalysis> {
    // A programming error (process() on an analysis built without a detector): a plain Error.
    if (!this.options.detector) throw new Error('CameraAnalysis.process needs a detector');
    const detections = await this.options.detector.detect(frame);
    return this.analyse(detections, timestampMs);
  }

  /** Tracking and rules only, for detections made elsewhere (tests, batched detection). */
  analyse(allDetections: Detection[], timestampMs: number): FrameAnalysis {
    const detections = this.privacyMasks.length ? allDetections.filter((detection) => !this.isMasked(detection)) : allDetections;
    const { tracks, removed } = this.tracker.update(detections, timestampMs);
    const { events, crossings, occupancy, parked } = this.rules.update(tracks, removed, timestampMs);
    return { detections, tracks, events, crossings, occupancy, parked };
  }

  /**
   * Nothing is detected in a privacy mask: the picture there is black, yet an object standing mostly
   * behind the mask (its box's centre inside) could still be found from what shows around it.
   */
  private isMasked(detection: Detection): boolean {
    const centre: Point = [(detection.x1 + detection.x2) / 2, (detection.y1 + detection.y2) / 2];
    return this.privacyMasks.some((polygon) => pointInPolygon(centre, polygon));
  }
}
