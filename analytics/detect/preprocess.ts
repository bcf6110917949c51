// Raw bgr24 frame → the model's NCHW float input, written into one Float32Array owned by the caller
// (one per session slot) so the frame loop allocates nothing per frame or per pixel.
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { letterboxGeometry, type LetterboxGeometry } from '@cityops/models/letterbox';
import type { InputGeometry, ModelManifest } from '@cityops/models/manifest';
import { FrameError } from './types.ts';

export class Preprocessor {
  readonly width: number;
  readonly height: number;
  readonly input: Float32Array;
  /** Byte offset inside a B,G,R pixel of the value that goes into output channel 0, 1, 2. */
  private readonly channelOffsets: [number, number, number];
  private readonly factor: number;
  private readonly padValue: number;
  // Resize tables for arbitrary-size frames, rebuilt only when the source size changes.
  private resizeKey = '';
  private columnLeft = new Int32Array(0);
  private columnRight = new Int32Array(0);
  private columnWeight = new Float32Array(0);
  private rowTop = new Int32Array(0);
  private rowBottom = new Int32Array(0);
  private rowWeight = new Float32Array(0);
  private paddedFor = '';

  /** `size`: the geometry the model runs at (its exported shape unless a camera asks for another size). */
  constructor(input: ModelManifest['input'], size: InputGeometry = { width: input.shape[3], height: input.shape[2], padValue: input.padValue }) {
    const { width, height } = size;
    this.width = width;
    this.height = height;
    this.input = new Float32Array(3 * width * height);
    this.channelOffsets = input.colourOrder === 'BGR' ? [0, 1, 2] : [2, 1, 0];
    this.factor = input.normalisation === 'unit' ? 1 / 255 : 1;
    this.padValue = input.padValue;
  }

  /**
   * Fills `this.input` from the frame and returns the letterbox geometry needed to map boxes back.
   * A frame already letterboxed to the model size (ffmpeg did it) is copied; any other size is
   * letterboxed here with bilinear sampling.
   */
  prepare(frame: RawFrame): LetterboxGeometry {
    const expected = frame.width * frame.height * 3;
    if (!Number.isInteger(frame.width) || !Number.isInteger(frame.height) || frame.width <= 0 || frame.height <= 0) {
      throw new FrameError(`frame size ${frame.width}x${frame.height} is not a picture size`);
    }
    if (frame.data.length !== expected) {
      throw new FrameError(
        `frame of the wrong size: ${frame.width}x${frame.height} bgr24 needs ${expected} bytes, got ${frame.data.length}`,
      );
    }
    if (frame.letterboxedFrom) {
      if (frame.width !== this.width || frame.height !== this.height) {
        throw new FrameError(
          `letterboxed frame is ${frame.width}x${frame.height} but the model input is ${this.width}x${this.height}`,
        );
      }
      this.copyExact(frame.data);
      return letterboxGeometry(frame.letterboxedFrom.width, frame.letterboxedFrom.height, this.width, this.height);
    }
    const geometry = letterboxGeometry(frame.width, frame.height, this.width, this.height);
    if (frame.width === this.width && frame.height === this.height) this.copyExact(frame.data);
    else this.resizeInto(frame, geometry);
    return geometry;
  }

  private copyExact(data: Uint8Array): void {
    const plane = this.width * this.height;
    const out = this.input;
    const [o0, o1, o2] = this.channelOffsets;
    const factor = this.factor;
    const plane2 = plane * 2;
    for (let i = 0, p = 0; i < plane; i++, p += 3) {
      out[i] = data[p + o0] * factor;
      out[plane + i] = data[p + o1] * factor;
      out[plane2 + i] = data[p + o2] * factor;
    }
    this.paddedFor = '';
  }

  private resizeInto(frame: RawFrame, geometry: LetterboxGeometry): void {
    const key = `${frame.width}x${frame.height}`;
    if (key !== this.resizeKey) this.buildTables(frame.width, frame.height, geometry);
    if (this.paddedFor !== key) {
      this.input.fill(this.padValue * this.factor);
      this.paddedFor = key;
    }
    const out = this.input;
    const data = frame.data;
    const plane = this.width * this.height;
    const [o0, o1, o2] = this.channelOffsets;
    const factor = this.factor;
    const rowBytes = frame.width * 3;
    const { scaledWidth, scaledHeight, padX, padY } = geometry;
    const left = this.columnLeft;
    const right = this.columnRight;
    const wx = this.columnWeight;
    for (let y = 0; y < scaledHeight; y++) {
      const top = this.rowTop[y] * rowBytes;
      const bottom = this.rowBottom[y] * rowBytes;
      const wy = this.rowWeight[y];
      let i = (y + padY) * this.width + padX;
      for (let x = 0; x < scaledWidth; x++, i++) {
        const l = left[x];
        const r = right[x];
        const w = wx[x];
        // bilinear: mix left/right on both rows, then top/bottom
        for (let c = 0; c < 3; c++) {
          const offset = c === 0 ? o0 : c === 1 ? o1 : o2;
          const t = data[top + l + offset] + (data[top + r + offset] - data[top + l + offset]) * w;
          const b = data[bottom + l + offset] + (data[bottom + r + offset] - data[bottom + l + offset]) * w;
          out[c * plane + i] = (t + (b - t) * wy) * factor;
        }
      }
    }
  }

  private buildTables(sourceWidth: number, sourceHeight: number, geometry: LetterboxGeometry): void {
    const columns = geometry.scaledWidth;
    const rows = geometry.scaledHeight;
    this.columnLeft = new Int32Array(columns);
    this.columnRight = new Int32Array(columns);
    this.columnWeight = new Float32Array(columns);
    this.rowTop = new Int32Array(rows);
    this.rowBottom = new Int32Array(rows);
    this.rowWeight = new Float32Array(rows);
    const sx = sourceWidth / columns;
    const sy = sourceHeight / rows;
    for (let x = 0; x < columns; x++) {
      const position = Math.min(sourceWidth - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const left = Math.floor(position);
      this.columnLeft[x] = left * 3;
      this.columnRight[x] = Math.min(sourceWidth - 1, left + 1) * 3;
      this.columnWeight[x] = position - left;
    }
    for (let y = 0; y < rows; y++) {
      const position = Math.min(sourceHeight - 1, Math.max(0, (y + 0.5) * sy - 0.5));
      const top = Math.floor(position);
      this.rowTop[y] = top;
      this.rowBottom[y] = Math.min(sourceHeight - 1, top + 1);
      this.rowWeight[y] = position - top;
    }
    this.resizeKey = `${sourceWidth}x${sourceHeight}`;
  }
}
