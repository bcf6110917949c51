// Simulated cameras of one scene share one publisher. In phase (the default), their keyframes reach
// camera-ingest at the same instant; with spreadPhases each camera is held back by its own part of a
// second (camera n by the fraction of n × 0.618 s), as real cameras are spread. Real simulator, real
// ffmpeg decoding keyframes only (one picture per 1 s GOP).
import { afterEach, describe, expect, it } from 'vitest';
import type { CameraPipeline } from '../../ingest/camera/pipeline.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { startSimulator, testPipeline, waitFor } from './support.ts';

const pipelines: CameraPipeline[] = [];
let simulator: CameraSimulator | undefined;

afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.stop()));
  await simulator?.stop();
  simulator = undefined;
});

/**
 * How far apart in the second two cameras' pictures arrive: for each picture of the first camera, the
 * time to the next one of the second, modulo a second; the median, as a distance from 0 (0–500 ms).
 */
async function phaseDistanceMs(spreadPhases: boolean): Promise<number> {
  simulator = await startSimulator(
    [
      { id: 'cam-first', scene: 'traffic' },
      { id: 'cam-second', scene: 'traffic' },
    ],
    { spreadPhases },
  );
  const arrivals = new Map<string, number[]>([['cam-first', []], ['cam-second', []]]);
  for (const cameraId of arrivals.keys()) {
    await testPipeline(pipelines, cameraId, simulator.url(cameraId), {
      decodeMode: () => 'keyframes',
      consumer: { onFrame: (id, _frame, _width, _height, timestampMs) => void arrivals.get(id)!.push(timestampMs) },
    }).start();
  }
  // The first pictures come in as ffmpeg starts: count from the third one on.
  await waitFor('eight pictures of each camera', () => [...arrivals.values()].every((list) => list.length >= 10), 60_000);
  const [first, second] = [arrivals.get('cam-first')!.slice(2), arrivals.get('cam-second')!.slice(2)];
  const gaps = first
    .map((at) => second.find((other) => other >= at))
    .map((next, index) => (next === undefined ? undefined : (next - first[index]) % 1000))
    .filter((gap): gap is number => gap !== undefined)
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return Math.min(median, 1000 - median);
}

describe('simulated cameras over the second', () => {
  it('sends the keyframes of cameras of one scene at the same instant by default', async () => {
    expect(await phaseDistanceMs(false)).toBeLessThan(150);
  }, 120_000);

  it('spreads them with spreadPhases: the second camera about 0.618 s after the first', async () => {
    // 618 ms after is 382 ms before the next keyframe: far from 0 either way.
    const distance = await phaseDistanceMs(true);
    expect(distance).toBeGreaterThan(250);
    expect(distance).toBeLessThan(500);
  }, 120_000);
});
