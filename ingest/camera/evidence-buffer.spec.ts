import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EvidenceBuffer } from './evidence-buffer.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function bufferWith(segments: Array<{ startSeconds: number; bytes: number }>, options: { keepSeconds: number; maxBytes: number }) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'cityops-buffer-spec-'));
  dirs.push(root);
  const buffer = new EvidenceBuffer({ rootDir: root, keepSeconds: options.keepSeconds, maxBytesPerCamera: options.maxBytes, segmentSeconds: 2 });
  const pattern = buffer.patternFor('..', 'run1');
  for (const segment of segments) {
    const file = pattern.replace('%s', String(segment.startSeconds));
    writeFileSync(file, Buffer.alloc(segment.bytes));
    utimesSync(file, segment.startSeconds + 2, segment.startSeconds + 2);
  }
  return buffer;
}

describe('evidence buffer', () => {
  it('keeps every camera inside its root, even one called ".."', () => {
    const buffer = bufferWith([{ startSeconds: 1000, bytes: 10 }], { keepSeconds: 60, maxBytes: 1e9 });
    expect(path.dirname(buffer.cameraDir('..'))).toBe(buffer.options.rootDir);
    expect(buffer.segments('..')).toHaveLength(1);
  });

  it('deletes segments older than the buffer (plus a margin), never the newest', () => {
    const now = 10_000;
    const buffer = bufferWith(
      Array.from({ length: 60 }, (_, i) => ({ startSeconds: now - 120 + i * 2, bytes: 100 })),
      { keepSeconds: 60, maxBytes: 1e9 },
    );
    const { deleted } = buffer.prune('..', now * 1000);
    const left = buffer.segments('..');
    // Kept: segments ending within the last 75 s (60 s + 15 s margin).
    expect(left.every((segment) => segment.endMs >= (now - 75) * 1000)).toBe(true);
    expect(deleted + left.length).toBe(60);
  });

  it('caps the bytes per camera, oldest first', () => {
    const now = 10_000;
    const buffer = bufferWith(
      Array.from({ length: 10 }, (_, i) => ({ startSeconds: now - 20 + i * 2, bytes: 1000 })),
      { keepSeconds: 600, maxBytes: 3500 },
    );
    const { bytes } = buffer.prune('..', now * 1000);
    expect(bytes).toBeLessThanOrEqual(3500);
    expect(buffer.segments('..').map((segment) => segment.startMs / 1000)).toEqual([now - 6, now - 4, now - 2]);
  });
});
