// Cheap tier motion score: how much a camera's picture changes between consecutive sampled frames.
// Every enabled camera gets this, so it must cost almost nothing: the frame camera-ingest already
// decoded (416x416 bgr24, letterboxed) is reduced to a grid of 8x8-pixel block means of luma,
// sampling every other pixel, and compared with the previous grid. Averaging blocks first keeps
// sensor noise and compression flicker from reading as motion.
//
// Score: mean absolute difference of block luma, 0-255. A still street at night scores well under 1;
// moving traffic a few units and more (calibrated on the shared videos, see tests/slots).
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { letterboxGeometry } from '@cityops/models/letterbox';

export const MOTION_CELL_PIXELS = 8;

/** Per camera: the previous grid and a scratch grid, reused frame after frame. */
export class MotionMeter {
  private previous: Uint8Array = new Uint8Array(0);
  private current: Uint8Array = new Uint8Array(0);
  private hasPrevious = false;
  private layoutKey = '';

  /** The score against the previous frame, or undefined for the first frame (or after a size change). */
  measure(frame: RawFrame): number | undefined {
    const area = contentArea(frame);
    const columns = Math.floor(area.width / MOTION_CELL_PIXELS);
    const rows = Math.floor(area.height / MOTION_CELL_PIXELS);
    if (columns === 0 || rows === 0) return undefined;
    const key = `${frame.width}x${frame.height}:${area.x},${area.y},${columns}x${rows}`;
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.previous = new Uint8Array(columns * rows);
      this.current = new Uint8Array(columns * rows);
      this.hasPrevious = false;
    }
    lumaGrid(frame, area.x, area.y, columns, rows, this.current);
    let score: number | undefined;
    if (this.hasPrevious) score = meanAbsoluteDifference(this.previous, this.current);
    const swap = this.previous;
    this.previous = this.current;
    this.current = swap;
    this.hasPrevious = true;
    return score;
  }

  reset(): void {
    this.hasPrevious = false;
  }
}

/** The picture inside the letterbox padding (padding never changes and would dilute the score). */
function contentArea(frame: RawFrame): { x: number; y: number; width: number; height: number } {
  if (!frame.letterboxedFrom) return { x: 0, y: 0, width: frame.width, height: frame.height };
  const geometry = letterboxGeometry(frame.letterboxedFrom.width, frame.letterboxedFrom.height, frame.width, frame.height);
  return { x: geometry.padX, y: geometry.padY, width: geometry.scaledWidth, height: geometry.scaledHeight };
}

/**
 * Fills `out` (columns x rows) with the mean luma of each cell, from every other pixel of every
 * other row of the cell. Luma from bgr24 with the BT.601 weights in 8-bit fixed point.
 */
export function lumaGrid(frame: RawFrame, x0: number, y0: number, columns: number, rows: number, out: Uint8Array): void {
  const { data, width } = frame;
  const stride = width * 3;
  const cell = MOTION_CELL_PIXELS;
  const samples = (cell / 2) * (cell / 2);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      let sum = 0;
      const top = y0 + row * cell;
      const left = x0 + column * cell;
      for (let y = top; y < top + cell; y += 2) {
        let offset = y * stride + left * 3;
        for (let x = 0; x < cell; x += 2) {
          // Y ≈ 0.114 B + 0.587 G + 0.299 R  →  (29 B + 150 G + 77 R) / 256
          sum += 29 * data[offset] + 150 * data[offset + 1] + 77 * data[offset + 2];
          offset += 6;
        }
      }
      out[row * columns + column] = (sum / samples) >> 8;
    }
  }
}

export function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i] - b[i]);
  return a.length ? total / a.length : 0;
}

/**
 * What one camera's frames said since the last report: the mean score (what the scheduler ranks by),
 * the peak, and when the last frame came.
 */
export class MotionAccumulator {
  private sum = 0;
  private count = 0;
  private peak = 0;
  frames = 0;
  lastFrameAtMs = 0;

  add(score: number | undefined, atMs: number): void {
    this.frames++;
    this.lastFrameAtMs = atMs;
    if (score === undefined) return;
    this.sum += score;
    this.count++;
    if (score > this.peak) this.peak = score;
  }

  /** The report for the interval, then starts a new interval; undefined when no frame came. */
  take(): { motionScore: number; motionPeak: number; frames: number; lastFrameAtMs: number } | undefined {
    if (this.frames === 0) return undefined;
    const report = { motionScore: this.count ? this.sum / this.count : 0, motionPeak: this.peak, frames: this.frames, lastFrameAtMs: this.lastFrameAtMs };
    this.sum = 0;
    this.count = 0;
    this.peak = 0;
    this.frames = 0;
    return report;
  }
}
