import { describe, expect, it } from 'vitest';
import { swapRedBlue } from './bgr24-frame.ts';

/** The definition, one byte at a time. */
function swappedByBytes(source: Uint8Array): Uint8Array {
  const target = new Uint8Array(source.length);
  for (let i = 0; i + 2 < source.length; i += 3) {
    target[i] = source[i + 2];
    target[i + 1] = source[i + 1];
    target[i + 2] = source[i];
  }
  return target;
}

function pixels(bytes: number, seed: number): Uint8Array {
  const data = new Uint8Array(bytes);
  let value = seed;
  for (let i = 0; i < bytes; i++) data[i] = value = (value * 1103515245 + 12345) & 0xff;
  return data;
}

describe('swapRedBlue', () => {
  it('swaps the first and third byte of every pixel, whole frames and odd pixel counts alike', () => {
    for (const bytes of [0, 3, 9, 12, 15, 24, 33, 416 * 416 * 3, 7 * 5 * 3]) {
      const source = pixels(bytes, bytes + 1);
      const target = new Uint8Array(bytes);
      swapRedBlue(source, target);
      expect(target, `${bytes} bytes`).toEqual(swappedByBytes(source));
    }
  });

  it('gives the same bytes for buffers that do not start on a 4-byte boundary', () => {
    const backing = pixels(4 + 36 * 3, 7);
    const source = backing.subarray(1, 1 + 36 * 3);
    const target = new Uint8Array(4 + 36 * 3).subarray(2, 2 + 36 * 3);
    swapRedBlue(source, target);
    expect(target).toEqual(swappedByBytes(source));
  });

  it('is its own inverse and leaves a trailing partial pixel alone', () => {
    const source = pixels(12 * 3 + 2, 3);
    const once = new Uint8Array(source.length);
    const twice = new Uint8Array(source.length);
    swapRedBlue(source, once);
    swapRedBlue(once, twice);
    expect(twice.subarray(0, 36)).toEqual(source.subarray(0, 36));
    expect([...once.subarray(36)]).toEqual([0, 0]);
  });
});
