// Cheap checks on each frame for a camera that delivers pictures but no useful video: frozen, black,
// or suddenly showing another scene (turned away, covered, tampered with). Each frame is reduced to a
// 32×24 grid of mean luma values over the picture (letterbox bars excluded), reading every other pixel
// of every other row: about 25 000 pixel reads per 416×234 picture, nothing allocated per frame.
//   black         mean luma < 24 and almost no contrast (covered lens, dead sensor, night without IR)
//   frozen        consecutive grids identical to within 0.15 levels (a decoder or camera stuck on one
//                 picture; real sensors always add some noise, even on an empty street at night)
//   scene_change  the grid's edges no longer match the learned scene's: correlation of the cell-to-cell
//                 luma gradients < 0.15. Measured on the shared videos (2 fps, 32×24): the traffic scene
//                 against itself with cars moving through never went below 0.29; the crowd scene against
//                 the learned traffic scene never above 0.08. Gradients ignore global brightness (dusk,
//                 clouds) and the large-scale light falloff every outdoor scene shares.
// A condition must last `holdMs` before it is reported; it ends when the picture is normal again (a
// changed scene ends when the original scene is back, or when an operator accepts the new view).
import { letterboxGeometry } from '@cityops/models/letterbox';

export const PICTURE_CONDITIONS = ['frozen', 'black', 'scene_change'] as const;
export type PictureCondition = (typeof PICTURE_CONDITIONS)[number];

export interface PictureMeasures {
  meanLuma: number;
  contrast: number;
  changeFromPrevious: number;
  sceneCorrelation: number;
}

export interface PictureConditionChange {
  condition: PictureCondition;
  active: boolean;
  sinceMs: number;
  measures: PictureMeasures;
}

const GRID_W = 32;
const GRID_H = 24;
const CELLS = GRID_W * GRID_H;
const SAMPLE_STEP = 2;
const ABSENT_FRAMES_TO_END = 3;
const BLACK_MEAN = 24;
const BLACK_CONTRAST = 6;
const FROZEN_CHANGE = 0.15;
const SCENE_CORRELATION = 0.15;
/** The original view is back when its edges match again at least this well. */
const SCENE_RESTORED_CORRELATION = 0.25;
/** The learned scene follows slow changes (shadows, parked cars) with this half-life. */
const SCENE_HALF_LIFE_MS = 120_000;

export class PictureHealth {
  private readonly grid = new Float32Array(CELLS);
  private readonly previous = new Float32Array(CELLS);
  private readonly scene = new Float32Array(CELLS);
  /** The scene before a reported change, to notice when the camera is put back. */
  private readonly originalScene = new Float32Array(CELLS);
  private hasPrevious = false;
  private hasScene = false;
  private lastTimestampMs = 0;
  private readonly since = new Map<PictureCondition, number>();
  private readonly absentFrames = new Map<PictureCondition, number>();
  private readonly active = new Set<PictureCondition>();
  lastMeasures: PictureMeasures = { meanLuma: 0, contrast: 0, changeFromPrevious: 0, sceneCorrelation: 1 };

  constructor(private readonly holdMs: number) {}

  get conditions(): PictureCondition[] {
    return [...this.active];
  }

  /** Forget the picture history (camera reconfigured, stream restarted with another size). */
  reset(): void {
    this.hasPrevious = false;
    this.since.clear();
    this.absentFrames.clear();
  }

  /** An operator accepted the new view: learn it as the scene. */
  acceptScene(): void {
    this.scene.set(this.grid);
    this.active.delete('scene_change');
    this.since.delete('scene_change');
  }

  /** Measures one bgr24 frame and returns the conditions that started or ended with it. */
  update(
    frame: Buffer,
    width: number,
    height: number,
    timestampMs: number,
    source: { width: number; height: number } | undefined,
  ): PictureConditionChange[] {
    const area = source ? letterboxGeometry(source.width, source.height, width, height) : undefined;
    this.sample(frame, width, area?.padX ?? 0, area?.padY ?? 0, area?.scaledWidth ?? width, area?.scaledHeight ?? height);
    const measures = this.measure();
    this.lastMeasures = measures;
    const elapsedMs = this.lastTimestampMs ? Math.max(0, timestampMs - this.lastTimestampMs) : 0;
    this.lastTimestampMs = timestampMs;

    const black = measures.meanLuma < BLACK_MEAN && measures.contrast < BLACK_CONTRAST;
    const frozen = !black && this.hasPrevious && measures.changeFromPrevious < FROZEN_CHANGE;
    const sceneChanged = !black && this.hasScene && measures.sceneCorrelation < SCENE_CORRELATION;
    const changes: PictureConditionChange[] = [];
    this.track('black', black, timestampMs, measures, changes);
    this.track('frozen', frozen, timestampMs, measures, changes);
    if (this.active.has('scene_change')) {
      // Reported: ends only when the original view is back.
      if (edgeCorrelation(this.grid, this.originalScene) >= SCENE_RESTORED_CORRELATION) {
        this.active.delete('scene_change');
        this.since.delete('scene_change');
        this.scene.set(this.originalScene);
        changes.push({ condition: 'scene_change', active: false, sinceMs: timestampMs, measures });
      }
    } else {
      this.track('scene_change', sceneChanged, timestampMs, measures, changes);
      if (this.active.has('scene_change')) {
        this.originalScene.set(this.scene);
        this.scene.set(this.grid); // follow the new view from now on
      }
    }

    this.previous.set(this.grid);
    this.hasPrevious = true;
    if (!black && !sceneChanged) this.learnScene(elapsedMs);
    return changes;
  }

  private track(condition: PictureCondition, present: boolean, timestampMs: number, measures: PictureMeasures, changes: PictureConditionChange[]) {
    // One or two odd frames (a transition, an encoder refresh) neither reset nor end a condition.
    const absent = present ? 0 : (this.absentFrames.get(condition) ?? 0) + 1;
    this.absentFrames.set(condition, absent);
    if (!present && absent < ABSENT_FRAMES_TO_END && this.since.has(condition)) return;
    if (present) {
      const since = this.since.get(condition) ?? timestampMs;
      this.since.set(condition, since);
      if (!this.active.has(condition) && timestampMs - since >= this.holdMs) {
        this.active.add(condition);
        changes.push({ condition, active: true, sinceMs: since, measures });
      }
    } else {
      this.since.delete(condition);
      if (this.active.has(condition)) {
        this.active.delete(condition);
        changes.push({ condition, active: false, sinceMs: timestampMs, measures });
      }
    }
  }

  private learnScene(elapsedMs: number): void {
    if (!this.hasScene) {
      this.scene.set(this.grid);
      this.hasScene = true;
      return;
    }
    const weight = 1 - Math.pow(0.5, elapsedMs / SCENE_HALF_LIFE_MS);
    for (let i = 0; i < CELLS; i++) this.scene[i] += (this.grid[i] - this.scene[i]) * weight;
  }

  /** Mean luma (BT.601 weights) of each grid cell, from every other pixel of every other row. */
  private sample(frame: Buffer, stride: number, x0: number, y0: number, areaWidth: number, areaHeight: number): void {
    const rowBytes = stride * 3;
    for (let gy = 0; gy < GRID_H; gy++) {
      const top = y0 + Math.floor((gy * areaHeight) / GRID_H);
      const bottom = y0 + Math.max(Math.floor(((gy + 1) * areaHeight) / GRID_H), top - y0 + 1);
      for (let gx = 0; gx < GRID_W; gx++) {
        const left = x0 + Math.floor((gx * areaWidth) / GRID_W);
        const right = x0 + Math.max(Math.floor(((gx + 1) * areaWidth) / GRID_W), left - x0 + 1);
        let sum = 0;
        let count = 0;
        for (let y = top; y < bottom; y += SAMPLE_STEP) {
          let index = y * rowBytes + left * 3;
          for (let x = left; x < right; x += SAMPLE_STEP, index += 3 * SAMPLE_STEP) {
            sum += 29 * frame[index] + 150 * frame[index + 1] + 77 * frame[index + 2];
            count++;
          }
        }
        this.grid[gy * GRID_W + gx] = sum / (256 * count);
      }
    }
  }

  private measure(): PictureMeasures {
    let sum = 0;
    let sumSquares = 0;
    let change = 0;
    for (let i = 0; i < CELLS; i++) {
      const value = this.grid[i];
      sum += value;
      sumSquares += value * value;
      if (this.hasPrevious) change += Math.abs(value - this.previous[i]);
    }
    const mean = sum / CELLS;
    return {
      meanLuma: mean,
      contrast: Math.sqrt(Math.max(0, sumSquares / CELLS - mean * mean)),
      changeFromPrevious: this.hasPrevious ? change / CELLS : Number.POSITIVE_INFINITY,
      sceneCorrelation: this.hasScene ? edgeCorrelation(this.grid, this.scene) : 1,
    };
  }
}

/**
 * Pearson correlation of the horizontal and vertical cell-to-cell differences of two grids: 1 same
 * edges, about 0 unrelated pictures. A flat grid (no edges) only matches another flat one.
 */
function edgeCorrelation(a: Float32Array, b: Float32Array): number {
  let sumA = 0;
  let sumB = 0;
  let sumAB = 0;
  let sumAA = 0;
  let sumBB = 0;
  let count = 0;
  const add = (da: number, db: number) => {
    sumA += da;
    sumB += db;
    sumAB += da * db;
    sumAA += da * da;
    sumBB += db * db;
    count++;
  };
  for (let y = 0; y < GRID_H; y++) {
    for (let x = 0; x < GRID_W; x++) {
      const i = y * GRID_W + x;
      if (x + 1 < GRID_W) add(a[i + 1] - a[i], b[i + 1] - b[i]);
      if (y + 1 < GRID_H) add(a[i + GRID_W] - a[i], b[i + GRID_W] - b[i]);
    }
  }
  const covariance = sumAB - (sumA * sumB) / count;
  const varianceA = sumAA - (sumA * sumA) / count;
  const varianceB = sumBB - (sumB * sumB) / count;
  if (varianceA < 1e-6 || varianceB < 1e-6) return varianceA < 1e-6 && varianceB < 1e-6 ? 1 : 0;
  return covariance / Math.sqrt(varianceA * varianceB);
}
