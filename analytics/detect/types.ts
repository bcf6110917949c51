import type { Box } from '@cityops/models/letterbox';
import type { CityClass } from '@cityops/models/manifest';

export type { CityClass };

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

export class FrameError extends Error {
  readonly code = 'frame_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}
