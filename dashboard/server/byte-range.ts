// HTTP Range requests (RFC 9110 §14) for files the browser plays: a <video> asks for parts of an MP4 as it
// plays and seeks. One range only; a multi-range request is answered whole (allowed by the RFC, and no
// player asks for several).
import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';

export type ByteRange = { start: number; end: number } | 'whole' | 'unsatisfiable';

/** The inclusive byte range a Range header asks of a file of `size` bytes. */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (!header) return 'whole';
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'whole';
  if (match[1] === '') {
    // bytes=-N: the last N bytes.
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Answers a file (its type and caching headers already set) whole, or the part a Range header asks for. */
export function sendFileRange(reply: FastifyReply, rangeHeader: string | undefined, file: { path: string; bytes: number }): FastifyReply {
  const range = parseByteRange(rangeHeader, file.bytes);
  reply.header('accept-ranges', 'bytes');
  if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${file.bytes}`).send();
  if (range === 'whole') return reply.header('content-length', file.bytes).send(createReadStream(file.path));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.bytes}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(file.path, { start: range.start, end: range.end }));
}
