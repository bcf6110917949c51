// Multi-object tracker in the ByteTrack style (Zhang et al., 2022): Kalman motion prediction, then IoU
// association in stages by detection score, so weak detections (blur, occlusion) keep existing tracks
// alive but never start new ones. Tuned for 1–5 fps analysis, where a car can move more than its own
// length between frames: a last stage matches what is left with *buffered* IoU (boxes enlarged in
// proportion to the time since the track was last seen, after C-BIoU, Yang et al., 2023), which
// catches fast objects before their velocity is known.
//
// Parked vehicles get their own handling. A vehicle standing within a third of its size of one place for
// a few seconds is *parked*: its box is that place (no drift from a velocity estimate), it takes only
// detections of its size at that place, and only after the moving tracks have taken theirs, so a car
// passing close to or in front of it neither takes its id nor gives it one. Hidden behind passing traffic
// (something detected over its place), it is kept for up to a minute; with nothing detected at its place,
// for 8 s.
import type { Box } from '@cityops/models/letterbox';
import type { CityClass, Detection } from '../detect/types.ts';
import { sameObjectGroup } from '../detect/class-groups.ts';
import { KalmanAxis } from './kalman.ts';

export interface TrackerOptions {
  /** Detections at or above this score are "high" (stage 1, may start tracks). */
  highScore: number;
  /** Detections between lowScore and highScore only extend confirmed tracks (stage 2). */
  lowScore: number;
  /** A new track needs a detection this strong. */
  newTrackScore: number;
  /** Minimum IoU for stage 1 (high detections ↔ confirmed and lost tracks) and stage 3 (new tracks). */
  matchIou: number;
  /** Minimum IoU for stage 2 (low detections ↔ confirmed tracks): stricter, weak boxes are noisier. */
  lowMatchIou: number;
  /** Lost tracks may take a weak detection in stage 2 for this long after they were last seen. */
  lowMatchMaxLostMs: number;
  /** Buffered-IoU stage: box margin added per second since the track was last seen, in box sizes. */
  bufferPerSecond: number;
  maxBuffer: number;
  bufferedMatchIou: number;
  /** Observations before a track is confirmed (reported and used by rules). */
  minHits: number;
  /** A track not seen for this long is removed (parked ones: counted from when last seen or hidden). */
  maxLostMs: number;
  /** A vehicle standing this long within `parkedRadius` of one place is parked. */
  parkedAfterMs: number;
  /** How far a parked vehicle's detections may be from its place, in its box sizes (jitter, partly hidden). */
  parkedRadius: number;
  /** A parked vehicle hidden by what stands in front of it is kept this long at most. */
  parkedMaxLostMs: number;
  /**
   * A parked vehicle no longer detected, with nothing detected over its place either, is kept this long:
   * the model often finds neither a car nor what stands right in front of it.
   */
  parkedUnseenMs: number;
}

/**
 * ByteTrack's 0.5/0.6 score thresholds suit large detectors; YOLOX-Nano scores real but small, dim or
 * blurred vehicles at 0.3–0.5 (measured on traffic.mp4), so its "high" starts at 0.3. The buffer lets
 * a car moving 3 of its lengths per second (far lane, 2 fps) be matched before its speed is known.
 */
export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  highScore: 0.3,
  lowScore: 0.1,
  newTrackScore: 0.3,
  matchIou: 0.2,
  lowMatchIou: 0.4,
  lowMatchMaxLostMs: 0,
  bufferPerSecond: 3,
  maxBuffer: 3,
  bufferedMatchIou: 0.25,
  minHits: 2,
  maxLostMs: 2000,
  parkedAfterMs: 3000,
  // A half-hidden car's box shifts a quarter of its width: within this; a car passing in its lane does not
  // stay within it for two frames.
  parkedRadius: 0.3,
  parkedMaxLostMs: 60_000,
  // A departed car's alert ends this much later; a car hidden by an undetected van keeps its id.
  parkedUnseenMs: 8000,
};


export interface TrackSnapshot {
  id: number;
  class: CityClass;
  score: number;
  /** The box observed this frame when `seen`, else the predicted box. */
  box: Box;
  /** True when a detection was matched to the track in this frame. */
  seen: boolean;
  /** Centre velocity in frame fractions per second (Kalman estimate). */
  velocityX: number;
  velocityY: number;
  firstSeenMs: number;
  lastSeenMs: number;
  hits: number;
  /** Standing in one place for a few seconds (see the top of this file): its speed is nil whatever the filter's estimate. */
  parked: boolean;
  /** The observation before the latest one, if any (lets rules see movement from before confirmation). */
  previous?: { box: Box; timestampMs: number };
}

export interface TrackerUpdate {
  /** Confirmed tracks, seen this frame or briefly lost. */
  tracks: TrackSnapshot[];
  /** Ids of confirmed tracks that ended in this frame. */
  removed: number[];
}

interface Track {
  id: number;
  confirmed: boolean;
  axes: [KalmanAxis, KalmanAxis, KalmanAxis, KalmanAxis]; // centre x, centre y, width, height
  lastBox: Box;
  previous?: { box: Box; timestampMs: number };
  score: number;
  classScores: Map<CityClass, number>;
  firstSeenMs: number;
  lastSeenMs: number;
  predictedAtMs: number;
  hits: number;
  seen: boolean;
  seenInPreviousFrame: boolean;
  /** Where the track has stood since when (reset when it is seen farther than `parkedRadius` from it). */
  place: { box: Box; sinceMs: number };
  /** Last frame in which something was detected over its place while it was not seen. */
  lastHiddenMs: number;
}

export class Tracker {
  private readonly options: TrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTimestampMs = -Infinity;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  update(detections: readonly Detection[], timestampMs: number): TrackerUpdate {
    if (timestampMs < this.lastTimestampMs) {
      throw new RangeError(`frame timestamps must not go back (${timestampMs} ms after ${this.lastTimestampMs} ms)`);
    }
    this.lastTimestampMs = timestampMs;
    const o = this.options;
    for (const track of this.tracks) {
      // A parked vehicle stays where it is: no velocity estimate moves its box while it is hidden.
      if (this.isParked(track)) track.predictedAtMs = timestampMs;
      else predict(track, timestampMs);
      track.seenInPreviousFrame = track.seen;
      track.seen = false;
    }
    const high: number[] = [];
    const low: number[] = [];
    detections.forEach((detection, index) => {
      if (detection.score >= o.highScore) high.push(index);
      else if (detection.score >= o.lowScore) low.push(index);
    });

    const parked = new Set(this.tracks.filter((track) => this.isParked(track)));
    const confirmedOrLost = this.tracks.filter((track) => track.confirmed && !parked.has(track));
    const tentative = this.tracks.filter((track) => !track.confirmed);
    // Stage 1: strong detections ↔ confirmed and lost tracks; moving ones first, then parked ones with
    // what is left, so a car passing in front of a parked one keeps its own id and leaves it its own.
    const moving = this.associate(confirmedOrLost, high, detections, o.matchIou, () => 0, timestampMs);
    const parkedStage = this.associate([...parked], moving.detections, detections, o.matchIou, () => 0, timestampMs);
    const stage1 = { tracks: [...moving.tracks, ...parkedStage.tracks], detections: parkedStage.detections };
    // Stage 2: weak detections ↔ confirmed tracks. ByteTrack uses only tracks seen in the previous
    // frame; at 1–5 fps a detector that skips one frame is common, so a recently lost track (within
    // `lowMatchMaxLostMs`) may also be continued by a weak box that fits its prediction.
    const continuable = stage1.tracks.filter((track) => track.seenInPreviousFrame || timestampMs - track.lastSeenMs <= o.lowMatchMaxLostMs);
    this.associate(continuable, low, detections, o.lowMatchIou, () => 0, timestampMs);
    const leftConfirmed = stage1.tracks.filter((track) => !track.seen);
    // Stage 3: strong leftovers ↔ tentative tracks.
    const stage3 = this.associate(tentative, stage1.detections, detections, o.matchIou, () => 0, timestampMs);
    // Stage 4: buffered IoU for what is still unmatched (fast motion at low fps).
    const buffer = (track: Track) => Math.min(o.maxBuffer, (o.bufferPerSecond * (timestampMs - track.lastSeenMs)) / 1000);
    const stage4 = this.associate(
      [...leftConfirmed.filter((track) => !track.seen && !parked.has(track)), ...stage3.tracks],
      stage3.detections,
      detections,
      o.bufferedMatchIou,
      buffer,
      timestampMs,
    );

    for (const index of stage4.detections) {
      if (detections[index].score >= o.newTrackScore) this.tracks.push(this.newTrack(detections[index], timestampMs));
    }

    for (const track of parked) {
      if (!track.seen && detections.some((detection) => detection.score >= o.lowScore && covers(detection, track.place.box))) track.lastHiddenMs = timestampMs;
    }
    const removed: number[] = [];
    this.tracks = this.tracks.filter((track) => {
      if (track.seen) return true;
      const [x, y] = track.axes;
      const lost = parked.has(track)
        ? timestampMs - Math.max(track.lastSeenMs, track.lastHiddenMs) > o.parkedUnseenMs || timestampMs - track.lastSeenMs > o.parkedMaxLostMs
        : timestampMs - track.lastSeenMs > o.maxLostMs;
      const gone =
        !track.confirmed || // a tentative track must be confirmed by the very next frame
        lost ||
        x.position < 0 || x.position > 1 || y.position < 0 || y.position > 1; // predicted out of the frame
      if (gone && track.confirmed) removed.push(track.id);
      return !gone;
    });
    const tracks = this.tracks.filter((track) => track.confirmed).map((track) => snapshot(track, this.isParked(track)));
    return { tracks, removed };
  }

  /** Confirmed and standing in one place for `parkedAfterMs` (see the top of this file). */
  private isParked(track: Track): boolean {
    return track.confirmed && track.lastSeenMs - track.place.sinceMs >= this.options.parkedAfterMs;
  }

  /** Live tracks, tentative ones included (for tests and metrics). */
  get size(): number {
    return this.tracks.length;
  }

  /**
   * Greedy association: all (track, detection) pairs of compatible classes above the IoU threshold,
   * best first. With the few dozen objects of a street camera this gives the same pairs as the
   * Hungarian algorithm in practice and is simpler to read. Returns what is left unmatched.
   */
  private associate(
    tracks: Track[],
    detectionIndices: number[],
    detections: readonly Detection[],
    minIou: number,
    bufferOf: (track: Track) => number,
    timestampMs: number,
  ): { tracks: Track[]; detections: number[] } {
    const pairs: { track: Track; index: number; iou: number }[] = [];
    for (const track of tracks) {
      if (track.seen) continue;
      const parked = this.isParked(track);
      const predicted = parked ? track.place.box : predictedBox(track);
      const trackGroup = sameObjectGroup(dominantClass(track));
      const buffer = bufferOf(track);
      for (const index of detectionIndices) {
        const detection = detections[index];
        if (sameObjectGroup(detection.class) !== trackGroup) continue;
        if (parked && !atPlace(detection, track.place.box, this.options.parkedRadius)) continue;
        const overlap = bufferedIou(predicted, detection, buffer);
        if (overlap >= minIou) pairs.push({ track, index, iou: overlap });
      }
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const usedDetections = new Set<number>();
    for (const pair of pairs) {
      if (pair.track.seen || usedDetections.has(pair.index)) continue;
      usedDetections.add(pair.index);
      this.observe(pair.track, detections[pair.index], timestampMs);
    }
    return {
      tracks: tracks.filter((track) => !track.seen),
      detections: detectionIndices.filter((index) => !usedDetections.has(index)),
    };
  }

  private observe(track: Track, detection: Detection, timestampMs: number): void {
    const width = detection.x2 - detection.x1;
    const height = detection.y2 - detection.y1;
    const [x, y, w, h] = track.axes;
    // Detection boxes jitter by a few percent of their size; the filter trusts them accordingly.
    x.update((detection.x1 + detection.x2) / 2, 0.05 * width);
    y.update((detection.y1 + detection.y2) / 2, 0.05 * height);
    w.update(width, 0.05 * width);
    h.update(height, 0.05 * height);
    track.previous = { box: track.lastBox, timestampMs: track.lastSeenMs };
    track.lastBox = { x1: detection.x1, y1: detection.y1, x2: detection.x2, y2: detection.y2 };
    track.score = detection.score;
    track.classScores.set(detection.class, (track.classScores.get(detection.class) ?? 0) + detection.score);
    if (!atPlace(detection, track.place.box, this.options.parkedRadius)) track.place = { box: { ...track.lastBox }, sinceMs: timestampMs };
    track.lastSeenMs = timestampMs;
    track.hits++;
    track.seen = true;
    if (!track.confirmed && track.hits >= this.options.minHits) track.confirmed = true;
  }

  private newTrack(detection: Detection, timestampMs: number): Track {
    const width = detection.x2 - detection.x1;
    const height = detection.y2 - detection.y1;
    // Until a second observation, the object may be still or crossing several of its lengths per second.
    const axes: Track['axes'] = [
      new KalmanAxis((detection.x1 + detection.x2) / 2, 0.05 * width, 3 * width),
      new KalmanAxis((detection.y1 + detection.y2) / 2, 0.05 * height, 3 * height),
      new KalmanAxis(width, 0.05 * width, 0.5 * width),
      new KalmanAxis(height, 0.05 * height, 0.5 * height),
    ];
    return {
      id: this.nextId++,
      confirmed: this.options.minHits <= 1,
      axes,
      lastBox: { x1: detection.x1, y1: detection.y1, x2: detection.x2, y2: detection.y2 },
      score: detection.score,
      classScores: new Map([[detection.class, detection.score]]),
      firstSeenMs: timestampMs,
      lastSeenMs: timestampMs,
      predictedAtMs: timestampMs,
      hits: 1,
      seen: true,
      seenInPreviousFrame: false,
      place: { box: { x1: detection.x1, y1: detection.y1, x2: detection.x2, y2: detection.y2 }, sinceMs: timestampMs },
      lastHiddenMs: -Infinity,
    };
  }
}

function predict(track: Track, timestampMs: number): void {
  const dt = (timestampMs - track.predictedAtMs) / 1000;
  if (dt <= 0) return;
  const [x, y, w, h] = track.axes;
  const width = Math.max(w.position, 1e-3);
  const height = Math.max(h.position, 1e-3);
  // Vehicles and people change speed gently compared with the frame interval: ~1 box size per s².
  x.predict(dt, width);
  y.predict(dt, height);
  w.predict(dt, 0.2 * width);
  h.predict(dt, 0.2 * height);
  track.predictedAtMs = timestampMs;
}

function predictedBox(track: Track): Box {
  const [x, y, w, h] = track.axes;
  const halfW = Math.max(w.position, 1e-4) / 2;
  const halfH = Math.max(h.position, 1e-4) / 2;
  return { x1: x.position - halfW, y1: y.position - halfH, x2: x.position + halfW, y2: y.position + halfH };
}

function dominantClass(track: Track): CityClass {
  let best: CityClass = 'car';
  let bestScore = -1;
  for (const [cityClass, score] of track.classScores) {
    if (score > bestScore) {
      best = cityClass;
      bestScore = score;
    }
  }
  return best;
}

/** IoU of two boxes each enlarged by `buffer` × its own size on every side (buffer 0 = plain IoU). */
export function bufferedIou(a: Box, b: Box, buffer: number): number {
  const aw = (a.x2 - a.x1) * buffer;
  const ah = (a.y2 - a.y1) * buffer;
  const bw = (b.x2 - b.x1) * buffer;
  const bh = (b.y2 - b.y1) * buffer;
  const ax1 = a.x1 - aw;
  const ay1 = a.y1 - ah;
  const ax2 = a.x2 + aw;
  const ay2 = a.y2 + ah;
  const bx1 = b.x1 - bw;
  const by1 = b.y1 - bh;
  const bx2 = b.x2 + bw;
  const by2 = b.y2 + bh;
  const w = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const h = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (w <= 0 || h <= 0) return 0;
  const intersection = w * h;
  return intersection / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - intersection);
}

/**
 * The detection is the same size as `place` (within 1.6×) and its centre within `radius` of the place's
 * size from the place's centre.
 */
function atPlace(detection: Box, place: Box, radius: number): boolean {
  const size = Math.sqrt(Math.max(1e-9, (place.x2 - place.x1) * (place.y2 - place.y1)));
  const detectionSize = Math.sqrt(Math.max(0, (detection.x2 - detection.x1) * (detection.y2 - detection.y1)));
  const ratio = detectionSize / size;
  const distance = Math.hypot((detection.x1 + detection.x2 - place.x1 - place.x2) / 2, (detection.y1 + detection.y2 - place.y1 - place.y2) / 2);
  return ratio >= 1 / 1.6 && ratio <= 1.6 && distance <= radius * size;
}

/** Something detected over a fifth or more of `place`: whatever stands there hides it. */
function covers(detection: Box, place: Box): boolean {
  const w = Math.min(detection.x2, place.x2) - Math.max(detection.x1, place.x1);
  const h = Math.min(detection.y2, place.y2) - Math.max(detection.y1, place.y1);
  return w > 0 && h > 0 && w * h >= 0.2 * (place.x2 - place.x1) * (place.y2 - place.y1);
}

function snapshot(track: Track, parked: boolean): TrackSnapshot {
  const [x, y] = track.axes;
  return {
    id: track.id,
    class: dominantClass(track),
    score: track.score,
    box: track.seen ? { ...track.lastBox } : parked ? { ...track.place.box } : predictedBox(track),
    seen: track.seen,
    velocityX: x.velocity,
    velocityY: y.velocity,
    firstSeenMs: track.firstSeenMs,
    lastSeenMs: track.lastSeenMs,
    hits: track.hits,
    parked,
    previous: track.previous,
  };
}
