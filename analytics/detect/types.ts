import { AppError } from '@cityops/core/errors';
import type { Box } from '@cityops/models/letterbox';
import type { CityClass } from '@cityops/models/manifest';

export type { CityClass };

export interface Detection extends Box {
  class: CityClass;
  score: number;
}

export class FrameError extends AppError {
  constructor(message: string) {
    super('frame_invalid', message);
    this.name = 'FrameError';
  }
}
