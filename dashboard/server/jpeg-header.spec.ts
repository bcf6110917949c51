import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { plainJpegSize } from './jpeg-header.ts';

const picture = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: '#3a6' } });

describe('plainJpegSize', () => {
  it('reads the size sharp reads, baseline and progressive, with an ICC profile before the frame', async () => {
    for (const jpeg of [
      await picture(1600, 900).jpeg().toBuffer(),
      await picture(37, 1201).jpeg({ progressive: true }).toBuffer(),
      await picture(640, 480).withIccProfile('srgb').jpeg().toBuffer(),
    ]) {
      const { width, height } = await sharp(jpeg).metadata();
      expect(plainJpegSize(jpeg)).toEqual({ width, height });
    }
  });

  it('leaves to sharp a JPEG with EXIF (it may turn the picture), other formats and broken headers', async () => {
    const turned = await picture(400, 300).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect((await sharp(turned).metadata()).orientation).toBe(6);
    expect(plainJpegSize(turned)).toBeUndefined();
    expect(plainJpegSize(await picture(40, 30).png().toBuffer())).toBeUndefined();
    const jpeg = await picture(400, 300).jpeg().toBuffer();
    expect(plainJpegSize(jpeg.subarray(0, 30))).toBeUndefined(); // cut before its frame header
    expect(plainJpegSize(Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0x12, 0x34]), jpeg.subarray(2)]))).toBeUndefined(); // not a marker
    expect(plainJpegSize(Buffer.alloc(0))).toBeUndefined();
  });
});
