// Parking occupancy with the real model, real ffmpeg, the real analysis worker and PostgreSQL: frames of a
// video go to the worker as camera-ingest in the same process hands them over (the in-process frame
// channel), timed at 2 fps. Frame 30 of traffic.mp4 held for 75 s (its cars stand still, as parked cars
// do) gives one minute sample with its standing cars in parking_occupancy; the moving clip gives a minute
// with none. The application role can add samples but not change or delete them.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { AnalysisWorker } from '../../analytics/live/analysis-worker.ts';
import { SLOTS_CHANGED_CHANNEL } from '../../analytics/slots/notifications.ts';
import { decodeVideoFile } from '../../analytics/video/decode-file.ts';
import { InProcessFrameChannel } from '../../ingest/frame/in-process-frame-channel.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir, testMqttUrl } from '../support/urls.ts';
import { waitFor } from '../support/wait.ts';
import { testLogger } from '../cameras/support.ts';
import { videoPath } from './analyze-cli.ts';

const tag = randomBytes(4).toString('hex');
const MINUTE_MS = 60_000;
const wholeFrame = [[0, 0], [1, 0], [1, 1], [0, 1]];
const analysis = { zones: [{ id: 'lot', name: 'Lot', polygon: wholeFrame, rules: [{ kind: 'parking', capacity: 20 }] }], lines: [] };
let work: string;
let test: TestDatabase;
let mqtt: MqttClient;
let observer: MqttClient;
let detector: Detector;
let worker: AnalysisWorker;
const channel = new InProcessFrameChannel();
const analysed = new Map<string, number>();

/** Hands the video's frames to the worker at 2 fps of camera time from `startMs`, each once analysed. */
async function play(cameraId: string, file: string, startMs: number): Promise<number> {
  const input = detector.inputFor(640, 360);
  let frames = 0;
  for await (const frame of decodeVideoFile(file, { fps: 2, width: input.width, height: input.height, padValue: input.padValue })) {
    const before = analysed.get(cameraId) ?? 0;
    expect(channel.deliver(cameraId, frame, startMs + frame.index * 500)).toBe(true);
    // The worker keeps only the newest waiting frame: the next one goes when this one is analysed.
    await waitFor(`frame ${frame.index} of ${cameraId} analysed`, () => (analysed.get(cameraId) ?? 0) > before, 30_000, 10);
    frames++;
  }
  return frames;
}

async function samplesOf(cameraId: string) {
  const result = await test.db.query<{ minute: Date; occupied: number; capacity: number; frames: number }>(
    `SELECT minute, occupied, capacity, frames FROM parking_occupancy WHERE camera_id = $1 AND zone_id = 'lot' ORDER BY minute`,
    [cameraId],
  );
  return result.rows;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cityops-parking-occupancy-'));
  const frame = path.join(work, 'frame.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', videoPath('traffic.mp4'), '-vf', 'select=eq(n\\,30)', '-frames:v', '1', frame]);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', frame, '-t', '75', '-r', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(work, 'parked.mp4')]);
  // The 20 s clip four times over: 80 s of moving traffic.
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '3', '-i', videoPath('traffic.mp4'), '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path.join(work, 'moving.mp4')]);

  test = await createTestDatabase();
  for (const id of [`lot-parked-${tag}`, `lot-moving-${tag}`]) {
    await test.db.query(`INSERT INTO cameras (id, name, rtsp_url, lat, lon, analysis) VALUES ($1, $1, 'rtsp://127.0.0.1:1/none', 10.77, 106.69, $2)`, [id, analysis]);
    await test.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'pinned', now())`, [id]);
  }
  await test.db.query('SELECT pg_notify($1, $2)', [SLOTS_CHANGED_CHANNEL, 'test']);

  mqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `parking-worker-${tag}`);
  observer = await connectMqtt({ MQTT_URL: testMqttUrl() }, `parking-observer-${tag}`);
  observer.on('message', (topic) => {
    const cameraId = topic.split('/').at(-1)!;
    analysed.set(cameraId, (analysed.get(cameraId) ?? 0) + 1);
  });
  await observer.subscribeAsync(`test-${tag}/analysed/+`, { qos: 0 });
  detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: work, allowDownload: false });
  worker = new AnalysisWorker({
    db: test.db,
    mqtt,
    detector,
    alerts: createAlertRaiser({ db: test.db }),
    logger: testLogger(),
    workerId: `parking-worker-${tag}`,
    capacity: 2,
    leaseMs: 10_000,
    topicPrefix: `test-${tag}/frames`,
    analysedTopicPrefix: `test-${tag}/analysed`,
    countsFlushMs: 500,
    localFrames: channel,
  });
  await worker.start();
  await waitFor('the worker to take both cameras', () => channel.has(`lot-parked-${tag}`) && channel.has(`lot-moving-${tag}`), 30_000);
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await detector?.close();
  await Promise.all([mqtt, observer].map((client) => client?.endAsync()));
  await test?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('parking occupancy from video', () => {
  it('stores one sample for a minute of parked cars: the cars standing in the zone, the capacity, the frames', async () => {
    const cameraId = `lot-parked-${tag}`;
    // A whole minute of camera time, starting on a minute, then 15 s of the next (which closes it).
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 10 * MINUTE_MS;
    expect(await play(cameraId, path.join(work, 'parked.mp4'), start)).toBe(150);
    const [sample, ...others] = await waitFor('the minute sample in parking_occupancy', async () => {
      const rows = await samplesOf(cameraId);
      return rows.length ? rows : undefined;
    }, 15_000);
    expect(others).toEqual([]); // the minute in progress is not written
    expect(sample.minute).toEqual(new Date(start));
    expect(sample.frames).toBe(120);
    expect(sample.capacity).toBe(20);
    // Frame 30 shows two cars; the model may miss one now and then, the median does not.
    expect(sample.occupied).toBeGreaterThanOrEqual(1);
    expect(sample.occupied).toBeLessThanOrEqual(3);
  }, 300_000);

  it('counts no car driving through the zone', async () => {
    const cameraId = `lot-moving-${tag}`;
    const start = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 5 * MINUTE_MS;
    expect(await play(cameraId, path.join(work, 'moving.mp4'), start)).toBeGreaterThan(120);
    const [sample] = await waitFor('the minute sample in parking_occupancy', async () => {
      const rows = await samplesOf(cameraId);
      return rows.length ? rows : undefined;
    }, 15_000);
    expect(sample).toMatchObject({ minute: new Date(start), occupied: 0, frames: 120 });
  }, 300_000);

  it('lets the application role add samples but not change or delete them', async () => {
    await expect(test.db.query(`UPDATE parking_occupancy SET occupied = 0`)).rejects.toThrow(/permission denied/);
    await expect(test.db.query(`DELETE FROM parking_occupancy`)).rejects.toThrow(/permission denied/);
  });
});
