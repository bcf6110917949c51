import { describe, expect, it } from 'vitest';
import { letterboxGeometry, letterboxFilter, toFrameBox } from './letterbox.ts';

describe('letterbox geometry', () => {
  it('matches ffmpeg for a 16:9 picture: 416x234 centred with 91 rows of padding above', () => {
    expect(letterboxGeometry(640, 360, 416, 416)).toMatchObject({ scaledWidth: 416, scaledHeight: 234, padX: 0, padY: 91 });
    expect(letterboxFilter(416, 416)).toBe(
      'scale=416:416:force_original_aspect_ratio=decrease,format=bgr24,pad=416:416:(ow-iw)/2:(oh-ih)/2:color=0x727272',
    );
  });

  it('maps model-input boxes back to normalised frame coordinates', () => {
    const geometry = letterboxGeometry(640, 360, 416, 416);
    const box = toFrameBox(geometry, 104, 91 + 117, 208, 91 + 234);
    expect(box.x1).toBeCloseTo(0.25);
    expect(box.y1).toBeCloseTo(0.5);
    expect(box.x2).toBeCloseTo(0.5);
    expect(box.y2).toBeCloseTo(1);
  });
});
