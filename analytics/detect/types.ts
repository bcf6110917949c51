import { AppError } from '@cityops/core/errors';
import type { CityClass } from '@cityops/models/manifest';

export type { CityClass };

/** Box corners in normalised frame coordinates: 0..1, x right, y down, letterbox already undone. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Detection extends Box {
  class: CityClass;
  score: number;
}

/**
 * A decoded picture, bgr24 (3 bytes per pixel, B G R, rows top to bottom, no row padding): what
 * ffmpeg gives with `-pix_fmt bgr24 -f rawvideo`.
 */
export interface RawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  /**
   * Set when ffmpeg already scaled and letterboxed the picture to the model size (the camera and file
   * pipelines do this with `letterboxFilter`): the original picture size, needed to undo the letterbox.
   */
  letterboxedFrom?: { width: number; height: number };
}

export class FrameError extends AppError {
  constructor(message: string) {
    super('frame_invalid', message);
    this.name = 'FrameError';
  }
}
