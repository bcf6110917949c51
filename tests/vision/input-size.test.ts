// A camera set to a smaller detectInputSize, end to end with real parts: the camera-ingest worker reads
// the camera's analysis settings and has ffmpeg letterbox its simulated RTSP stream to 320x320, and the
// real YOLOX model, its input shape rewritten in memory (models/onnx/input-size.ts), runs at 320 on
// those frames and finds the traffic; a camera without the setting keeps the model's 416.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { insertCamera } from '../../devices/camera-repository.ts';
import { cameraInput } from '../../devices/schemas.ts';
import type { RawFrame } from '../../ingest/frame/bgr24-frame.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir } from '../support/urls.ts';
import { removeTemporaryDirs, roleContext, startSimulator, temporaryDir, waitFor, workerConfig } from '../cameras/support.ts';

let simulator: CameraSimulator;
let test: TestDatabase;
let worker: CameraIngestWorker | undefined;
let detector: Detector | undefined;
/** The newest frame camera-ingest handed to analytics, per camera (copied: ingest reuses its buffer). */
const latest = new Map<string, RawFrame>();

beforeAll(async () => {
  simulator = await startSimulator([
    { id: 'cam-close', scene: 'traffic' },
    { id: 'cam-default', scene: 'traffic' },
  ]);
  test = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await detector?.close();
  await simulator?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('a camera analysed at a smaller input size', () => {
  it('gets 320x320 frames from camera-ingest and detections from the model run at 320; a camera without the setting stays at 416', async () => {
    const config = workerConfig(test, { CAMERA_STALL_SECONDS: '6', CAMERA_LEASE_SECONDS: '6' });
    const context = roleContext(test, config);
    await insertCamera(
      test.db,
      context.secretBox,
      cameraInput.parse({ id: 'cam-close', name: 'Close view', rtspUrl: simulator.url('cam-close'), detectFps: 2, analysis: { detectInputSize: 320, zones: [], lines: [] } }),
    );
    await insertCamera(test.db, context.secretBox, cameraInput.parse({ id: 'cam-default', name: 'Wide view', rtspUrl: simulator.url('cam-default'), detectFps: 2 }));
    worker = new CameraIngestWorker(context, {
      consumer: {
        onFrame: (cameraId, data, width, height, _timestampMs, letterboxedFrom) =>
          void latest.set(cameraId, { data: Uint8Array.from(data), width, height, ...(letterboxedFrom ? { letterboxedFrom } : {}) }),
      },
    });
    await worker.start();
    // A few seconds of stream, so the frames show moving traffic rather than the first picture.
    const seen = new Map<string, number>();
    await waitFor('frames from both cameras for 3 s', () => {
      for (const id of latest.keys()) if (!seen.has(id)) seen.set(id, Date.now());
      return ['cam-close', 'cam-default'].every((id) => seen.has(id) && Date.now() - seen.get(id)! > 3000);
    }, 60_000);

    const close = latest.get('cam-close')!;
    const wide = latest.get('cam-default')!;
    expect([close.width, close.height, close.data.length]).toEqual([320, 320, 320 * 320 * 3]);
    expect(close.letterboxedFrom).toEqual({ width: 640, height: 360 });
    expect([wide.width, wide.height]).toEqual([416, 416]);

    detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: temporaryDir(), allowDownload: false });
    const atClose = await detector.detectTimed(close);
    const atWide = await detector.detectTimed(wide);
    expect(atClose.input).toMatchObject({ width: 320, height: 320 });
    expect(atWide.input).toMatchObject({ width: 416, height: 416 });
    // The clip always shows several vehicles on the near carriageway (tests/vision/traffic.test.ts).
    const vehicles = (found: typeof atClose) => found.detections.filter((d) => ['car', 'truck', 'bus'].includes(d.class) && d.score >= 0.3);
    expect(vehicles(atClose).length).toBeGreaterThanOrEqual(2);
    expect(vehicles(atWide).length).toBeGreaterThanOrEqual(2);
    // Boxes come back in the camera's picture, letterbox undone: inside the frame, below the sky line.
    for (const box of vehicles(atClose)) {
      expect(box.x2).toBeGreaterThan(box.x1);
      expect(box.y2).toBeGreaterThan(0.2);
    }
  }, 180_000);
});
