// bgr24 frames ⇄ JPEG with sharp (libvips, off the event loop). The pipeline speaks bgr24 (what ffmpeg
// gives and YOLOX wants); sharp speaks RGB, so the two channels are swapped on the way, into buffers
// the caller owns and reuses frame after frame.
import sharp from 'sharp';
import type { RawFrame } from '../detect/types.ts';
import { AppError } from '@cityops/core/errors';

/** Copies `source` into `target` swapping the first and third byte of every pixel (BGR ⇄ RGB). */
export function swapRedBlue(source: Uint8Array, target: Uint8Array): void {
  const length = source.length - (source.length % 3);
  for (let i = 0; i < length; i += 3) {
    target[i] = source[i + 2];
    target[i + 1] = source[i + 1];
    target[i + 2] = source[i];
  }
}

export class FrameJpegEncoder {
  private rgb = new Uint8Array(0);

  constructor(private readonly quality = 80) {}

  /** Not re-entrant per instance: callers keep one encoder per camera and drop frames while it works. */
  async encode(frame: RawFrame): Promise<Buffer> {
    const bytes = frame.width * frame.height * 3;
    if (frame.data.length < bytes) throw new RangeError(`frame has ${frame.data.length} bytes, ${frame.width}x${frame.height} bgr24 needs ${bytes}`);
    if (this.rgb.length !== bytes) this.rgb = new Uint8Array(bytes);
    swapRedBlue(frame.data.subarray(0, bytes), this.rgb);
    return sharp(this.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .jpeg({ quality: this.quality, mozjpeg: false })
      .toBuffer();
  }
}

export class FrameJpegDecoder {
  private bgr = new Uint8Array(0);

  /**
   * Decodes to bgr24 at `width`x`height` (resizing only if the JPEG is another size). The returned
   * frame's data is this decoder's buffer: valid until the next decode.
   */
  async decode(jpeg: Buffer, width: number, height: number): Promise<RawFrame> {
    // A camera can send greyscale or another size: always 3 channels at the size the model expects.
    const { data: rgb, info } = await sharp(jpeg, { failOn: 'error' })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new AppError('frame_invalid', `decoded JPEG has ${info.channels} channels, expected 3`);
    const bytes = width * height * 3;
    if (this.bgr.length !== bytes) this.bgr = new Uint8Array(bytes);
    swapRedBlue(rgb, this.bgr);
    return { data: this.bgr, width, height };
  }
}
