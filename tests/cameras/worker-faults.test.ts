// A camera-ingest worker keeps its other cameras going when one camera cannot start, retries that one
// alone, and leaves no rolling-buffer folder behind (its own on stop, those of gone workers at start).
// Real PostgreSQL, ffmpeg and simulator.
import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../core/metrics.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ffmpegProcesses, registerCamera, removeTemporaryDirs, roleContext, startSimulator, waitFor, workerConfig } from './support.ts';

const WORKER_ID = 'faults-worker';
let test: TestDatabase;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;
let context: ReturnType<typeof roleContext>;
let bufferRoot: string;

async function cameraFailures(kind: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('cityops_camera_failures_total')!.get();
  return metric.values.find((value) => value.labels.kind === kind)?.value ?? 0;
}

/** A worker's buffer folder with one camera folder and one segment, last written `ageMs` ago. */
function bufferFolder(workerId: string, ageMs: number): string {
  const dir = path.join(bufferRoot, workerId);
  mkdirSync(path.join(dir, 'camera-x'), { recursive: true });
  writeFileSync(path.join(dir, 'camera-x', 'run-1.ts'), 'segment');
  const at = new Date(Date.now() - ageMs);
  for (const folder of [path.join(dir, 'camera-x'), dir]) utimesSync(folder, at, at);
  return dir;
}

beforeAll(async () => {
  test = await createTestDatabase();
  simulator = await startSimulator([
    { id: 'cam-f1', scene: 'traffic' },
    { id: 'cam-f2', scene: 'people' },
  ]);
  const config = workerConfig(test, { CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6' });
  context = roleContext(test, config);
  bufferRoot = path.join(config.dataDir, 'camera-buffer');
  await registerCamera(test, context.secretBox, { id: 'cam-f1', rtspUrl: simulator.url('cam-f1') });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('camera-ingest worker under faults', () => {
  it('removes the rolling buffers of gone workers at start, and keeps those of live or busy ones', async () => {
    const gone = bufferFolder('gone-worker', 10 * 60_000);
    const live = bufferFolder('live-worker', 10 * 60_000);
    const busy = bufferFolder('busy-worker', 0);
    await test.db.query(`INSERT INTO camera_workers (worker_id, host, pid, expires_at) VALUES ('live-worker', 'elsewhere', 1, now() + interval '1 hour')`);
    // A file where cam-f1's segment folder goes: its ffmpeg cannot be started (as on a full or
    // read-only disk) until the file is gone.
    mkdirSync(path.join(bufferRoot, WORKER_ID), { recursive: true });
    writeFileSync(path.join(bufferRoot, WORKER_ID, 'camera-cam-f1'), 'in the way');

    worker = new CameraIngestWorker(context, { workerId: WORKER_ID });
    await worker.start();
    expect([existsSync(gone), existsSync(live), existsSync(busy)]).toEqual([false, true, true]);
    await test.db.query(`DELETE FROM camera_workers WHERE worker_id = 'live-worker'`);
  });

  it('keeps starting and stopping cameras when one cannot start, and retries that one alone', async () => {
    // A camera added after the failed start starts (the sync chain used to be rejected for good).
    await registerCamera(test, context.secretBox, { id: 'cam-f2', rtspUrl: simulator.url('cam-f2') });
    await waitFor('cam-f2 online', () => worker.pipeline('cam-f2')?.status().state === 'online', 40_000);
    expect(worker.pipeline('cam-f1')?.status()).toMatchObject({ state: 'offline', message: expect.stringMatching(/could not be started/) });
    expect(await cameraFailures('ffmpeg_start')).toBeGreaterThan(0); // a fresh registry per test file

    rmSync(path.join(bufferRoot, WORKER_ID, 'camera-cam-f1'));
    await waitFor('cam-f1 online once its folder can be made', () => worker.pipeline('cam-f1')?.status().state === 'online', 40_000);
  });

  it('leaves no ffmpeg and no rolling-buffer folder when it stops', async () => {
    const marker = `:${simulator.port}/cam-`;
    await waitFor('both ffmpeg running', () => ffmpegProcesses(marker).length === 2, 10_000);
    await worker.stop();
    expect(ffmpegProcesses(marker)).toEqual([]);
    expect(existsSync(path.join(bufferRoot, WORKER_ID))).toBe(false);
  });
});
