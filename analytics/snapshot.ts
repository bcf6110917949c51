// Alert evidence: the analysed frame with the boxes that triggered the alert drawn on it, as a JPEG.
// Letterboxed frames are cropped back to the picture the camera sent, so the evidence shows no grey
// bands and the boxes (normalised frame coordinates) land where the objects are.
import { encodeJpeg, type RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import type { Box } from '@cityops/models/letterbox';

export interface SnapshotBox {
  box: Box;
  label?: string;
  /** CSS colour; red by default (the object the alert is about). */
  colour?: string;
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderSnapshot(frame: RawFrame, boxes: SnapshotBox[], quality = 80): Promise<Buffer> {
  // The encoder copies the frame before its first await: the caller may reuse the buffer at once.
  return encodeJpeg(frame, {
    quality,
    cropLetterbox: true,
    // 4:4:4 chroma: with the default 4:2:0 a thin red box on a coloured car bleeds into the car's colour.
    chromaSubsampling: '4:4:4',
    overlay: (width, height) => boxesSvg(boxes, width, height),
  });
}

function boxesSvg(boxes: SnapshotBox[], width: number, height: number): Buffer {
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
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`);
}
