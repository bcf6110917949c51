import type { Box } from '@cityops/models/letterbox';
import type { CityClass } from '@cityops/models/manifest';

export type { CityClass };

export interface Detection extends Box {
  class: CityClass;
  score: number;
}

export class FrameError extends Error {
  readonly code = 'frame_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}
