// Each camera's rolling buffer of its last minute or so: MPEG-TS segments written by the camera's own
// ffmpeg as a stream copy (no re-encoding), named by the wall-clock second they start at. Pruned to the
// configured age and a byte cap per camera, oldest first, so disk use per camera is bounded.
import { mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';

export interface Segment {
  file: string;
  startMs: number;
  /** Last write; for the segment still being written, about now. */
  endMs: number;
  bytes: number;
}

export interface EvidenceBufferOptions {
  rootDir: string;
  keepSeconds: number;
  maxBytesPerCamera: number;
  segmentSeconds: number;
}

/** Extra time kept beyond `keepSeconds`, so a clip asked for at the edge still finds its start. */
const MARGIN_MS = 15_000;

export class EvidenceBuffer {
  constructor(readonly options: EvidenceBufferOptions) {}

  /** ids may be "." or ".."; the prefix keeps every camera inside the root. */
  cameraDir(cameraId: string): string {
    return path.join(this.options.rootDir, `camera-${cameraId}`);
  }

  /** strftime pattern for one ffmpeg run of a camera (%s: epoch seconds at segment start). */
  patternFor(cameraId: string, runId: string): string {
    const dir = this.cameraDir(cameraId);
    mkdirSync(dir, { recursive: true });
    return path.join(dir, `${runId}-%s.ts`);
  }

  segments(cameraId: string): Segment[] {
    const dir = this.cameraDir(cameraId);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const segments: Segment[] = [];
    for (const name of names) {
      const match = /^[a-z0-9]+-(\d+)\.ts$/.exec(name);
      if (!match) continue;
      const file = path.join(dir, name);
      try {
        const stat = statSync(file);
        segments.push({ file, startMs: Number(match[1]) * 1000, endMs: stat.mtimeMs, bytes: stat.size });
      } catch {
        // deleted meanwhile
      }
    }
    return segments.sort((a, b) => a.startMs - b.startMs || a.file.localeCompare(b.file));
  }

  /** Deletes what is too old or over the cap (never the newest segment, ffmpeg may be writing it). */
  prune(cameraId: string, nowMs = Date.now()): { bytes: number; deleted: number } {
    const segments = this.segments(cameraId);
    let total = segments.reduce((sum, segment) => sum + segment.bytes, 0);
    let deleted = 0;
    const oldestKeptEndMs = nowMs - this.options.keepSeconds * 1000 - MARGIN_MS;
    for (const segment of segments.slice(0, -1)) {
      if (segment.endMs >= oldestKeptEndMs && total <= this.options.maxBytesPerCamera) break;
      try {
        unlinkSync(segment.file);
      } catch {
        // already gone
      }
      total -= segment.bytes;
      deleted++;
    }
    return { bytes: total, deleted };
  }

  /**
   * Deletes every segment, the one ffmpeg writes now included (it goes on into a file nobody can open,
   * freed when it closes it): a private camera whose owner does not share evidence clips now keeps no
   * recording. The folder stays, for ffmpeg's next segment.
   */
  discard(cameraId: string): { bytes: number; deleted: number } {
    let deleted = 0;
    for (const segment of this.segments(cameraId)) {
      try {
        unlinkSync(segment.file);
        deleted++;
      } catch {
        // already gone
      }
    }
    return { bytes: 0, deleted };
  }

  bytes(cameraId: string): number {
    return this.segments(cameraId).reduce((sum, segment) => sum + segment.bytes, 0);
  }

  /** The camera moved to another worker (or was deleted): its buffer here is of no more use. */
  removeCamera(cameraId: string): void {
    rmSync(this.cameraDir(cameraId), { recursive: true, force: true });
  }
}
