// Alert evidence: the analysed frame with the boxes that triggered the alert drawn on it, as a JPEG.
// Letterboxed frames are cropped back to the picture the camera sent, so the evidence shows no grey
// bands and the boxes (normalised frame coordinates) land where the objects are.
import sharp from 'sharp';
import { letterboxGeometry, type Box } from '@cityops/models/letterbox';
import type { RawFrame } from './detect/types.ts';

export interface SnapshotBox {
  box: Box;
  label?: string;
  /** CSS colour; red by default (the object the alert is about). */
  colour?: string;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function renderSnapshot(frame: RawFrame, boxes: SnapshotBox[], quality = 80): Promise<Buffer> {
  const expected = frame.width * frame.height * 3;
  if (frame.data.length !== expected) {
    throw new RangeError(`snapshot frame ${frame.width}x${frame.height} needs ${expected} bytes, got ${frame.data.length}`);
  }
  // sharp reads raw pixels as RGB: swap the B and R bytes of the bgr24 frame (a copy; snapshots are rare).
  const rgb = Buffer.allocUnsafe(expected);
  for (let p = 0; p < expected; p += 3) {
    rgb[p] = frame.data[p + 2];
    rgb[p + 1] = frame.data[p + 1];
    rgb[p + 2] = frame.data[p];
  }
  let image = sharp(rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  let width = frame.width;
  let height = frame.height;
  if (frame.letterboxedFrom) {
    const g = letterboxGeometry(frame.letterboxedFrom.width, frame.letterboxedFrom.height, frame.width, frame.height);
    image = sharp(await image.extract({ left: g.padX, top: g.padY, width: g.scaledWidth, height: g.scaledHeight }).raw().toBuffer(), {
      raw: { width: g.scaledWidth, height: g.scaledHeight, channels: 3 },
    });
    width = g.scaledWidth;
    height = g.scaledHeight;
  }
  const stroke = Math.max(3, Math.round(Math.min(width, height) / 120));
  const fontSize = Math.max(10, Math.round(height / 28));
  const shapes = boxes.map(({ box, label, colour = '#ff2d2d' }) => {
    const x = Math.round(box.x1 * width);
    const y = Math.round(box.y1 * height);
    const w = Math.max(1, Math.round((box.x2 - box.x1) * width));
    const h = Math.max(1, Math.round((box.y2 - box.y1) * height));
    const text = label
      ? `<text x="${x + stroke}" y="${Math.max(fontSize, y - stroke)}" font-family="sans-serif" font-size="${fontSize}" fill="${colour}">${escapeXml(label)}</text>`
      : '';
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>${text}`;
  });
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`);
  // 4:4:4 chroma: with the default 4:2:0 a thin red box on a coloured car bleeds into the car's colour.
  return image.composite([{ input: overlay, top: 0, left: 0 }]).jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
}
