// The camera-ingest side of analysis slots, with real frames (the shared traffic video decoded by
// ffmpeg), the real PostgreSQL and the real broker: motion per camera in camera_activity, and JPEG
// frames on MQTT only for cameras that hold a slot. Frames reach the hook as camera ingest hands them
// over: raw bytes in pipe-sized chunks into a FrameReader whose consumer is the hook.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import sharp from 'sharp';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { createLogger } from '../../core/logger.ts';
import { decodeVideoFile, type DecodedFrame } from '../../analytics/video/decode-file.ts';
import { decodeFrameMessage } from '../../ingest/frame/frame-message.ts';
import { SlotFrameHook } from '../../analytics/slots/ingest-hook.ts';
import { SLOTS_CHANGED_CHANNEL } from '../../analytics/slots/notifications.ts';
import { FrameReader } from '../../ingest/camera/frame-reader.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { assetMirrorDir, testMqttUrl } from '../support/urls.ts';
import { cameraGrid, insertCameras, waitFor } from './support/fixtures.ts';

let test: TestDatabase;
let publisher: MqttClient;
let subscriber: MqttClient;
let hook: SlotFrameHook;
const frames: DecodedFrame[] = [];
const prefix = `test-${randomBytes(4).toString('hex')}/frames`;
const [moving, frozen, other] = cameraGrid('hook', 3);

beforeAll(async () => {
  test = await createTestDatabase();
  await insertCameras(test.db, [moving, frozen, other]);
  publisher = await connectMqtt({ MQTT_URL: testMqttUrl() }, `hook-pub-${randomBytes(3).toString('hex')}`);
  subscriber = await connectMqtt({ MQTT_URL: testMqttUrl() }, `hook-sub-${randomBytes(3).toString('hex')}`);
  hook = new SlotFrameHook({ db: test.db, logger: createLogger('silent'), reporter: 'ingest-test', mqtt: publisher, reportIntervalMs: 300, slotRefreshMs: 60_000, topicPrefix: prefix });
  await hook.start();
  for await (const frame of decodeVideoFile(path.join(assetMirrorDir(), 'video', 'traffic.mp4'), { fps: 2, width: 416, height: 416, padValue: 114 })) {
    frames.push({ ...frame, data: Uint8Array.from(frame.data) });
    if (frames.length === 12) break;
  }
});
afterAll(async () => {
  await hook?.stop();
  await publisher?.endAsync();
  await subscriber?.endAsync();
  await test?.drop();
});

const readers = new Map<string, FrameReader>();
const PIPE_CHUNK_BYTES = 64 * 1024; // what a read from ffmpeg's stdout pipe gives at most on Linux

/** One frame into the camera's FrameReader, as ffmpeg's stdout would write it; the reader calls the hook. */
function feed(cameraId: string, frame: DecodedFrame): void {
  let reader = readers.get(cameraId);
  if (!reader) {
    reader = new FrameReader(cameraId, frame.width, frame.height, hook, () => {}, () => frame.letterboxedFrom);
    readers.set(cameraId, reader);
  }
  const bytes = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  for (let offset = 0; offset < bytes.length; offset += PIPE_CHUNK_BYTES) reader.push(bytes.subarray(offset, offset + PIPE_CHUNK_BYTES));
}

describe('slot hook in camera ingest', () => {
  it('records a motion score per camera every few seconds: moving traffic above the threshold, a frozen picture near 0', async () => {
    for (const frame of frames) {
      feed(moving.id, frame);
      feed(frozen.id, frames[0]);
    }
    // The hook took every frame from camera ingest's reader, and none failed in it.
    for (const cameraId of [moving.id, frozen.id]) {
      expect(readers.get(cameraId)!.stats).toEqual({ framesReceived: 12, framesDelivered: 12, framesDropped: 0, consumerErrors: 0 });
    }
    const rows = await waitFor('activity rows for both cameras', async () => {
      const result = await test.db.query(`SELECT camera_id, motion_score, motion_peak, frames, stream_online, last_frame_at, reported_by FROM camera_activity ORDER BY camera_id`);
      return result.rowCount === 2 ? result.rows : undefined;
    });
    const byId = Object.fromEntries(rows.map((row) => [row.camera_id, row]));
    expect(byId[moving.id].motion_score).toBeGreaterThan(3); // SLOT_MOTION_THRESHOLD default
    expect(byId[frozen.id].motion_score).toBeLessThan(0.5);
    expect(byId[moving.id]).toMatchObject({ frames: 12, stream_online: true, reported_by: 'ingest-test' });
    expect(Date.now() - new Date(byId[moving.id].last_frame_at).getTime()).toBeLessThan(10_000);
  });

  it('a dead stream is marked at once', async () => {
    hook.onStreamDown(frozen.id);
    await waitFor('the frozen camera to be marked down', async () => {
      const result = await test.db.query('SELECT stream_online FROM camera_activity WHERE camera_id = $1', [frozen.id]);
      return result.rows[0]?.stream_online === false;
    });
  });

  it('publishes JPEG frames on MQTT only for cameras holding a slot, as soon as the slot is given', async () => {
    const received: { topic: string; payload: Buffer }[] = [];
    subscriber.on('message', (topic, payload) => received.push({ topic, payload }));
    await subscriber.subscribeAsync(`${prefix}/#`, { qos: 0 });
    const sentAfter = Date.now();
    feed(moving.id, frames[0]);
    feed(other.id, frames[0]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(0);

    await test.db.query(`INSERT INTO analysis_slots (camera_id, reason, assigned_at) VALUES ($1, 'motion', now())`, [moving.id]);
    await test.db.query('SELECT pg_notify($1, $2)', [SLOTS_CHANGED_CHANNEL, 'test']);
    await waitFor('the hook to see the slot', async () => hook.isAnalysed(moving.id), 15_000, 20);
    for (let i = 1; i < 5; i++) {
      feed(moving.id, frames[i]);
      feed(other.id, frames[i]);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await waitFor('frames on MQTT', async () => received.length >= 3, 15_000, 20);
    expect(new Set(received.map((message) => message.topic))).toEqual(new Set([`${prefix}/${moving.id}`]));
    const { header, jpeg } = decodeFrameMessage(received[0].payload);
    expect(header).toMatchObject({ width: 416, height: 416, sourceWidth: 640, sourceHeight: 360 });
    expect(header.ts).toBeGreaterThanOrEqual(sentAfter); // the reader's arrival time of the frame
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 416, 416]);
  });
});
