import { describe, expect, it } from 'vitest';
import { loadManifest } from '@cityops/models/manifest';
import { Preprocessor } from './preprocess.ts';
import { FrameError } from './types.ts';

const manifest = loadManifest('yolox-nano');

describe('Preprocessor', () => {
  it('writes planar B, G, R floats 0-255 into one reused buffer', () => {
    const pre = new Preprocessor(manifest.input);
    const data = new Uint8Array(416 * 416 * 3);
    data[0] = 10; // B of pixel 0
    data[1] = 20; // G
    data[2] = 30; // R
    const buffer = pre.input;
    pre.prepare({ data, width: 416, height: 416, letterboxedFrom: { width: 640, height: 360 } });
    expect(pre.input).toBe(buffer);
    const plane = 416 * 416;
    expect([pre.input[0], pre.input[plane], pre.input[2 * plane]]).toEqual([10, 20, 30]);
  });

  it('letterboxes an arbitrary frame itself, padding with grey 114', () => {
    const pre = new Preprocessor(manifest.input);
    const data = new Uint8Array(640 * 360 * 3).fill(200);
    const geometry = pre.prepare({ data, width: 640, height: 360 });
    expect(geometry.padY).toBe(91);
    expect(pre.input[0]).toBe(114); // top padding row
    expect(pre.input[200 * 416 + 200]).toBeCloseTo(200); // inside the picture
  });

  it('rejects a frame whose byte length does not match its size', () => {
    const pre = new Preprocessor(manifest.input);
    expect(() => pre.prepare({ data: new Uint8Array(416 * 234 * 3), width: 416, height: 416, letterboxedFrom: { width: 640, height: 360 } })).toThrow(
      new FrameError('frame of the wrong size: 416x416 bgr24 needs 519168 bytes, got 292032'),
    );
  });

  it('rejects a letterboxed frame that is not the model size', () => {
    const pre = new Preprocessor(manifest.input);
    expect(() => pre.prepare({ data: new Uint8Array(320 * 320 * 3), width: 320, height: 320, letterboxedFrom: { width: 640, height: 360 } })).toThrow(
      /letterboxed frame is 320x320 but the model input is 416x416/,
    );
  });
});
