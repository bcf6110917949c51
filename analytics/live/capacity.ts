// How many cameras this worker can analyse: measured, not guessed. At start the worker times the
// whole per-frame path (JPEG decode + detection) on a synthetic frame. Capacity = frames per second
// its sessions can do, divided by a camera's detect rate, with headroom for tracking, rules and bursts.
// (Measured once: timing real frames under load would count queueing and make capacity oscillate.)
import { performance } from 'node:perf_hooks';
import { FrameJpegDecoder, FrameJpegEncoder } from '@cityops/ingest/frame/bgr24-frame';
import type { Detector } from '../detect/detector.ts';

/** Share of the measured throughput offered as slots; the rest absorbs bursts and everything else. */
export const CAPACITY_UTILISATION = 0.7;

export function capacityFor(msPerFrame: number, sessions: number, detectFps: number): number {
  if (!(msPerFrame > 0) || !(detectFps > 0)) return 0;
  return Math.max(0, Math.floor(((sessions * 1000) / msPerFrame / detectFps) * CAPACITY_UTILISATION));
}

/** Median ms for decode + detect of one frame, over a few runs after a warm-up. */
export async function measureMsPerFrame(detector: Detector, runs = 5): Promise<number> {
  const width = detector.inputWidth;
  const height = detector.inputHeight;
  // A textured frame (not flat grey), so JPEG and NMS do realistic work.
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const jpeg = await new FrameJpegEncoder().encode({ data, width, height }, { quality: 80 });
  const decoder = new FrameJpegDecoder();
  const times: number[] = [];
  for (let run = 0; run <= runs; run++) {
    const started = performance.now();
    const frame = await decoder.decode(jpeg, width, height);
    await detector.detect(frame);
    if (run > 0) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
