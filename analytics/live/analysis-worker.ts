// An analytics worker: leases analysis slots (slot-leases.ts), subscribes to the frames of exactly the
// cameras it leases (`cityops/frames/{cameraId}`; and, when camera-ingest runs in this process, takes
// their raw frames from the in-process frame channel without the JPEG round trip), runs a CameraSession per camera on one shared
// detector, and reports progress to the slot table. Workers on several machines share the slots;
// when one dies its leases expire and the others take its cameras.
import type { MqttClient } from 'mqtt';
import type { AlertSink } from '@cityops/core/alerts/outbox';
import { NotificationBus } from '@cityops/core/database/notification-bus';
import type { Database } from '@cityops/core/database/pool';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { counter, gauge } from '@cityops/core/metrics';
import { cameraAnalysisRows } from '@cityops/devices/camera-repository';
import { deviceChanges, type DeviceNotice } from '@cityops/devices/change-notices';
import { decodeFrameMessage, FrameMessageError } from '@cityops/ingest/frame/frame-message';
import type { InProcessFrameChannel } from '@cityops/ingest/frame/in-process-frame-channel';
import type { Detector } from '../detect/detector.ts';
import { parseAnalysisConfig, type AnalysisConfig } from '../rules/config.ts';
import { DEFAULT_CITY_TIME_ZONE } from '../rules/engine.ts';
import { analysedFrameTopic, cameraIdOfTopic, FRAME_TOPIC_PREFIX, frameTopic, type AnalysedFrameNotice } from '@cityops/contract/mqtt-topics';
import { SLOT_LISTEN_RETRY_MAX_MS, slotsChanged } from '../slots/notifications.ts';
import { SlotLeaseRepository } from '../slots/slot-leases.ts';
import { CameraSession } from './camera-session.ts';
import { TrafficCountBuffer } from './traffic-counts.ts';
import { ParkingSampleBuffer } from '../parking/minute-sampler.ts';
import { insertParkingSamples } from '../parking/occupancy-repository.ts';

const rejectedFrames = counter('cityops_analysis_frames_rejected_total', 'frame messages refused, by reason', ['reason']);
const leasedGauge = gauge('cityops_analysis_slots_leased', 'analysis slots this worker holds');

export interface AnalysisWorkerDeps {
  db: Database;
  mqtt: MqttClient;
  detector: Detector;
  /** The analytics role's durable outbox (core/alerts/outbox.ts), or a raiser directly in tests. */
  alerts: AlertSink;
  logger: Logger;
  workerId: string;
  /** Cameras this worker offers (measured or configured); summed over workers when SLOT_COUNT is unset. */
  capacity: number;
  msPerFrame?: number;
  leaseMs: number;
  topicPrefix?: string;
  /** Where the analysed-frame notices go (default `cityops/analysed`). */
  analysedTopicPrefix?: string;
  /** The city's time zone (CITY_TIME_ZONE) for thresholds by time of day; the rules' default when absent. */
  timeZone?: string;
  /** How often traffic counts and parking samples go to the database. */
  countsFlushMs?: number;
  /**
   * Set when camera-ingest runs in this process (FRAME_TRANSPORT=auto): the sessions receive its raw
   * frames here. The MQTT subscription stays, for a camera pulled by camera-ingest on another machine.
   */
  localFrames?: InProcessFrameChannel;
  /**
   * Frames analysed at once: the detector's sessions plus one, so a JPEG decode overlaps inference.
   * Default 2.
   */
  concurrency?: number;
}

export class AnalysisWorker implements Component {
  readonly name = 'analysis-worker';
  readonly leases: SlotLeaseRepository;
  private readonly sessions = new Map<string, CameraSession>();
  private readonly counts = new TrafficCountBuffer();
  private readonly parking = new ParkingSampleBuffer();
  private readonly progress = new Map<string, number>();
  private readonly listener: NotificationBus;
  private balanceTimer?: NodeJS.Timeout;
  private countsTimer?: NodeJS.Timeout;
  private progressTimer?: NodeJS.Timeout;
  private balancing?: Promise<void>;
  private balanceAgain = false;
  private heartbeatDue = true;
  private progressChain: Promise<void> = Promise.resolve();
  private readonly ready = new Set<CameraSession>();
  private analysing = 0;
  private running = false;
  private readonly onMessage = (topic: string, payload: Buffer) => this.handleFrame(topic, payload);

  constructor(private readonly deps: AnalysisWorkerDeps) {
    this.leases = new SlotLeaseRepository(deps.db, deps.workerId, deps.leaseMs);
    this.listener = new NotificationBus({ db: deps.db, logger: deps.logger, name: 'analysis-worker:listen', retryMaxMs: SLOT_LISTEN_RETRY_MAX_MS })
      // Claim at once; the heartbeat waits for the timer (a new slot should not wait for it).
      .on(slotsChanged, () => void this.rebalance({ heartbeat: false }))
      .on(deviceChanges, (change) => this.onDeviceChange(change));
  }

  /** Cameras whose slot this worker leases now. */
  get cameras(): string[] {
    return [...this.sessions.keys()];
  }

  async start(): Promise<void> {
    this.running = true;
    this.deps.mqtt.on('message', this.onMessage);
    await this.leases.heartbeat(this.deps.capacity, this.deps.msPerFrame);
    await this.listener.start();
    await this.rebalance();
    // Renew well inside the lease: three chances before it expires.
    this.balanceTimer = setInterval(() => void this.rebalance(), Math.max(500, Math.floor(this.deps.leaseMs / 3)));
    this.countsTimer = setInterval(() => void this.flushCounts(), this.deps.countsFlushMs ?? 10_000);
    this.progressTimer = setInterval(() => void this.flushProgress(), 2000);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.balanceTimer);
    clearInterval(this.countsTimer);
    clearInterval(this.progressTimer);
    await this.listener.stop();
    await this.balancing;
    this.deps.mqtt.off('message', this.onMessage);
    await Promise.all([...this.sessions.keys()].map((cameraId) => this.drop(cameraId)));
    await this.flushProgress();
    await this.flushCounts();
    await this.leases.releaseAll().catch((error) => this.deps.logger.warn({ err: error }, 'could not give back analysis slots; they expire with their lease'));
  }

  /** A held camera's zones or rules changed: restart its analysis with the new configuration. */
  private onDeviceChange(change: DeviceNotice): void {
    // A private camera's consent changed: drop its session now; the rebalance claims it again only if
    // the slot leader (woken by the same change) still gives it a slot.
    if ((change.type === 'camera' || change.type === 'camera_consent') && change.id && this.sessions.has(change.id)) {
      void this.drop(change.id).then(() => this.rebalance());
    }
  }

  /** Heartbeat, renew, claim or give back; then start and stop camera sessions to match. */
  rebalance(options: { heartbeat?: boolean } = {}): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (options.heartbeat !== false) this.heartbeatDue = true;
    if (this.balancing) {
      this.balanceAgain = true;
      return this.balancing;
    }
    this.balancing = (async () => {
      do {
        this.balanceAgain = false;
        try {
          if (this.heartbeatDue) {
            this.heartbeatDue = false;
            await this.leases.heartbeat(this.deps.capacity, this.deps.msPerFrame);
          }
          const { held } = await this.leases.balance();
          const wanted = new Set(held);
          for (const cameraId of [...this.sessions.keys()]) if (!wanted.has(cameraId)) await this.drop(cameraId);
          const added = held.filter((cameraId) => !this.sessions.has(cameraId));
          if (added.length && this.running) await this.open(added);
          leasedGauge.set(this.sessions.size);
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'could not renew or balance analysis slots; retrying');
        }
      } while (this.balanceAgain && this.running);
    })().finally(() => (this.balancing = undefined));
    return this.balancing;
  }

  private async open(cameraIds: string[]): Promise<void> {
    for (const row of await cameraAnalysisRows(this.deps.db, cameraIds)) {
      let config: AnalysisConfig;
      try {
        config = parseAnalysisConfig(row.analysis, `camera ${row.id}`);
      } catch (error) {
        // Detection and tracking still run; zone rules and counting lines need a valid configuration.
        this.deps.logger.warn({ err: error, cameraId: row.id }, 'camera analysis configuration is invalid; analysing without zones and lines');
        config = { zones: [], lines: [], privacyMasks: [] };
      }
      const session = new CameraSession({
        cameraId: row.id,
        cameraName: row.name,
        cameraNameEn: row.nameEn,
        config,
        timeZone: this.deps.timeZone ?? DEFAULT_CITY_TIME_ZONE,
        detector: this.deps.detector,
        alerts: this.deps.alerts,
        counts: this.counts,
        parking: this.parking,
        logger: this.deps.logger,
        onAnalysed: (cameraId, frame) => this.noteAnalysed(cameraId, frame),
        onReady: (ready) => this.schedule(ready),
      });
      this.sessions.set(row.id, session);
      this.deps.localFrames?.attach(row.id, session);
      await this.deps.mqtt.subscribeAsync(frameTopic(row.id, this.deps.topicPrefix ?? FRAME_TOPIC_PREFIX), { qos: 0 });
    }
  }

  /**
   * The worker decides which camera's frame runs next, not the order frames arrived: a camera that
   * has just got its slot (no frame analysed yet: an alert, a pin, a sensor alarm) goes first, then
   * the camera that has waited longest. Under overload every camera slows down evenly, and the one
   * that matters now is seen at once.
   */
  private schedule(session: CameraSession): void {
    this.ready.add(session);
    this.dispatch();
  }

  private dispatch(): void {
    const concurrency = this.deps.concurrency ?? 2;
    while (this.analysing < concurrency && this.ready.size > 0) {
      let best: CameraSession | undefined;
      for (const candidate of this.ready) {
        if (!best) best = candidate;
        else if ((candidate.frames === 0) !== (best.frames === 0)) best = candidate.frames === 0 ? candidate : best;
        else if (candidate.waitingSinceMs < best.waitingSinceMs) best = candidate;
      }
      this.ready.delete(best!);
      if (!best!.hasPending || this.sessions.get(best!.cameraId) !== best) continue;
      this.analysing++;
      void best!.analysePending().finally(() => {
        this.analysing--;
        this.dispatch();
      });
    }
  }

  private async drop(cameraId: string): Promise<void> {
    const session = this.sessions.get(cameraId);
    if (!session) return;
    this.sessions.delete(cameraId);
    this.deps.localFrames?.detach(cameraId, session);
    this.ready.delete(session);
    this.progress.delete(cameraId);
    await this.deps.mqtt.unsubscribeAsync(frameTopic(cameraId, this.deps.topicPrefix ?? FRAME_TOPIC_PREFIX)).catch(() => undefined);
    await session.close();
  }

  private handleFrame(topic: string, payload: Buffer): void {
    const cameraId = cameraIdOfTopic(topic, this.deps.topicPrefix ?? FRAME_TOPIC_PREFIX);
    if (!cameraId) return; // another subscription of this client
    const session = this.sessions.get(cameraId);
    if (!session) {
      rejectedFrames.inc({ reason: 'not_leased' });
      return;
    }
    try {
      const { header, jpeg } = decodeFrameMessage(payload);
      session.offer(header, jpeg);
    } catch (error) {
      rejectedFrames.inc({ reason: error instanceof FrameMessageError ? error.code : 'invalid' });
    }
  }

  private noteAnalysed(cameraId: string, frame: { capturedAt: number; objects: number }): void {
    this.noteProgress(cameraId);
    const notice: AnalysedFrameNotice = { capturedAt: frame.capturedAt, analysedAt: Date.now(), objects: frame.objects };
    // QoS 0 and fire-and-forget: a lost notice costs a figure on a dashboard, never a frame.
    if (this.deps.mqtt.connected) this.deps.mqtt.publish(analysedFrameTopic(cameraId, this.deps.analysedTopicPrefix), JSON.stringify(notice), { qos: 0, retain: false });
  }

  private noteProgress(cameraId: string): void {
    const first = !this.progress.has(cameraId) && this.sessions.get(cameraId)?.frames === 1;
    this.progress.set(cameraId, (this.progress.get(cameraId) ?? 0) + 1);
    // The first analysed frame of a new slot is written at once: the dashboard and the bench watch it.
    if (first) void this.flushProgress();
  }

  /** One write at a time (a first frame and the periodic flush can ask together). */
  private flushProgress(): Promise<void> {
    this.progressChain = this.progressChain.then(async () => {
      if (this.progress.size === 0) return;
      const entries = [...this.progress].map(([cameraId, frames]) => ({ cameraId, frames }));
      this.progress.clear();
      await this.leases.recordFrames(entries).catch((error) => this.deps.logger.warn({ err: error }, 'could not record analysis progress'));
    });
    return this.progressChain;
  }

  private async flushCounts(): Promise<void> {
    try {
      await this.counts.flush(this.deps.db);
    } catch (error) {
      this.deps.logger.warn({ err: error, pending: this.counts.pending }, 'could not write traffic counts; keeping them for the next attempt');
    }
    try {
      await this.parking.flush((samples) => insertParkingSamples(this.deps.db, samples));
    } catch (error) {
      this.deps.logger.warn({ err: error, pending: this.parking.pending }, 'could not write parking occupancy samples; keeping them for the next attempt');
    }
  }
}
