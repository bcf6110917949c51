// A camera-ingest worker: takes its share of the cameras (leases), runs one pipeline per camera, keeps
// their status in PostgreSQL and pushes changes live, raises and clears camera alerts, serves signed
// live view and snapshots, and saves evidence clips. Several workers on several machines share the
// cameras; on stop, every ffmpeg is gone and the cameras are handed back.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { DurableAlertOutbox } from '@cityops/core/alerts/outbox';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import type { Component } from '@cityops/core/lifecycle';
import { createLivePublisher, type LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import { gauge } from '@cityops/core/metrics';
import type { RoleContext } from '@cityops/core/role-context';
import { cameraStreamUrl } from '@cityops/devices/camera-repository';
import { DEVICE_CHANNEL, type DeviceChange } from '@cityops/devices/change-notices';
import { CameraAlerts } from './camera-alerts.ts';
import { CameraAssignment } from './camera-assignment.ts';
import { ClipService } from './clip-service.ts';
import { EvidenceBuffer } from './evidence-buffer.ts';
import type { FrameConsumer } from './frame-reader.ts';
import { LiveRelay } from './live-relay.ts';
import { frameToJpeg, LiveServer } from './live-server.ts';
import { loadLiveSigningKey } from './live-signing.ts';
import { CameraPipeline, type CameraStatus } from './pipeline.ts';
import { saveCameraStatuses } from './status-repository.ts';

export const CAMERA_STATUS_EVENT = 'camera:status';
const STATUS_FLUSH_MS = 5000;

const cameraStates = gauge('cityops_camera_state', 'cameras pulled by this worker, by state', ['state']);
const cameraFramesDropped = gauge('cityops_camera_frames_dropped', 'frames dropped because analytics was behind, per camera', ['camera']);
const cameraDiskBytes = gauge('cityops_camera_disk_bytes', 'disk used per camera (rolling buffer, saved clips)', ['camera', 'kind']);

export interface CameraIngestWorkerOptions {
  /** Analytics' frame input; without it frames are still checked for health and snapshots. */
  consumer?: FrameConsumer;
  /** Defaults to the shared alerts API on this database. */
  raiser?: AlertRaiser;
  workerId?: string;
}

export class CameraIngestWorker implements Component {
  readonly name = 'camera-ingest';
  readonly workerId: string;
  private readonly pipelines = new Map<string, CameraPipeline>();
  private readonly lastStatus = new Map<string, CameraStatus>();
  private readonly relay: LiveRelay;
  private readonly liveServer: LiveServer;
  private readonly buffer: EvidenceBuffer;
  private readonly clips: ClipService;
  private readonly assignment: CameraAssignment;
  private alerts!: CameraAlerts;
  private alertOutbox?: DurableAlertOutbox;
  private live!: LivePublisher;
  private signingKey?: Buffer;
  private deviceListener?: pg.PoolClient;
  private flushTimer?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private started: Component[] = [];

  constructor(
    private readonly context: RoleContext,
    private readonly options: CameraIngestWorkerOptions = {},
  ) {
    const { config, db, logger } = context;
    this.workerId = options.workerId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.relay = new LiveRelay({ logger, storeDir: path.join(config.dataDir, 'live-relay') });
    this.liveServer = new LiveServer({
      host: config.CAMERA_LIVE_HOST,
      port: config.CAMERA_LIVE_PORT,
      publicUrl: config.CAMERA_LIVE_URL,
      signingKey: () => this.signingKey!,
      relay: this.relay,
      pipeline: (cameraId) => this.pipelines.get(cameraId),
      db,
      logger,
    });
    this.buffer = new EvidenceBuffer({
      rootDir: path.join(config.dataDir, 'camera-buffer', this.workerId),
      keepSeconds: config.CAMERA_BUFFER_SECONDS,
      maxBytesPerCamera: config.CAMERA_BUFFER_MAX_MB * 1024 * 1024,
      segmentSeconds: config.CAMERA_SEGMENT_SECONDS,
    });
    this.clips = new ClipService({
      db,
      buffer: this.buffer,
      clipsDir: config.CAMERA_CLIPS_DIR ?? path.join(config.dataDir, 'clips'),
      retentionDays: config.CAMERA_CLIP_RETENTION_DAYS,
      ffmpegPath: config.FFMPEG_PATH,
      workerId: this.workerId,
      heldCameras: () => [...this.pipelines.keys()],
      logger,
    });
    this.assignment = new CameraAssignment({
      db,
      workerId: this.workerId,
      host: os.hostname(),
      liveUrl: () => this.liveServer.url,
      leaseSeconds: config.CAMERA_LEASE_SECONDS,
      logger: logger.child({ worker: this.workerId }),
      onAssigned: (cameraIds) => this.sync(cameraIds),
    });
  }

  /** Cameras this worker pulls now. */
  get cameras(): string[] {
    return [...this.pipelines.keys()].sort();
  }

  get liveUrl(): string {
    return this.liveServer.url;
  }

  pipeline(cameraId: string): CameraPipeline | undefined {
    return this.pipelines.get(cameraId);
  }

  /** Deletes clips past their retention now (it also runs every minute). */
  deleteExpiredClips(): Promise<number> {
    return this.clips.deleteExpired();
  }

  async start(): Promise<void> {
    const { db, secretBox } = this.context;
    try {
      this.signingKey = await loadLiveSigningKey(db, secretBox);
      this.live = createLivePublisher(db);
      // Camera alerts wait on disk while the database is away (core/alerts/outbox.ts).
      const { config, logger } = this.context;
      this.alertOutbox = new DurableAlertOutbox({
        producer: 'camera-ingest',
        directory: path.join(config.dataDir, 'alert-outbox', 'camera-ingest'),
        alerts: this.options.raiser ?? createAlertRaiser({ db, live: this.live }),
        logger,
        maxBytes: config.ALERT_OUTBOX_MAX_MB * 1024 * 1024,
      });
      await this.alertOutbox.start();
      this.alerts = new CameraAlerts(this.alertOutbox, logger);
      for (const component of [this.relay, this.liveServer, this.clips]) {
        await component.start();
        this.started.push(component);
      }
      await this.listenForDeviceChanges();
      this.flushTimer = setInterval(() => void this.flushStatuses(), STATUS_FLUSH_MS);
      await this.assignment.start();
      this.context.logger.info({ worker: this.workerId, liveUrl: this.liveServer.url }, 'camera-ingest worker started');
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.assignment.stop();
    clearInterval(this.flushTimer);
    await this.syncing.catch(() => {});
    // Pipelines first, then the leases: another worker must not open a second session meanwhile.
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.stop()));
    for (const cameraId of this.pipelines.keys()) this.alerts?.forget(cameraId);
    this.pipelines.clear();
    this.alerts?.stop();
    await this.alertOutbox?.stop();
    await this.assignment.retire();
    if (this.deviceListener) {
      await this.deviceListener.query(`UNLISTEN ${DEVICE_CHANNEL}`).catch(() => {});
      this.deviceListener.release();
      this.deviceListener = undefined;
    }
    for (const component of this.started.reverse()) await component.stop().catch(() => {});
    this.started = [];
  }

  /** Starts and stops pipelines to match the cameras assigned to this worker. */
  private sync(cameraIds: string[]): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const wanted = new Set(cameraIds);
      for (const [cameraId, pipeline] of this.pipelines) {
        if (wanted.has(cameraId)) continue;
        this.pipelines.delete(cameraId);
        this.lastStatus.delete(cameraId);
        this.alerts.forget(cameraId);
        await pipeline.stop();
        this.buffer.removeCamera(cameraId);
      }
      for (const cameraId of cameraIds) {
        if (!this.pipelines.has(cameraId)) await this.startPipeline(cameraId);
      }
      this.updateStateGauge();
    });
    return this.syncing;
  }

  private async startPipeline(cameraId: string): Promise<void> {
    const { config, db, secretBox, logger } = this.context;
    const row = await db.query('SELECT detect_fps FROM cameras WHERE id = $1', [cameraId]);
    if (!row.rowCount) return;
    const isAnalysed = this.options.consumer?.isAnalysed?.bind(this.options.consumer);
    const pipeline = new CameraPipeline({
      cameraId,
      streamUrl: () => cameraStreamUrl(db, secretBox, cameraId),
      detectFps: Number(row.rows[0].detect_fps),
      // Only with analysis slots running (a consumer that knows who holds one): the others are the
      // cheap tier, which needs a picture per GOP, not the detect rate.
      decodeMode:
        isAnalysed && config.CAMERA_CHEAP_TIER_DECODE === 'keyframes' ? () => (isAnalysed(cameraId) ? 'all' : 'keyframes')
          : undefined,
      ffmpegPath: config.FFMPEG_PATH,
      stallSeconds: config.CAMERA_STALL_SECONDS,
      tamperHoldMs: config.CAMERA_TAMPER_SECONDS * 1000,
      consumer: this.options.consumer,
      relayUrl: () => this.relay.publishUrl(cameraId),
      segments: { patternFor: (runId) => this.buffer.patternFor(cameraId, runId), seconds: config.CAMERA_SEGMENT_SECONDS },
      logger: logger.child({ camera: cameraId }),
      onStatus: (status) => void this.onStatus(status),
      onPicture: (change) => {
        if (!change.active) return this.alerts.onPicture(cameraId, change);
        // The alert carries the picture that triggered it.
        void pipeline
          .nextFrame(2000)
          .then((frame) => (frame ? frameToJpeg(frame) : undefined))
          .catch(() => undefined)
          .then((jpeg) => this.alerts.onPicture(cameraId, change, jpeg));
      },
    });
    this.pipelines.set(cameraId, pipeline);
    await pipeline.start();
  }

  private async onStatus(status: CameraStatus): Promise<void> {
    const previous = this.lastStatus.get(status.cameraId);
    this.lastStatus.set(status.cameraId, status);
    if (!this.pipelines.has(status.cameraId)) return;
    this.alerts.onStatus(previous, status);
    this.updateStateGauge();
    try {
      await saveCameraStatuses(this.context.db, this.workerId, [this.withDiskUse(status)]);
      await this.live.publish(liveRooms.staff(), CAMERA_STATUS_EVENT, {
        cameraId: status.cameraId,
        state: status.state,
        reason: status.reason,
        message: status.message,
        fps: status.fps,
        picture: status.picture,
        liveView: status.liveView,
        since: status.since.toISOString(),
      });
    } catch (error) {
      this.context.logger.warn({ err: error, camera: status.cameraId }, 'could not store or publish camera status');
    }
  }

  private withDiskUse(status: CameraStatus): CameraStatus & { bufferBytes: number; clipBytes: number } {
    return { ...status, bufferBytes: this.buffer.bytes(status.cameraId), clipBytes: this.clips.clipBytes(status.cameraId) };
  }

  /** Counters, fps and disk use of every camera, every few seconds; prunes the rolling buffers. */
  private async flushStatuses(): Promise<void> {
    const rows = [];
    for (const [cameraId, pipeline] of this.pipelines) {
      const { bytes } = this.buffer.prune(cameraId);
      const status = { ...pipeline.status(), bufferBytes: bytes, clipBytes: this.clips.clipBytes(cameraId) };
      rows.push(status);
      cameraFramesDropped.set({ camera: cameraId }, status.framesDropped);
      cameraDiskBytes.set({ camera: cameraId, kind: 'buffer' }, status.bufferBytes);
      cameraDiskBytes.set({ camera: cameraId, kind: 'clips' }, status.clipBytes);
    }
    await saveCameraStatuses(this.context.db, this.workerId, rows).catch((error) =>
      this.context.logger.warn({ err: error }, 'could not store camera statuses'),
    );
  }

  private updateStateGauge(): void {
    const counts = { online: 0, degraded: 0, offline: 0 };
    for (const pipeline of this.pipelines.values()) counts[pipeline.status().state]++;
    for (const [state, count] of Object.entries(counts)) cameraStates.set({ state }, count);
  }

  /** A camera edited (URL, password, fps) restarts its pipeline; created or deleted ones rebalance. */
  private async listenForDeviceChanges(): Promise<void> {
    this.deviceListener = await this.context.db.connect();
    this.deviceListener.on('error', (error) => this.context.logger.warn({ err: error }, 'device change listener lost its connection'));
    this.deviceListener.on('notification', (message) => {
      let change: DeviceChange;
      try {
        change = JSON.parse(message.payload ?? '');
      } catch {
        return;
      }
      if (change.type !== 'camera') return;
      if (change.change === 'updated' && this.pipelines.has(change.id)) {
        const held = this.cameras;
        this.syncing = this.syncing.then(async () => {
          const pipeline = this.pipelines.get(change.id);
          if (!pipeline) return;
          this.pipelines.delete(change.id);
          await pipeline.stop();
        });
        void this.sync(held).then(() => this.assignment.tick());
      } else {
        void this.assignment.tick();
      }
    });
    await this.deviceListener.query(`LISTEN ${DEVICE_CHANNEL}`);
  }
}
