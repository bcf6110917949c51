// Privacy masks through the real camera-ingest worker, real ffmpeg and the simulator's street video:
// the masked part of the picture is black in the snapshot, the live view and the evidence clip, and
// shows again once the engineer removes the mask. A camera without a mask is the control.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { insertCamera } from '../../devices/camera-repository.ts';
import { cameraInput } from '../../devices/schemas.ts';
import { substreamId, type CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { CameraPipeline } from '../../ingest/camera/pipeline.ts';
import { privacyMaskFilter } from '../../ingest/camera/privacy-mask.ts';
import { FFMPEG, removeTemporaryDirs, roleContext, startSimulator, temporaryDir, testPipeline, waitFor, workerConfig } from './support.ts';

const run = promisify(execFile);
/** The left 40 % of the picture, top to bottom: where the simulator's traffic video shows cars and road. */
const LEFT_STRIP = [[0, 0], [0.4, 0], [0.4, 1], [0, 1]];

let test: TestDatabase;
let api: TestApi;
let simulator: CameraSimulator;
let worker: CameraIngestWorker;
let clipAlertId = 0;
const pipelines: CameraPipeline[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'cityops-masks-'));

/** Mean brightness (0-255) and spread of the left strip (0-38 % of the width) and of the right part (45-100 %). */
async function strips(picture: Buffer): Promise<{ left: { mean: number; spread: number }; right: { mean: number; spread: number } }> {
  const { width, height } = await sharp(picture).metadata();
  const region = async (left: number, right: number) => {
    // stats() reads its input, not the pipeline's output: the cut-out is made into a picture first.
    const cut = await sharp(picture).extract({ left: Math.floor(width! * left), top: 0, width: Math.floor(width! * (right - left)), height: height! }).greyscale().png().toBuffer();
    const { channels } = await sharp(cut).stats();
    return { mean: channels[0].mean, spread: channels[0].stdev };
  };
  return { left: await region(0, 0.38), right: await region(0.45, 1) };
}

/** A frame of a video file (or a stream's first seconds saved to one) at `seconds`, as PNG. */
async function frameOf(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', '-'], { encoding: 'buffer', maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

async function snapshot(cameraId: string): Promise<Buffer> {
  const response = await api.request('GET', `/api/cameras/${cameraId}/snapshot`, { role: 'engineer' });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function expectMasked(found: Awaited<ReturnType<typeof strips>>, what: string) {
  // Black, give or take JPEG and H.264 ringing at the edge; the rest of the street keeps its detail.
  expect(found.left.mean, `${what}: left strip brightness`).toBeLessThan(8);
  expect(found.right.spread, `${what}: detail on the right`).toBeGreaterThan(15);
}

beforeAll(async () => {
  test = await createTestDatabase();
  api = await startTestApi(test);
  simulator = await startSimulator([
    { id: 'cam-masked', scene: 'traffic' },
    { id: 'cam-open', scene: 'traffic' },
    { id: 'cam-dual', scene: 'traffic', substream: { width: 320, height: 180 } },
  ]);
  await insertCamera(test.db, api.secretBox, cameraInput.parse({ id: 'cam-masked', name: 'Masked', detectFps: 2, rtspUrl: simulator.url('cam-masked'), analysis: { privacyMasks: [{ id: 'homes', polygon: LEFT_STRIP }] } }));
  // With a detect stream, the frames come from the substream and live view from the main stream: both masked.
  await insertCamera(test.db, api.secretBox, cameraInput.parse({
    id: 'cam-dual', name: 'Dual', detectFps: 2, rtspUrl: simulator.url('cam-dual'), detectStreamUrl: simulator.url(substreamId('cam-dual')),
    analysis: { privacyMasks: [{ id: 'homes', polygon: LEFT_STRIP }] },
  }));
  await insertCamera(test.db, api.secretBox, cameraInput.parse({ id: 'cam-open', name: 'Open', detectFps: 2, rtspUrl: simulator.url('cam-open') }));
  const config = workerConfig(test, { SECRET_KEY: api.config.SECRET_KEY!, CAMERA_STALL_SECONDS: '6', CAMERA_LEASE_SECONDS: '6' });
  worker = new CameraIngestWorker(roleContext(test, config));
  await worker.start();
  await waitFor('the three cameras online', async () => {
    const rows = await test.db.query(`SELECT count(*)::int AS n FROM camera_status WHERE state = 'online'`);
    return rows.rows[0].n === 2;
  }, 45_000);
  // The clip (10 s before to 20 s after) is checked in its own test, once it is saved.
  const raiser = createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) });
  clipAlertId = (await raiser.raise({ sourceType: 'camera', sourceId: 'cam-masked', kind: 'crowd', severity: 'major', title: { vi: 'Đám đông', en: 'Crowd' } })).alertId;
}, 120_000);

afterAll(async () => {
  await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  await worker?.stop();
  await simulator?.stop();
  await api?.stop();
  await test?.drop();
  removeTemporaryDirs();
  rmSync(scratch, { recursive: true, force: true });
});

describe('privacy masks', () => {
  it('black out the masked part of the snapshot; the same street unmasked shows it', async () => {
    expectMasked(await strips(await snapshot('cam-masked')), 'masked snapshot');
    const open = await strips(await snapshot('cam-open'));
    expect(open.left.mean).toBeGreaterThan(30);
    expect(open.left.spread).toBeGreaterThan(15);
  });

  it.each(['cam-masked', 'cam-dual'])('black it out in live view of %s, which carries a re-encoded picture instead of the camera stream', async (cameraId) => {
    if (cameraId === 'cam-dual') expectMasked(await strips(await snapshot('cam-dual')), 'snapshot from the detect stream');
    const { url } = await (await api.request('POST', `/api/cameras/${cameraId}/live`, { role: 'viewer' })).json();
    const controller = new AbortController();
    const live = await fetch(url, { signal: controller.signal });
    expect(live.status).toBe(200);
    const reader = live.body!.getReader();
    let received = Buffer.alloc(0);
    while (received.length < 120_000) {
      const { value, done } = await reader.read();
      if (done) break;
      received = Buffer.concat([received, Buffer.from(value)]);
    }
    controller.abort();
    const file = path.join(scratch, `${cameraId}.flv`);
    writeFileSync(file, received);
    expectMasked(await strips(await frameOf(file, 0)), 'live view');
    expect((await strips(await frameOf(file, 1))).left.mean).toBeLessThan(8);
  });

  it('black it out in the evidence clip around an alert', async () => {
    const clip = await waitFor('saved clip', async () => {
      const rows = await test.db.query(`SELECT state, file_path, duration_seconds, error FROM alert_clips WHERE alert_id = $1`, [clipAlertId]);
      return rows.rows[0]?.state === 'saved' || rows.rows[0]?.state === 'failed' ? rows.rows[0] : undefined;
    }, 60_000, 1000);
    expect(clip.error).toBeNull();
    const duration = Number(clip.duration_seconds);
    expect(duration).toBeGreaterThan(10);
    for (const at of [0.5, duration / 2, duration - 1]) expectMasked(await strips(await frameOf(clip.file_path, at)), `clip at ${at.toFixed(1)} s`);
  });

  it('show the picture again once the engineer removes the mask', async () => {
    const response = await api.request('PATCH', '/api/cameras/cam-masked', { role: 'engineer', body: { analysis: { privacyMasks: [] } } });
    expect(response.status).toBe(200);
    // The edit restarts the camera's ffmpeg without the mask; the next snapshots show the whole street.
    await waitFor('the left strip back in the snapshot', async () => {
      const next = await api.request('GET', '/api/cameras/cam-masked/snapshot', { role: 'engineer' });
      return next.status === 200 && (await strips(Buffer.from(await next.arrayBuffer()))).left.mean > 30; // 503 while it restarts
    }, 45_000, 1000);
  });

  it('black it out in the keyframes-only tier too, where the main stream is decoded whole for the re-encoded copy', async () => {
    const frames: Buffer[] = [];
    const segmentsDir = temporaryDir();
    const pipeline = testPipeline(pipelines, 'cam-open', simulator.url('cam-open'), {
      decodeMode: () => 'keyframes',
      privacyMaskFilter: privacyMaskFilter([LEFT_STRIP as Array<[number, number]>]),
      segments: { patternFor: (runId) => path.join(segmentsDir, `${runId}-%s.ts`), seconds: 1 },
      consumer: {
        onFrame(_cameraId, frame) {
          if (frames.length < 3) frames.push(Buffer.from(frame));
        },
      },
    });
    await pipeline.start();
    await waitFor('three keyframes', () => frames.length >= 3, 30_000);
    expect(pipeline.status()).toMatchObject({ state: 'online', decode: 'keyframes' });
    for (const frame of frames) {
      // 640×360 letterboxed into 416×416: picture rows 91..324; the strip is its left 40 %.
      const picture = await sharp(frame, { raw: { width: 416, height: 416, channels: 3 } }).extract({ left: 0, top: 91, width: 416, height: 234 }).png().toBuffer();
      expectMasked(await strips(picture), 'keyframe');
    }
    const segment = await waitFor('a finished segment', () => readdirSync(segmentsDir).sort().at(-2), 20_000);
    expectMasked(await strips(await frameOf(path.join(segmentsDir, segment), 0)), 'buffered segment');
  });
});
