// The cheap tier decodes keyframes only: a camera without an analysis slot gets one picture per GOP
// (the simulator sends a 1 s GOP), stays online, still notices a frozen picture, and goes back to the
// detect rate when it gains a slot. Real simulator, real ffmpeg, real PostgreSQL for the slot table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlotFrameHook } from '../../analytics/slots/ingest-hook.ts';
import { SLOTS_CHANGED_CHANNEL } from '../../analytics/slots/notifications.ts';
import type { DecodeMode } from '../../ingest/camera/ffmpeg.ts';
import type { CameraPipeline, CameraPipelineOptions, CameraStatus } from '../../ingest/camera/pipeline.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { LiveRelay } from '../../ingest/camera/live-relay.ts';
import { getCameraStatus } from '../../ingest/camera/status-repository.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { ffmpegProcesses, registerCamera, removeTemporaryDirs, roleContext, startSimulator, temporaryDir, testLogger, testPipeline, waitFor, workerConfig } from './support.ts';

let simulator: CameraSimulator;
let test: TestDatabase | undefined;
let slotKeyframesTest: TestDatabase | undefined;
const pipelines: CameraPipeline[] = [];
const stopLater: Array<{ stop(): Promise<void> }> = [];
/** The first test's live relay (one per process): stopped before the worker starts its own. */
let keyRelay: LiveRelay | undefined;

beforeAll(async () => {
  simulator = await startSimulator([
    { id: 'cam-key', scene: 'traffic' },
    { id: 'cam-frozen', scene: 'people' },
    { id: 'cam-slot', scene: 'traffic' },
    { id: 'cam-plain', scene: 'people' },
    { id: 'cam-slot-1fps', scene: 'traffic' },
    { id: 'cam-slot-2fps', scene: 'people' },
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  for (const component of stopLater.reverse()) await component.stop();
  await simulator?.stop();
  await test?.drop();
  await slotKeyframesTest?.drop();
  removeTemporaryDirs();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frames per second between the first and the last arrival after `from`. */
function rateSince(arrivals: number[], from: number): number {
  const window = arrivals.filter((time) => time >= from);
  if (window.length < 2) return 0;
  return (window.length - 1) / ((window[window.length - 1] - window[0]) / 1000);
}

function pipelineFor(cameraId: string, options: Partial<CameraPipelineOptions> = {}): CameraPipeline {
  return testPipeline(pipelines, cameraId, simulator.url(cameraId), { detectFps: 4, ...options });
}

describe('keyframe decoding for cameras without an analysis slot', () => {
  it('delivers about one frame per GOP, stays online for 20 s, and switches to the detect rate on demand, live view uninterrupted', async () => {
    let mode: DecodeMode = 'keyframes';
    const arrivals: number[] = [];
    const states: CameraStatus[] = [];
    const relay = new LiveRelay({ logger: testLogger(), storeDir: temporaryDir() });
    keyRelay = relay;
    await relay.start();
    const pipeline = pipelineFor('cam-key', {
      decodeMode: () => mode,
      relayUrl: () => relay.publishUrl('cam-key'),
      consumer: { onFrame: (_cameraId, _frame, _width, _height, timestampMs) => void arrivals.push(timestampMs) },
      onStatus: (status) => states.push(status),
    });
    await pipeline.start();
    await waitFor('online in keyframe mode', () => pipeline.status().state === 'online', 30_000);
    // A viewer of the stream copy: every frame still flows in keyframe mode, and across the restart.
    let flvBytes = 0;
    let flvEnded = false;
    const viewer = new AbortController();
    const response = await waitFor('the relay to play the camera', async () => {
      const attempt = await fetch(relay.playUrl('cam-key'), { signal: viewer.signal }).catch(() => undefined);
      return attempt?.ok ? attempt : undefined;
    }, 20_000);
    void (async () => {
      const reader = response.body!.getReader();
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) flvBytes += read.value.length;
      } catch {
        // aborted at the end of the test
      }
      flvEnded = true;
    })();
    const keyframeStart = Date.now();
    await sleep(22_000);
    // 1 s GOP: about 1 frame/s, far below the detect rate of 4 (no duplicated frames), yet healthy.
    const keyframeRate = rateSince(arrivals, keyframeStart);
    expect(keyframeRate).toBeGreaterThan(0.6);
    expect(keyframeRate).toBeLessThan(1.6);
    expect(states.filter((status) => status.state !== 'online' && status.reason !== 'connecting')).toEqual([]);
    expect(pipeline.status()).toMatchObject({ state: 'online', decode: 'keyframes', targetFps: 4, restarts: 0, width: 640, height: 360 });
    expect(ffmpegProcesses(simulator.url('cam-key')).map((row) => row.args).join(' ')).toContain('-skip_frame nokey');
    // A snapshot (live view, tamper alert picture) waits for the next keyframe, not just the asked time.
    for (let i = 0; i < 3; i++) expect((await pipeline.nextFrame(200))?.data.length).toBe(416 * 416 * 3);

    expect(flvBytes).toBeGreaterThan(100_000);

    mode = 'all';
    await waitFor('the pipeline to decode every frame', () => pipeline.status().decode === 'all' && arrivals.at(-1)! > Date.now() - 1000, 30_000);
    const flvAtSwitch = flvBytes;
    const fullStart = Date.now();
    await sleep(8000);
    expect(flvEnded).toBe(false);
    expect(flvBytes - flvAtSwitch).toBeGreaterThan(50_000);
    const fullRate = rateSince(arrivals, fullStart);
    // The detect rate, not one per GOP and not the camera's 15 (the fps filter may catch up briefly at start).
    expect(fullRate).toBeGreaterThan(3);
    expect(fullRate).toBeLessThan(6);
    expect(pipeline.status()).toMatchObject({ state: 'online', decode: 'all', restarts: 0 });
    expect(ffmpegProcesses(simulator.url('cam-key')).map((row) => row.args).join(' ')).not.toContain('-skip_frame');
    viewer.abort();
    await pipeline.stop();
    await relay.stop();
  }, 120_000);

  it('still reports a frozen picture at keyframe rate, and the end of it', async () => {
    const pipeline = pipelineFor('cam-frozen', { decodeMode: () => 'keyframes' });
    await pipeline.start();
    await waitFor('online in keyframe mode', () => pipeline.status().state === 'online', 30_000);
    await simulator.fault('cam-frozen', 'freeze');
    await waitFor('frozen', () => pipeline.status().reason === 'frozen', 45_000);
    expect(pipeline.status()).toMatchObject({ state: 'degraded', decode: 'keyframes', picture: ['frozen'] });
    await simulator.fault('cam-frozen', 'resume');
    await waitFor('moving again', () => pipeline.status().state === 'online', 45_000);
  }, 120_000);

  it('notices a camera that goes silent by its socket within the stall limit, not after the GOP allowance', async () => {
    const states: CameraStatus[] = [];
    // Stall limit 2 s; the frame watchdog in keyframe mode waits at least 12 s (a GOP may be 10 s long).
    const pipeline = pipelineFor('cam-frozen', { decodeMode: () => 'keyframes', stallSeconds: 2, onStatus: (status) => states.push(status) });
    await pipeline.start();
    await waitFor('online in keyframe mode', () => pipeline.status().state === 'online', 30_000);
    await simulator.fault('cam-frozen', 'stop');
    const offline = await waitFor('offline', () => states.find((status) => status.state === 'offline' && status.reason !== 'connecting'), 45_000);
    // 'timeout' is the RTSP socket's verdict (after 2 s of silence); 'stalled' would be the 12 s frame watchdog.
    expect(offline.reason).toBe('timeout');
    await simulator.fault('cam-frozen', 'resume');
    await waitFor('back', () => pipeline.status().state === 'online', 45_000);
    await pipeline.stop();
  }, 120_000);
});

describe('the camera-ingest worker with analysis slots', () => {
  it('decodes keyframes for cameras without a slot, every frame for one holding a slot, and follows slot changes', async () => {
    await keyRelay?.stop();
    test = await createTestDatabase();
    const config = workerConfig(test, { CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6' });
    const context = roleContext(test, config);
    for (const id of ['cam-slot', 'cam-plain']) await registerCamera(test, context.secretBox, { id, rtspUrl: simulator.url(id), detectFps: 4 });
    const hook = new SlotFrameHook({ db: test.db, logger: testLogger(), reporter: 'decode-test', slotRefreshMs: 60_000 });
    await hook.start();
    stopLater.push(hook);
    const worker = new CameraIngestWorker(context, { consumer: hook });
    await worker.start();
    stopLater.push(worker);
    const decodeOf = (id: string) => worker.pipeline(id)?.status().decode;
    await waitFor('both cameras online, decoding keyframes', () =>
      ['cam-slot', 'cam-plain'].every((id) => worker.pipeline(id)?.status().state === 'online' && decodeOf(id) === 'keyframes'), 45_000);

    const giveSlot = async (sql: string) => {
      await test!.db.query(sql, ['cam-slot']);
      await test!.db.query('SELECT pg_notify($1, $2)', [SLOTS_CHANGED_CHANNEL, 'test']);
    };
    await giveSlot(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'motion', now())`);
    await waitFor('the slot holder to decode every frame', () => decodeOf('cam-slot') === 'all' && (worker.pipeline('cam-slot')?.status().fps ?? 0) > 3, 45_000);
    expect(decodeOf('cam-plain')).toBe('keyframes');
    expect(worker.pipeline('cam-slot')?.status()).toMatchObject({ state: 'online', restarts: 0 });
    // Device health (GET /api/cameras/status) says what each camera decodes.
    await waitFor('the stored status to say what each camera decodes', async () => {
      const [slot, plain] = await Promise.all([getCameraStatus(test!.db, 'cam-slot'), getCameraStatus(test!.db, 'cam-plain')]);
      return slot?.decode === 'all' && plain?.decode === 'keyframes';
    }, 30_000);

    await giveSlot('DELETE FROM analysis_slots WHERE camera_id = $1');
    await waitFor('back to keyframes when the slot is gone', () => decodeOf('cam-slot') === 'keyframes', 45_000);
    await waitFor('online again', () => worker.pipeline('cam-slot')?.status().state === 'online', 45_000);
  }, 180_000);

  it('with CAMERA_SLOT_DECODE=keyframes, a slot camera at 1 fps decodes keyframes only and still gets a frame a second; one at 2 fps decodes every frame', async () => {
    // The live relay is one per process: the previous worker stops first. Its own database too.
    for (const component of stopLater.splice(0).reverse()) await component.stop();
    slotKeyframesTest = await createTestDatabase();
    const config = workerConfig(slotKeyframesTest, { CAMERA_STALL_SECONDS: '4', CAMERA_LEASE_SECONDS: '6', CAMERA_SLOT_DECODE: 'keyframes' });
    const context = roleContext(slotKeyframesTest, config);
    await registerCamera(slotKeyframesTest, context.secretBox, { id: 'cam-slot-1fps', rtspUrl: simulator.url('cam-slot-1fps'), detectFps: 1 });
    await registerCamera(slotKeyframesTest, context.secretBox, { id: 'cam-slot-2fps', rtspUrl: simulator.url('cam-slot-2fps'), detectFps: 2 });
    for (const id of ['cam-slot-1fps', 'cam-slot-2fps']) {
      await slotKeyframesTest.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'motion', now())`, [id]);
    }
    const hook = new SlotFrameHook({ db: slotKeyframesTest.db, logger: testLogger(), reporter: 'slot-decode-test', slotRefreshMs: 60_000 });
    await hook.start();
    stopLater.push(hook);
    const worker = new CameraIngestWorker(context, { consumer: hook });
    await worker.start();
    stopLater.push(worker);
    const status = (id: string) => worker.pipeline(id)?.status();
    await waitFor('both slot cameras online', () => ['cam-slot-1fps', 'cam-slot-2fps'].every((id) => status(id)?.state === 'online' && hook.isAnalysed(id)), 45_000);
    await waitFor('the 1 fps camera on keyframes and the 2 fps one on every frame', () => status('cam-slot-1fps')?.decode === 'keyframes' && status('cam-slot-2fps')?.decode === 'all', 45_000);
    expect(ffmpegProcesses(simulator.url('cam-slot-1fps')).map((row) => row.args).join(' ')).toContain('-skip_frame nokey');
    expect(ffmpegProcesses(simulator.url('cam-slot-2fps')).map((row) => row.args).join(' ')).not.toContain('-skip_frame');
    // The simulator's 1 s GOP: one frame a second reaches the hook, the camera's detect rate.
    await waitFor('frames at about 1 per second from the keyframe-only slot camera', () => {
      const fps = status('cam-slot-1fps')?.fps ?? 0;
      return fps > 0.6 && fps < 1.6;
    }, 45_000);
    expect(status('cam-slot-1fps')).toMatchObject({ state: 'online', decode: 'keyframes' });
  }, 180_000);
});
