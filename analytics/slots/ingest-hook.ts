// What camera-ingest does with each sampled frame for analysis slots, in one call:
//   1. the cheap tier: a motion score for every camera, reported to PostgreSQL every few seconds
//      (one statement for all of this worker's cameras);
//   2. for cameras holding a slot: the frame as JPEG on MQTT `cityops/frames/{cameraId}` (QoS 0) for
//      the analytics worker that leased the slot; or, when that worker runs in this process
//      (FRAME_TRANSPORT=auto with both roles here), the raw frame handed to it in memory, no JPEG.
// camera-ingest passes this hook as the CameraPipeline `consumer` (onFrame per sampled frame) and calls
// `onStreamDown` when a camera goes offline; the slot set is cached here, refreshed every few seconds
// and at once on NOTIFY.
import type { MqttClient } from 'mqtt';
import { NotificationBus } from '@cityops/core/database/notification-bus';
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter } from '@cityops/core/metrics';
import { FrameJpegEncoder, type RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { encodeFrameMessage } from '@cityops/ingest/frame/frame-message';
import type { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';
import { markStreamDown, recordActivity, type ActivityReport } from './activity-repository.ts';
import { FRAME_TOPIC_PREFIX, frameTopic } from '@cityops/contract/mqtt-topics';
import { MotionAccumulator, MotionMeter } from './motion.ts';
import { SLOT_LISTEN_RETRY_MAX_MS, slotsChanged } from './notifications.ts';
import { slotCameraIds } from './slot-repository.ts';

const cheapFrames = counter('cityops_cheap_tier_frames_total', 'sampled frames measured for motion (cheap tier)');
const framesPublished = counter('cityops_slot_frames_published_total', 'frames published to analytics for cameras holding a slot');
const framesHandedOver = counter('cityops_slot_frames_in_process_total', 'raw frames handed to an analytics worker in this process (no JPEG, no broker)');
const framesDropped = counter('cityops_slot_frames_dropped_total', 'frames of slot-holding cameras not published, by reason', ['reason']);
const reportFailures = counter('cityops_cheap_tier_report_failures_total', 'motion reports that could not be written');

export interface SlotFrameHookOptions {
  db: Database;
  logger: Logger;
  /** Who reports (the camera-ingest worker id), kept on the activity rows. */
  reporter: string;
  /** Without a broker, only the cheap tier runs. */
  mqtt?: MqttClient;
  /** Or: how to connect one at start (the hook then owns it and closes it on stop). */
  connectMqtt?: () => Promise<MqttClient>;
  reportIntervalMs?: number;
  slotRefreshMs?: number;
  jpegQuality?: number;
  topicPrefix?: string;
  /** The analytics role in this process, when there is one (FRAME_TRANSPORT=auto): raw frames go there. */
  localFrames?: InProcessFrameChannel;
}

interface CameraState {
  meter: MotionMeter;
  motion: MotionAccumulator;
  encoder?: FrameJpegEncoder;
  encoding: boolean;
}

export class SlotFrameHook implements Component {
  readonly name = 'slot-frame-hook';
  private readonly cameras = new Map<string, CameraState>();
  private analysed = new Set<string>();
  private readonly listener: NotificationBus;
  private reportTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private reporting?: Promise<void>;
  private running = false;
  private mqtt?: MqttClient;
  private ownsMqtt = false;

  constructor(private readonly options: SlotFrameHookOptions) {
    this.mqtt = options.mqtt;
    this.listener = new NotificationBus({ db: options.db, logger: options.logger, name: 'slot-hook:listen', retryMaxMs: SLOT_LISTEN_RETRY_MAX_MS }).on(
      slotsChanged,
      () => void this.refreshSlots(),
    );
  }

  async start(): Promise<void> {
    this.running = true;
    if (!this.mqtt && this.options.connectMqtt) {
      this.mqtt = await this.options.connectMqtt();
      this.ownsMqtt = true;
    }
    await this.listener.start();
    await this.refreshSlots();
    this.reportTimer = setInterval(() => void this.report(), this.options.reportIntervalMs ?? 5000);
    this.refreshTimer = setInterval(() => void this.refreshSlots(), this.options.slotRefreshMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.reportTimer);
    clearInterval(this.refreshTimer);
    await this.listener.stop();
    await this.refreshing;
    await this.report();
    this.cameras.clear();
    if (this.ownsMqtt) await this.mqtt?.endAsync().catch(() => undefined);
    if (this.ownsMqtt) this.mqtt = undefined;
  }

  /** Whether frames of this camera currently go to analytics. */
  isAnalysed(cameraId: string): boolean {
    return this.analysed.has(cameraId) || (this.options.localFrames?.has(cameraId) ?? false);
  }

  /**
   * One sampled frame of one camera: bgr24 `width`x`height` (the model input, letterboxed from
   * `letterboxedFrom`). Same signature as camera-ingest's FrameConsumer.onFrame, so a CameraPipeline
   * takes this hook as its `consumer`. Cheap and synchronous, never throws; everything it keeps is
   * copied before it returns, so camera-ingest may reuse the buffer at once.
   */
  onFrame(cameraId: string, data: Uint8Array, width: number, height: number, timestampMs: number, letterboxedFrom?: { width: number; height: number }): void {
    let state = this.cameras.get(cameraId);
    if (!state) {
      state = { meter: new MotionMeter(), motion: new MotionAccumulator(), encoding: false };
      this.cameras.set(cameraId, state);
    }
    const frame: RawFrame = { data, width, height, ...(letterboxedFrom ? { letterboxedFrom } : {}) };
    try {
      state.motion.add(state.meter.measure(frame), Date.now());
      cheapFrames.inc();
    } catch (error) {
      this.options.logger.warn({ err: error, cameraId }, 'motion score failed for a frame');
    }
    // A local worker analyses the camera: its session copies the frame and keeps only the newest one
    // while busy (counted as superseded), as it does with frames from MQTT. No slot-set check needed:
    // a worker only attaches for a slot it leases.
    if (this.options.localFrames?.deliver(cameraId, frame, timestampMs)) framesHandedOver.inc();
    else if (this.analysed.has(cameraId)) this.publish(cameraId, state, frame, timestampMs);
  }

  /** camera-ingest's watchdog found the stream dead: its slot goes to another camera at once. */
  onStreamDown(cameraId: string): void {
    const state = this.cameras.get(cameraId);
    state?.meter.reset();
    state?.motion.take();
    markStreamDown(this.options.db, cameraId, this.options.reporter).catch((error) =>
      this.options.logger.warn({ err: error, cameraId }, 'could not record a dead stream for the slot scheduler'),
    );
  }

  /** The camera left this worker (lease moved, camera deleted): forget its state. */
  onCameraRemoved(cameraId: string): void {
    this.cameras.delete(cameraId);
  }

  private publish(cameraId: string, state: CameraState, frame: RawFrame, timestampMs: number): void {
    const mqtt = this.mqtt;
    if (!mqtt) return;
    if (!mqtt.connected) {
      framesDropped.inc({ reason: 'broker_disconnected' });
      return;
    }
    // One encode in flight per camera: if the last one is not done, this frame is dropped (the next
    // one is newer anyway).
    if (state.encoding) {
      framesDropped.inc({ reason: 'encoder_busy' });
      return;
    }
    state.encoding = true;
    state.encoder ??= new FrameJpegEncoder();
    const header = {
      ts: timestampMs,
      width: frame.width,
      height: frame.height,
      ...(frame.letterboxedFrom ? { sourceWidth: frame.letterboxedFrom.width, sourceHeight: frame.letterboxedFrom.height } : {}),
    };
    state.encoder
      .encode(frame, { quality: this.options.jpegQuality ?? 80 })
      .then((jpeg) => {
        mqtt.publish(frameTopic(cameraId, this.options.topicPrefix ?? FRAME_TOPIC_PREFIX), encodeFrameMessage(header, jpeg), { qos: 0, retain: false });
        framesPublished.inc();
      })
      .catch((error) => {
        framesDropped.inc({ reason: 'encode_failed' });
        this.options.logger.warn({ err: error, cameraId }, 'could not encode a frame for analytics');
      })
      .finally(() => (state.encoding = false));
  }

  private refreshSlots(): Promise<void> {
    // Coalesce a NOTIFY burst into few queries, but never lose one: a change announced while a query
    // runs (it may have read the table before that commit) gets one more query after it.
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          this.analysed = await slotCameraIds(this.options.db);
        } catch (error) {
          if (this.running) this.options.logger.warn({ err: error }, 'could not read the slot table; keeping the last slot set');
        }
      } while (this.refreshAgain && this.running);
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private report(): Promise<void> {
    if (this.reporting) return this.reporting;
    const now = Date.now();
    const reports: ActivityReport[] = [];
    for (const [cameraId, state] of this.cameras) {
      const taken = state.motion.take();
      if (taken) reports.push({ cameraId, motionScore: taken.motionScore, motionPeak: taken.motionPeak, frames: taken.frames, lastFrameAgeMs: now - taken.lastFrameAtMs });
    }
    if (reports.length === 0) return Promise.resolve();
    this.reporting = recordActivity(this.options.db, reports, this.options.reporter)
      .then(() => undefined)
      .catch((error) => {
        reportFailures.inc();
        this.options.logger.warn({ err: error, cameras: reports.length }, 'could not write motion reports');
      })
      .finally(() => (this.reporting = undefined));
    return this.reporting;
  }
}
