// Analysis slots end to end with real parts: the shared videos decoded by ffmpeg stand in for camera
// ingest's frames (fed to the real slot hook, as CameraPipeline feeds its consumer), the leader gives the
// slots, an analysis worker with the real YOLOX model leases them and receives the frames over the real
// broker; people.mp4 must end in a `crowd` alert with a snapshot, traffic.mp4 in counted crossings.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRaiser } from '../../core/alerts/raise.ts';
import { createLivePublisher } from '../../core/live/publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createDetector, type Detector } from '../../analytics/detect/detector.ts';
import { AnalysisWorker } from '../../analytics/live/analysis-worker.ts';
import { SlotFrameHook } from '../../analytics/slots/ingest-hook.ts';
import { SlotLeader } from '../../analytics/slots/leader.ts';
import { decodeVideoFile, type DecodedFrame } from '../../analytics/video/decode-file.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir, testMqttUrl } from '../support/urls.ts';
import { insertCameras, waitFor } from './support/fixtures.ts';
import type { AnalysedFrameNotice } from '../../contract/mqtt-topics.ts';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const prefix = `test-${randomBytes(4).toString('hex')}/frames`;
const analysedPrefix = `${prefix.replace(/frames$/, 'analysed')}`;
/** Analysed-frame notices the worker published, per camera, in arrival order. */
const notices = new Map<string, AnalysedFrameNotice[]>();
/** Every capture timestamp fed to the hook, per camera. */
const fedTimestamps = new Map<string, Set<number>>();
let test: TestDatabase;
let ingestMqtt: MqttClient;
let workerMqtt: MqttClient;
let detector: Detector;
let hook: SlotFrameHook;
let leader: SlotLeader;
let worker: AnalysisWorker;

const people = {
  id: 'e2e-people',
  lat: 10.7745,
  lon: 106.7038,
  analysis: { zones: [{ id: 'plaza', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], rules: [{ kind: 'crowd', minPersons: 6, seconds: 3 }] }], lines: [] },
};
const traffic = { id: 'e2e-traffic', lat: 10.7712, lon: 106.6933, analysis: { zones: [], lines: [{ id: 'l1', from: [0.5, 0], to: [0.5, 1] }] } };

async function decodeAll(file: string): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for await (const frame of decodeVideoFile(path.join(assetMirrorDir(), 'video', file), { fps: 2, width: 416, height: 416, padValue: 114 })) {
    frames.push({ ...frame, data: Uint8Array.from(frame.data) });
  }
  return frames;
}

beforeAll(async () => {
  test = await createTestDatabase();
  await insertCameras(test.db, [people, traffic]);
  ingestMqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `e2e-ingest-${randomBytes(3).toString('hex')}`);
  workerMqtt = await connectMqtt({ MQTT_URL: testMqttUrl() }, `e2e-worker-${randomBytes(3).toString('hex')}`);
  detector = await createDetector({ assetMirrorDir: assetMirrorDir(), dataDir: mkdtempSync(path.join(tmpdir(), 'e2e-slots-')), allowDownload: false });
  hook = new SlotFrameHook({ db: test.db, logger, reporter: 'e2e-ingest', mqtt: ingestMqtt, reportIntervalMs: 500, topicPrefix: prefix });
  leader = new SlotLeader({
    db: test.db,
    logger,
    live: createLivePublisher(test.db),
    id: 'e2e-leader',
    settings: {
      slotCount: 2,
      intervalMs: 500,
      leaseMs: 5000,
      scheduler: {},
      signals: { sensorRadiusM: 1000, sensorMinLevel: 2, recentEventMs: 600_000, streamStaleMs: 20_000, timeZone: 'Asia/Ho_Chi_Minh' },
    },
  });
  worker = new AnalysisWorker({
    db: test.db,
    mqtt: workerMqtt,
    detector,
    alerts: createAlertRaiser({ db: test.db, live: createLivePublisher(test.db) }),
    logger,
    workerId: 'e2e-worker',
    capacity: 2,
    leaseMs: 5000,
    topicPrefix: prefix,
    analysedTopicPrefix: analysedPrefix,
    countsFlushMs: 500,
  });
  ingestMqtt.on('message', (topic, payload) => {
    if (!topic.startsWith(`${analysedPrefix}/`)) return;
    const cameraId = topic.slice(analysedPrefix.length + 1);
    notices.set(cameraId, [...(notices.get(cameraId) ?? []), JSON.parse(payload.toString()) as AnalysedFrameNotice]);
  });
  await ingestMqtt.subscribeAsync(`${analysedPrefix}/+`, { qos: 0 });
  await hook.start();
  await leader.start();
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await leader?.stop();
  await hook?.stop();
  await detector?.close();
  await ingestMqtt?.endAsync();
  await workerMqtt?.endAsync();
  await test?.drop();
});

describe('analysis slots end to end', () => {
  it('frames of cameras holding slots are analysed: a crowd alert with a snapshot on people.mp4, counted crossings on traffic.mp4', async () => {
    const [peopleFrames, trafficFrames] = [await decodeAll('people.mp4'), await decodeAll('traffic.mp4')];
    const base = Date.now();
    let clockMs = 0;
    // Cheap tier first: the hook reports both cameras alive; the leader gives them slots; the worker
    // leases them; the hook starts publishing their frames.
    const feed = (frames: DecodedFrame[], cameraId: string, index: number) => {
      const frame = frames[index % frames.length];
      fedTimestamps.set(cameraId, (fedTimestamps.get(cameraId) ?? new Set()).add(base + clockMs));
      hook.onFrame(cameraId, frame.data, frame.width, frame.height, base + clockMs, frame.letterboxedFrom);
    };
    let primed = 0;
    await waitFor('both cameras analysed by the worker', async () => {
      feed(peopleFrames, people.id, primed);
      feed(trafficFrames, traffic.id, primed);
      primed++;
      clockMs += 500;
      return worker.cameras.length === 2 && hook.isAnalysed(people.id) && hook.isAnalysed(traffic.id);
    }, 30_000, 150);

    // Then each clip from its start, at 2 frames per video second, fed 3x faster than real time.
    const count = Math.max(peopleFrames.length, trafficFrames.length);
    for (let i = 0; i < count; i++) {
      if (i < peopleFrames.length) feed(peopleFrames, people.id, i);
      if (i < trafficFrames.length) feed(trafficFrames, traffic.id, i);
      clockMs += 500;
      await new Promise((resolve) => setTimeout(resolve, 170));
    }

    const alert = await waitFor('a crowd alert from the people camera', async () => {
      const result = await test.db.query(`SELECT id, kind, severity, zone_id, evidence FROM alerts WHERE source_type = 'camera' AND source_id = $1 AND kind = 'crowd'`, [people.id]);
      return result.rows[0];
    }, 30_000, 250);
    expect(alert).toMatchObject({ kind: 'crowd', severity: 'major', zone_id: 'plaza' });
    expect(alert.evidence.count).toBeGreaterThanOrEqual(6);
    const media = await test.db.query(`SELECT content_type, bytes FROM alert_media WHERE alert_id = $1 AND kind = 'snapshot'`, [alert.id]);
    expect(media.rows[0].content_type).toBe('image/jpeg');
    const snapshot = await sharp(media.rows[0].bytes).metadata();
    expect([snapshot.format, snapshot.width, snapshot.height]).toEqual(['jpeg', 416, 234]); // 800x450 picture, letterbox cut away

    const counts = await waitFor('traffic counts for the traffic camera', async () => {
      const result = await test.db.query(`SELECT class, direction, sum(count)::int AS n FROM traffic_counts WHERE camera_id = $1 AND line_id = 'l1' GROUP BY 1, 2`, [traffic.id]);
      const total = result.rows.reduce((sum, row) => sum + row.n, 0);
      return total >= 3 ? result.rows : undefined;
    }, 15_000, 250);
    expect(new Set(counts.map((row) => row.direction)).size).toBe(2); // traffic moves both ways

    const slots = await test.db.query(
      `SELECT s.camera_id, s.worker_id, p.first_frame_at, p.frames_analysed FROM analysis_slots s JOIN analysis_progress p USING (camera_id) ORDER BY s.camera_id`,
    );
    expect(slots.rows).toHaveLength(2);
    for (const slot of slots.rows) {
      expect(slot.worker_id).toBe('e2e-worker');
      expect(slot.first_frame_at).not.toBeNull();
      expect(slot.frames_analysed).toBeGreaterThan(10);
    }
    // The crowd alert now keeps the people camera's slot for its own reason.
    await waitFor('the people camera held for its alert', async () => {
      const result = await test.db.query(`SELECT reason FROM analysis_slots WHERE camera_id = $1`, [people.id]);
      return result.rows[0]?.reason === 'alert';
    }, 10_000);
  });

  it('publishes one notice per analysed frame, with the capture time of the frame it analysed', async () => {
    // After the first test: feeding has stopped, so the slot table's counts and the notices settle.
    for (const cameraId of [people.id, traffic.id]) {
      const counted = await waitFor(`as many notices as analysed frames for ${cameraId}`, async () => {
        const result = await test.db.query(`SELECT frames_analysed::int AS n FROM analysis_progress WHERE camera_id = $1`, [cameraId]);
        const analysed = result.rows[0]?.n ?? 0;
        return analysed > 10 && notices.get(cameraId)?.length === analysed ? analysed : undefined;
      }, 15_000, 250);
      const received = notices.get(cameraId)!;
      expect(received).toHaveLength(counted);
      for (const notice of received) {
        expect(fedTimestamps.get(cameraId)!.has(notice.capturedAt)).toBe(true);
        expect(notice.objects).toBeGreaterThanOrEqual(0);
      }
      // Frames are analysed in capture order (a late frame is skipped, never analysed after a newer one).
      const captured = received.map((notice) => notice.capturedAt);
      expect(captured).toEqual([...captured].sort((a, b) => a - b));
    }
  });
});
