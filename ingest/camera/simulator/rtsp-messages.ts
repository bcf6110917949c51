// RTSP 1.0 framing (RFC 2326) on one TCP connection: text requests and responses, with RTP/RTCP
// packets interleaved between them as `$`, channel, 16-bit length, packet (§10.12).
import { AppError } from '@cityops/core/errors';

export interface RtspRequest {
  method: string;
  url: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

export type RtspChunk = { kind: 'request'; request: RtspRequest } | { kind: 'interleaved'; channel: number; packet: Buffer };

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 64 * 1024;

export class RtspProtocolError extends AppError {
  constructor(message: string) {
    super('rtsp_protocol', message);
    this.name = 'RtspProtocolError';
  }
}

/** Splits a byte stream into requests and interleaved packets. Throws RtspProtocolError on garbage. */
export class RtspReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(data: Buffer): RtspChunk[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    const chunks: RtspChunk[] = [];
    for (;;) {
      if (this.buffer.length === 0) break;
      if (this.buffer[0] === 0x24) {
        if (this.buffer.length < 4) break;
        const length = this.buffer.readUInt16BE(2);
        if (this.buffer.length < 4 + length) break;
        chunks.push({ kind: 'interleaved', channel: this.buffer[1], packet: this.buffer.subarray(4, 4 + length) });
        this.buffer = this.buffer.subarray(4 + length);
        continue;
      }
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES) throw new RtspProtocolError('request header too long');
        break;
      }
      const lines = this.buffer.subarray(0, headerEnd).toString('latin1').split('\r\n');
      const match = /^([A-Z_]+) (\S+) RTSP\/1\.0$/.exec(lines[0]);
      if (!match) throw new RtspProtocolError(`not an RTSP request line: ${JSON.stringify(lines[0].slice(0, 80))}`);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const bodyLength = Number(headers['content-length'] ?? 0);
      if (!Number.isInteger(bodyLength) || bodyLength < 0 || bodyLength > MAX_BODY_BYTES) {
        throw new RtspProtocolError('bad Content-Length');
      }
      if (this.buffer.length < headerEnd + 4 + bodyLength) break;
      const body = Buffer.from(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + bodyLength));
      this.buffer = this.buffer.subarray(headerEnd + 4 + bodyLength);
      chunks.push({ kind: 'request', request: { method: match[1], url: match[2], headers, body } });
    }
    // Keep only the unread tail so a long session does not pin the first chunk it ever received.
    if (this.buffer.length && this.buffer.byteOffset > 0) this.buffer = Buffer.from(this.buffer);
    return chunks;
  }
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid In This State',
  461: 'Unsupported Transport',
  503: 'Service Unavailable',
};

export function formatResponse(status: number, cseq: string | undefined, headers: Record<string, string> = {}, body?: string): Buffer {
  const lines = [`RTSP/1.0 ${status} ${REASONS[status] ?? 'Error'}`];
  if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
  lines.push('Server: CityOps camera simulator');
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const bodyBytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
  if (bodyBytes) lines.push(`Content-Length: ${bodyBytes.length}`);
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return bodyBytes ? Buffer.concat([head, bodyBytes]) : head;
}

export function interleavedHeader(channel: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(4);
  header[0] = 0x24;
  header[1] = channel;
  header.writeUInt16BE(length, 2);
  return header;
}

/** `interleaved=a-b` of a Transport header, or undefined. */
export function interleavedChannels(transport: string): [number, number] | undefined {
  const match = /interleaved=(\d+)(?:-(\d+))?/.exec(transport);
  if (!match) return undefined;
  const rtp = Number(match[1]);
  return [rtp, match[2] === undefined ? rtp + 1 : Number(match[2])];
}
