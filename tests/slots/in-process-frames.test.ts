// camera-ingest and analytics in one process (FRAME_TRANSPORT=auto, as `npm start` runs them): frames of
// a camera analysed here go from the slot hook to the analysis worker in memory, raw, with nothing on
// the broker's frame topic; a busy analysis keeps only the newest frame and counts the others; and a
// camera whose slot a worker elsewhere leases still gets its frames over MQTT. Real simulator (RTSP),
// real camera-ingest worker with ffmpeg, real YOLOX model, real PostgreSQL and broker.
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { metricsRegistry } from '../../core/metrics.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { AnalysisWorker } from '../../analytics/live/analysis-worker.ts';
import { SlotFrameHook } from '../../analytics/slots/ingest-hook.ts';
import { SLOTS_CHANGED_CHANNEL } from '../../analytics/slots/notifications.ts';
import type { CameraSimulator } from '../../ingest/camera/simulator/camera-simulator.ts';
import { CameraIngestWorker } from '../../ingest/camera/worker.ts';
import { InProcessFrameChannel } from '../../ingest/frame/in-process-frame-channel.ts';
import type { AnalysedFrameNotice } from '../../contract/mqtt-topics.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir, testMqttUrl } from '../support/urls.ts';
import { registerCamera, removeTemporaryDirs, roleContext, startSimulator, temporaryDir, testLogger, waitFor, workerConfig } from '../cameras/support.ts';

const CAMERA = 'inproc-traffic';
const tag = randomBytes(4).toString('hex');
const framePrefix = `test-${tag}/frames`;
const analysedPrefix = `test-${tag}/analysed`;
const logger = testLogger();
let simulator: CameraSimulator;
let test: TestDatabase;
let ingestMqtt: MqttClient;
let workerMqtt: MqttClient;
let observer: MqttClient;
let detector: Detector;
let channel: InProcessFrameChannel;
let hook: SlotFrameHook;
let ingest: CameraIngestWorker;
const stopLater: Array<{ stop(): Promise<void> }> = [];
/** What crossed the broker for the camera: JPEG frame messages and analysed-frame notices. */
const mqttFrames: number[] = [];
const notices: AnalysedFrameNotice[] = [];

/** The real detector; while `held` is set, every detection waits for it (a busy analysis). */
let held: { promise: Promise<void>; release: () => void } | undefined;
function holdableDetector(real: Detector): Detector {
  return {
    ...real,
    detect: async (frame) => {
      await held?.promise;
      return real.detect(frame);
    },
  };
}

async function counterValue(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0);
}

function analysisWorker(workerId: string, localFrames?: InProcessFrameChannel): AnalysisWorker {
  return new AnalysisWorker({
    db: test.db,
    mqtt: workerMqtt,
    detector: holdableDetector(detector),
    alerts: createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) }),
    logger,
    workerId,
    capacity: 1,
    leaseMs: 5000,
    topicPrefix: framePrefix,
    analysedTopicPrefix: analysedPrefix,
    localFrames,
  });
}

beforeAll(async () => {
  simulator = await startSimulator([{ id: CAMERA, scene: 'traffic' }]);
  test = await createTestDatabase();
  const config = workerConfig(test, { CAMERA_STALL_SECONDS: '6', CAMERA_LEASE_SECONDS: '10' });
  const context = roleContext(test, config);
  await registerCamera(test, context.secretBox, { id: CAMERA, rtspUrl: simulator.url(CAMERA), detectFps: 2 });
  // The slot is given by hand (no leader): the question is how its frames travel.
  await test.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'pinned', now())`, [CAMERA]);
  await test.db.query('SELECT pg_notify($1, $2)', [SLOTS_CHANGED_CHANNEL, 'test']);

  ingestMqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `inproc-ingest-${tag}`);
  workerMqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `inproc-worker-${tag}`);
  observer = await connectMqtt({ MQTT_URL: testMqttUrl() }, `inproc-observer-${tag}`);
  observer.on('message', (topic, payload) => {
    if (topic === `${framePrefix}/${CAMERA}`) mqttFrames.push(Date.now());
    else if (topic === `${analysedPrefix}/${CAMERA}`) notices.push(JSON.parse(payload.toString()) as AnalysedFrameNotice);
  });
  await observer.subscribeAsync([`${framePrefix}/+`, `${analysedPrefix}/+`], { qos: 0 });

  detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: temporaryDir(), allowDownload: false });
  // What apps/main.ts wires when both roles share the process.
  channel = new InProcessFrameChannel();
  hook = new SlotFrameHook({ db: test.db, logger, reporter: 'inproc-ingest', mqtt: ingestMqtt, topicPrefix: framePrefix, localFrames: channel });
  await hook.start();
  stopLater.push(hook);
  ingest = new CameraIngestWorker(context, { consumer: hook });
  await ingest.start();
  stopLater.push(ingest);
}, 180_000);

afterAll(async () => {
  held?.release();
  for (const component of stopLater.reverse()) await component.stop();
  await detector?.close();
  await Promise.all([ingestMqtt, workerMqtt, observer].map((client) => client?.endAsync()));
  await simulator?.stop();
  await test?.drop();
  removeTemporaryDirs();
});

describe('frames between camera-ingest and analytics in one process', () => {
  it('are handed over raw in memory: analysed at the detect rate with notices, none on the frame topic', async () => {
    const handedBefore = await counterValue('cityops_slot_frames_in_process_total');
    const worker = analysisWorker('inproc-worker', channel);
    await worker.start();
    stopLater.push(worker);
    await waitFor('10 frames of the camera analysed', () => notices.length >= 10, 90_000, 200);

    expect(mqttFrames).toEqual([]);
    expect(await counterValue('cityops_slot_frames_in_process_total')).toBeGreaterThanOrEqual(handedBefore + 10);
    const captured = notices.map((notice) => notice.capturedAt);
    expect(new Set(captured).size).toBe(captured.length);
    expect(captured).toEqual([...captured].sort((a, b) => a - b));
    for (const notice of notices) expect(notice.analysedAt).toBeGreaterThanOrEqual(notice.capturedAt);
    // The real model sees the real picture: the traffic scene has tracked vehicles.
    expect(notices.some((notice) => notice.objects > 0)).toBe(true);
    const progress = await waitFor('the slot table to count analysed frames', async () => {
      const result = await test.db.query<{ frames_analysed: number }>(`SELECT frames_analysed::int FROM analysis_progress WHERE camera_id = $1`, [CAMERA]);
      return (result.rows[0]?.frames_analysed ?? 0) > 0 ? result.rows[0].frames_analysed : undefined;
    }, 10_000, 200);
    expect(progress).toBeGreaterThan(0);
  }, 180_000);

  it('while the analysis is busy, keep only the newest frame and count the ones replaced', async () => {
    let release!: () => void;
    held = { promise: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
    const supersededBefore = await counterValue('cityops_analysis_frames_skipped_total', { reason: 'superseded' });
    const noticesBefore = notices.length;
    // At 2 frames/s: one frame is stuck in detection, every newer one replaces the waiting one.
    await waitFor('4 frames replaced while the detector is busy', async () => (await counterValue('cityops_analysis_frames_skipped_total', { reason: 'superseded' })) >= supersededBefore + 4, 30_000, 100);
    // At most the one detection that had already passed the hold finishes meanwhile.
    expect(notices.length - noticesBefore).toBeLessThanOrEqual(1);
    const releasedAt = Date.now();
    held.release();
    held = undefined;
    await waitFor('two frames analysed after the release', () => notices.length >= noticesBefore + 3, 30_000, 100);
    const afterRelease = notices.slice(noticesBefore).filter((notice) => notice.analysedAt >= releasedAt);
    // The frame stuck in detection, then the newest waiting one (captured within the last frame interval
    // or so before the release), not the oldest one that waited.
    expect(afterRelease.length).toBeGreaterThanOrEqual(2);
    const [stuck, newest] = afterRelease;
    expect(releasedAt - stuck.capturedAt).toBeGreaterThan(1500);
    expect(releasedAt - newest.capturedAt).toBeLessThan(1500);
    expect(mqttFrames).toEqual([]);
  }, 120_000);

  it('a camera no worker of this process analyses goes over MQTT, and a worker elsewhere analyses it', async () => {
    // The local worker stops (its slot goes back): the camera still holds the slot, nobody here takes it.
    const local = stopLater.pop() as AnalysisWorker;
    await local.stop();
    expect(channel.has(CAMERA)).toBe(false);
    await waitFor('JPEG frames of the camera on the broker', () => mqttFrames.length >= 3, 30_000, 100);

    // A worker without the channel stands for an analytics process on another machine.
    const noticesBefore = notices.length;
    const elsewhere = analysisWorker('elsewhere-worker');
    await elsewhere.start();
    stopLater.push(elsewhere);
    await waitFor('the worker elsewhere to analyse frames from MQTT', () => notices.length >= noticesBefore + 5, 60_000, 200);
    expect(elsewhere.cameras).toEqual([CAMERA]);
  }, 120_000);
});
