// One camera's pipeline against the simulator: real RTSP over TCP, real ffmpeg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraPipeline, CameraPipelineOptions, CameraStatus } from '../../ingest/camera/pipeline.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { ffmpegProcesses, startSimulator, testPipeline, waitFor } from './support.ts';

let simulator: CameraSimulator;
const pipelines: CameraPipeline[] = [];

beforeAll(async () => {
  simulator = await startSimulator([
    { id: 'cam-rate', scene: 'traffic' },
    { id: 'cam-slow', scene: 'people' },
    { id: 'cam-cut', scene: 'traffic' },
  ]);
});

afterAll(async () => {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  await simulator?.stop();
});

function pipelineFor(cameraId: string, options: Partial<CameraPipelineOptions> = {}): CameraPipeline {
  return testPipeline(pipelines, cameraId, simulator.url(cameraId), options);
}

describe('camera pipeline', () => {
  it('delivers 416x416 letterboxed bgr24 frames at the camera detect rate', async () => {
    const arrivals: number[] = [];
    // What the consumer saw, copied (the buffer is reused) and checked outside the callback: FrameReader
    // catches a consumer's exceptions, so an expect() inside onFrame could never fail the test.
    const seen: Array<{ cameraId: string; width: number; height: number; bytes: number; picture: Buffer; letterboxedFrom?: { width: number; height: number } }> = [];
    const pipeline = pipelineFor('cam-rate', {
      detectFps: 2,
      consumer: {
        onFrame(cameraId, frame, width, height, timestampMs, letterboxedFrom) {
          arrivals.push(timestampMs);
          if (seen.length < 3) seen.push({ cameraId, width, height, bytes: frame.length, picture: Buffer.from(frame), letterboxedFrom });
        },
      },
    });
    await pipeline.start();
    await waitFor('first frame', () => arrivals.length > 0, 20_000);
    const start = arrivals.length;
    // 12 more frames (6 s at 2 fps): the rate is read from their arrival times, so a loaded machine only
    // makes the wait longer; a wrong detect rate still shows in the figure.
    await waitFor('12 more frames', () => arrivals.length >= start + 12, 30_000);
    expect(seen.length).toBeGreaterThan(0);
    const row = (picture: Buffer, y: number) => picture.subarray(y * 416 * 3, (y + 1) * 416 * 3);
    const grey = (picture: Buffer, y: number) => row(picture, y).every((value) => value === 114);
    const detailed = (picture: Buffer, y: number) => new Set(row(picture, y)).size > 10;
    for (const frame of seen) {
      expect(frame).toMatchObject({ cameraId: 'cam-rate', width: 416, height: 416, bytes: 416 * 416 * 3, letterboxedFrom: { width: 640, height: 360 } });
      // 640x360 → 416x234 centred: rows 0..90 and 325..415 are the grey bars (114), rows 91..324 picture.
      // The exact edges: a frame of another size read as 416x416 shifts them (and a blank frame has none).
      const edges = [grey(frame.picture, 0), grey(frame.picture, 90), detailed(frame.picture, 91), detailed(frame.picture, 208), detailed(frame.picture, 324), grey(frame.picture, 325), grey(frame.picture, 415)];
      expect(edges).toEqual([true, true, true, true, true, true, true]);
    }
    expect(pipeline.frameCounters().consumerErrors).toBe(0);
    const window = arrivals.slice(start - 1);
    const rate = (window.length - 1) / ((window[window.length - 1] - window[0]) / 1000);
    expect(rate).toBeGreaterThan(1.6);
    expect(rate).toBeLessThan(2.5);
    expect(pipeline.status()).toMatchObject({ state: 'online', codec: 'h264', width: 640, height: 360, framesDropped: 0, restarts: 0 });
  });

  it('drops stale frames when analytics is slower than the camera, reusing the same three buffers', async () => {
    const buffers = new Set<Buffer>();
    let delivered = 0;
    const pipeline = pipelineFor('cam-slow', {
      detectFps: 4,
      consumer: {
        async onFrame(_cameraId, frame) {
          buffers.add(frame);
          delivered++;
          await new Promise((resolve) => setTimeout(resolve, 1500));
        },
      },
    });
    await pipeline.start();
    await waitFor('first frame', () => delivered > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 7000));
    const status = pipeline.status();
    expect(status.framesDropped).toBeGreaterThan(10);
    expect(status.framesDelivered).toBeLessThan(status.framesReceived / 2);
    expect(status.framesDelivered + status.framesDropped).toBeLessThanOrEqual(status.framesReceived);
    expect(buffers.size).toBeLessThanOrEqual(3);
    // Analytics being slow is not the camera's fault: it stays online.
    expect(status.state).toBe('online');
  });

  it('notices a cut stream within 10 s and recovers within 15 s of the source returning', async () => {
    const states: Array<{ at: number; status: CameraStatus }> = [];
    const pipeline = pipelineFor('cam-cut', { onStatus: (status) => states.push({ at: Date.now(), status }) });
    await pipeline.start();
    await waitFor('online', () => pipeline.status().state === 'online', 20_000);

    const cutAt = Date.now();
    await simulator.fault('cam-cut', 'stop');
    const offline = await waitFor('offline', () => states.find((entry) => entry.at >= cutAt && entry.status.state === 'offline'), 12_000);
    expect(offline.at - cutAt).toBeLessThan(10_000);
    expect(offline.status.reason).toMatch(/stalled|timeout|exited/);

    await new Promise((resolve) => setTimeout(resolve, 6000));
    const backAt = Date.now();
    await simulator.fault('cam-cut', 'resume');
    const online = await waitFor('online again', () => states.find((entry) => entry.at >= backAt && entry.status.state === 'online'), 16_000);
    expect(online.at - backAt).toBeLessThan(15_000);
    expect(pipeline.status().restarts).toBeGreaterThanOrEqual(1);
  });

  it('runs each ffmpeg in its own process group and leaves none behind on stop', async () => {
    const marker = `:${simulator.port}/cam-`; // viewers of cameras; publishers use /publish/
    const running = ffmpegProcesses(marker);
    expect(running.length).toBe(pipelines.length);
    for (const row of running) expect(row.pgid).toBe(row.pid);
    await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
    expect(ffmpegProcesses(marker)).toEqual([]);
  });
});
