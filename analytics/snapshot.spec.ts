import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from '@cityops/models/letterbox';
import { renderSnapshot } from './snapshot.ts';

/** A letterboxed 416x416 bgr24 frame from a 640x360 picture: blue picture, grey bands. */
function letterboxedBlueFrame() {
  const g = letterboxGeometry(640, 360, 416, 416);
  const data = new Uint8Array(416 * 416 * 3).fill(114);
  for (let y = g.padY; y < g.padY + g.scaledHeight; y++) {
    for (let x = 0; x < 416; x++) {
      const p = (y * 416 + x) * 3;
      data[p] = 200; // B
      data[p + 1] = 40;
      data[p + 2] = 40;
    }
  }
  return { data, width: 416, height: 416, letterboxedFrom: { width: 640, height: 360 } };
}

async function pixel(jpeg: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const p = (y * info.width + x) * info.channels;
  return [data[p], data[p + 1], data[p + 2]];
}

describe('renderSnapshot', () => {
  it('draws the box in red on the picture, cropped back from the letterbox, as a JPEG', async () => {
    const jpeg = await renderSnapshot(letterboxedBlueFrame(), [{ box: { x1: 0.25, y1: 0.25, x2: 0.75, y2: 0.75 }, label: 'car #7' }]);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])); // JPEG start-of-image
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height]).toEqual([416, 234]); // no grey bands
    const [r, g, b] = await pixel(jpeg, Math.round(0.25 * 416), Math.round(0.5 * 234)); // left edge of the box
    // red stroke (JPEG chroma subsampling softens it, hence the margins)
    expect(r).toBeGreaterThan(150);
    expect(r - b).toBeGreaterThan(60);
    expect(g).toBeLessThan(100);
    const inside = await pixel(jpeg, 208, 117);
    expect(inside[2]).toBeGreaterThan(150); // still blue: BGR was converted, not misread as red
    expect(inside[0]).toBeLessThan(100);
  });

  it('rejects a frame whose bytes do not match its size', async () => {
    await expect(renderSnapshot({ data: new Uint8Array(10), width: 416, height: 416 }, [])).rejects.toThrow(/needs 519168 bytes, got 10/);
  });
});
