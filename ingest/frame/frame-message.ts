// Sampled frames from camera-ingest to the analytics workers, over MQTT:
//   topic   cityops/frames/{cameraId}   QoS 0, not retained (a worker that is behind drops frames:
//           the newest frame is what matters)
//   payload "CFR1" | uint16 BE header length | header (UTF-8 JSON) | JPEG bytes
//   header  { "ts": epoch ms when ingest sampled the frame, "width": 416, "height": 416 (the model input),
//             "sourceWidth"?: n, "sourceHeight"?: n }   (source size given when the picture is
//             letterboxed to the model input, so detections map back to the camera's picture)
// The header is in the payload, not in MQTT 5 user properties, because the embedded broker speaks 3.1.1.
import { z } from 'zod';
import { AppError } from '@cityops/core/errors';

const MAGIC = Buffer.from('CFR1', 'ascii');
const MAX_HEADER_BYTES = 1024;

const headerSchema = z.object({
  ts: z.number().finite().positive(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  sourceWidth: z.number().int().min(1).max(16384).optional(),
  sourceHeight: z.number().int().min(1).max(16384).optional(),
});
export type FrameHeader = z.infer<typeof headerSchema>;

export class FrameMessageError extends AppError {
  constructor(
    override readonly code: 'bad_magic' | 'bad_header' | 'not_jpeg',
    message: string,
  ) {
    super(code, message);
    this.name = 'FrameMessageError';
  }
}

export function encodeFrameMessage(header: FrameHeader, jpeg: Buffer): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(headerBytes.length);
  return Buffer.concat([MAGIC, length, headerBytes, jpeg]);
}

export function decodeFrameMessage(payload: Buffer): { header: FrameHeader; jpeg: Buffer } {
  if (payload.length < 8 || !payload.subarray(0, 4).equals(MAGIC)) throw new FrameMessageError('bad_magic', 'not a CityOps frame message (expected "CFR1")');
  const headerLength = payload.readUInt16BE(4);
  if (headerLength > MAX_HEADER_BYTES || 6 + headerLength > payload.length) throw new FrameMessageError('bad_header', `header length ${headerLength} does not fit the message`);
  let value: unknown;
  try {
    value = JSON.parse(payload.subarray(6, 6 + headerLength).toString('utf8'));
  } catch {
    throw new FrameMessageError('bad_header', 'frame header is not JSON');
  }
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrameMessageError('bad_header', `frame header ${issue.path.join('.')}: ${issue.message}`);
  }
  const jpeg = payload.subarray(6 + headerLength);
  // JPEG starts with SOI (FF D8); anything else cannot be decoded.
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new FrameMessageError('not_jpeg', 'frame payload is not a JPEG image');
  return { header: parsed.data, jpeg };
}
