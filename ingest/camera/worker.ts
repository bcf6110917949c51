// A camera-ingest worker: takes its share of the cameras (leases), runs one pipeline per camera, keeps
// their status in PostgreSQL and pushes changes live, raises and clears camera alerts, serves signed
// live view and snapshots, and saves evidence clips. Several workers on several machines share the
// cameras; on stop, every ffmpeg is gone and the cameras are handed back.
// Failures stay local (see failures.ts): a camera that cannot start retries alone, a sync that fails
// is counted and the next one runs, a database outage leaves the cameras running and everything
// (LISTEN, leases, stored status) catches up when it returns.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableAlertOutbox } from '@cityops/core/alerts/outbox';
import { createAlertRaiser } from '@cityops/core/alerts/raise';
import type { AlertRaiser } from '@cityops/core/alerts/types';
import { NotificationBus } from '@cityops/core/database/notification-bus';
import type { Component } from '@cityops/core/lifecycle';
import { createLivePublisher, type LivePublisher } from '@cityops/core/live/publisher';
import { liveRooms } from '@cityops/core/live/rooms';
import { gauge } from '@cityops/core/metrics';
import type { RoleContext } from '@cityops/core/role-context';
import { cameraDetectStreamUrl, cameraPipelineSettings, cameraStreamUrl, cameraVersions } from '@cityops/devices/camera-repository';
import { deviceChanges, type DeviceNotice } from '@cityops/devices/change-notices';
import type { CameraLiveStatus, ServerEventName } from '@cityops/contract/socket-events';
import { inputGeometry, loadManifest, type InputGeometry, type ModelManifest } from '@cityops/models/manifest';
import { encodeJpeg } from '../frame/bgr24-frame.ts';
import { CameraAlerts } from './camera-alerts.ts';
import { CameraAssignment } from './camera-assignment.ts';
import { CameraSharing } from './camera-sharing.ts';
import { privacyMaskFilter } from './privacy-mask.ts';
import { ClipService } from './clip-service.ts';
import { FailureStreak, listenFailureHooks, reportCameraFailure } from './failures.ts';
import { EvidenceBuffer } from './evidence-buffer.ts';
import type { DecodeMode } from './ffmpeg.ts';
import type { FrameConsumer } from './frame-reader.ts';
import { liveWorkerIds } from './lease-repository.ts';
import { LiveRelay, PUBLISH_SIGN_SECONDS } from './live-relay.ts';
import { CAMERA_PICTURE_JPEG, LiveServer } from './live-server.ts';
import { loadLiveSigningKey } from './live-signing.ts';
import { CameraPipeline, type CameraStatus } from './pipeline.ts';
import { saveCameraStatuses } from './status-repository.ts';

export const CAMERA_STATUS_EVENT = 'camera:status' satisfies ServerEventName;
const STATUS_FLUSH_MS = 5000;
/** A rolling-buffer folder of a worker gone from the database and untouched this long is removed. */
const STALE_BUFFER_MS = 2 * 60_000;

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
  /** What the private cameras' owners share now (live view, analysis, clips); city cameras share all. */
  private readonly sharing: CameraSharing;
  /** Analytics' frame input, behind the owners' consent. */
  private readonly consumer?: FrameConsumer;
  private alerts!: CameraAlerts;
  private alertOutbox?: DurableAlertOutbox;
  private live!: LivePublisher;
  private signingKey?: Buffer;
  private readonly deviceListener: NotificationBus;
  private flushTimer?: NodeJS.Timeout;
  /** Syncs and restarts run one after the other on this chain; it never rejects. */
  private syncing: Promise<void> = Promise.resolve();
  private started: Component[] = [];
  /** cameras.updated_at each pipeline started with: edits missed while LISTEN was away show here. */
  private readonly startedVersions = new Map<string, number>();
  /** The privacy mask each camera's buffered segments were recorded with ('' for none) in this process. */
  private readonly bufferMasks = new Map<string, string>();
  private readonly syncFailures: FailureStreak;
  private readonly statusFailures: FailureStreak;
  private readonly bufferRoot: string;
  /** The detection model (DETECT_MODEL): its input is the frame analytics wants, letterboxed by ffmpeg. */
  private readonly model: ModelManifest;

  constructor(
    private readonly context: RoleContext,
    private readonly options: CameraIngestWorkerOptions = {},
  ) {
    const { config, db, logger } = context;
    this.workerId = options.workerId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.model = loadManifest(config.DETECT_MODEL, { dataDir: config.dataDir });
    this.sharing = new CameraSharing({
      db,
      logger,
      // Live view stops at once; analysis frames and clips are checked frame by frame and clip by clip.
      // What the rolling buffer recorded goes at once too, and what ffmpeg records meanwhile at every
      // status flush (flushStatuses): no clip may be cut from it, and the owner did not agree to keep it.
      onChange: (cameraId, sharing) => {
        if (!sharing.live) this.liveServer.stopViewing(cameraId);
        if (!sharing.clips) this.buffer.discard(cameraId);
      },
    });
    this.consumer = options.consumer && this.sharing.guardConsumer(options.consumer);
    this.relay = new LiveRelay({
      logger,
      storeDir: path.join(config.dataDir, 'live-relay'),
      // Its frames still flow; a new ffmpeg run opens a new relay session, so live view comes back.
      onSessionFailed: (cameraId) => this.pipelines.get(cameraId)?.restartStream('the live relay closed its session after an error'),
    });
    this.liveServer = new LiveServer({
      host: config.CAMERA_LIVE_HOST,
      port: config.CAMERA_LIVE_PORT,
      publicUrl: config.CAMERA_LIVE_URL,
      signingKey: () => this.signingKey!,
      relay: this.relay,
      pipeline: (cameraId) => this.pipelines.get(cameraId),
      sharing: (cameraId) => this.sharing.sharing(cameraId),
      db,
      logger,
    });
    this.bufferRoot = path.join(config.dataDir, 'camera-buffer');
    this.buffer = new EvidenceBuffer({
      rootDir: path.join(this.bufferRoot, this.workerId),
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
      clipPolicy: (cameraId, fromMs, toMs) => this.sharing.clip(cameraId, fromMs, toMs),
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
    this.deviceListener = new NotificationBus({
      db,
      logger,
      name: `listen:${deviceChanges.name}`,
      ...listenFailureHooks([deviceChanges.name], logger),
      onReconnected: () => void this.catchUp(),
    }).on(deviceChanges, (change) => this.onDeviceChange(change));
    this.syncFailures = new FailureStreak('camera_sync', 'starting and stopping cameras', logger);
    this.statusFailures = new FailureStreak('status_flush', 'storing camera status', logger);
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
      for (const component of [this.sharing, this.relay, this.liveServer, this.clips]) {
        await component.start();
        this.started.push(component);
      }
      await this.deviceListener.start();
      this.started.push(this.deviceListener);
      await this.removeStaleBuffers();
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
    await this.syncing;
    // Pipelines first, then the leases: another worker must not open a second session meanwhile.
    await Promise.all([...this.pipelines.values()].map((pipeline) => pipeline.stop()));
    for (const cameraId of this.pipelines.keys()) this.alerts?.forget(cameraId);
    this.pipelines.clear();
    this.alerts?.stop();
    await this.alertOutbox?.stop();
    await this.assignment.retire();
    for (const component of this.started.reverse()) await component.stop().catch(() => {});
    this.started = [];
    // Every ffmpeg writing into it has stopped: this worker's buffer is of no more use to anyone.
    rmSync(this.buffer.options.rootDir, { recursive: true, force: true });
  }

  /**
   * Queues work on the sync chain. A failure is counted and logged with what was being done, and the
   * chain goes on: one camera that cannot start must not stop every later start and stop.
   */
  private enqueue(what: string, work: () => Promise<void>): Promise<void> {
    this.syncing = this.syncing.then(work).then(
      () => this.syncFailures.succeeded(),
      (error) => this.syncFailures.failed(error, { while: what }),
    );
    return this.syncing;
  }

  /** Starts and stops pipelines to match the cameras assigned to this worker. */
  private sync(cameraIds: string[]): Promise<void> {
    return this.enqueue('matching the assigned cameras', async () => {
      const wanted = new Set(cameraIds);
      // Before any pipeline starts: a private camera must not be viewed or analysed on the default.
      this.sharing.retain(cameraIds);
      await this.sharing.reload(cameraIds);
      const failed: unknown[] = [];
      for (const [cameraId, pipeline] of this.pipelines) {
        if (wanted.has(cameraId)) continue;
        this.pipelines.delete(cameraId);
        this.startedVersions.delete(cameraId);
        this.lastStatus.delete(cameraId);
        this.alerts.forget(cameraId);
        await pipeline.stop();
        this.buffer.removeCamera(cameraId);
      }
      // Each camera on its own: the others start even when one cannot (the next sync retries it).
      for (const cameraId of cameraIds) {
        if (this.pipelines.has(cameraId)) continue;
        await this.startPipeline(cameraId).catch((error) => failed.push(error));
      }
      this.updateStateGauge();
      if (failed.length) throw new AggregateError(failed, `${failed.length} camera(s) could not be started`);
    });
  }

  private restartPipeline(cameraId: string): Promise<void> {
    return this.enqueue(`restarting camera ${cameraId}`, async () => {
      const pipeline = this.pipelines.get(cameraId);
      if (!pipeline) return;
      this.pipelines.delete(cameraId);
      this.startedVersions.delete(cameraId);
      await pipeline.stop();
    });
  }

  private async startPipeline(cameraId: string): Promise<void> {
    const { config, db, secretBox, logger } = this.context;
    const settings = await cameraPipelineSettings(db, cameraId);
    if (!settings) return;
    this.startedVersions.set(cameraId, settings.version);
    const mask = privacyMaskFilter(settings.privacyMasks);
    // Clips are cut from the buffer: segments recorded before this mask (none, another one, or by an
    // earlier run of this process) would show what it now hides.
    if (mask !== undefined && this.bufferMasks.get(cameraId) !== mask) this.buffer.removeCamera(cameraId);
    this.bufferMasks.set(cameraId, mask ?? '');
    const isAnalysed = this.consumer?.isAnalysed?.bind(this.consumer);
    // At 1 fps or less on a 1 s GOP a keyframe is every frame analytics needs: decoding the P-frames
    // between them only to throw them away was 10 of the 27 CPU ms per analysed frame (vision-live bench).
    const slotDecode: DecodeMode = config.CAMERA_SLOT_DECODE === 'keyframes' && settings.detectFps <= 1 ? 'keyframes' : 'all';
    const cheapDecode: DecodeMode = config.CAMERA_CHEAP_TIER_DECODE;
    const pipeline = new CameraPipeline({
      cameraId,
      streamUrl: () => cameraStreamUrl(db, secretBox, cameraId),
      // Analysis, picture checks and snapshots decode the substream when the camera has one; live view
      // and evidence clips stay on the main stream (stream copies, full resolution, no decoding).
      detectStreamUrl: () => cameraDetectStreamUrl(db, secretBox, cameraId),
      detectFps: settings.detectFps,
      frame: this.frameFor(cameraId, settings.detectInputSize),
      // Only with analysis slots running (a consumer that knows who holds one): the others are the
      // cheap tier, which needs a picture per GOP, not the detect rate.
      decodeMode: isAnalysed ? () => (isAnalysed(cameraId) ? slotDecode : cheapDecode) : undefined,
      ffmpegPath: config.FFMPEG_PATH,
      stallSeconds: config.CAMERA_STALL_SECONDS,
      tamperHoldMs: config.CAMERA_TAMPER_SECONDS * 1000,
      consumer: this.consumer,
      // Asked at each ffmpeg start; valid a little longer than the watchdog lets a start take.
      relayUrl: () => this.relay.publishUrl(cameraId, Math.max(PUBLISH_SIGN_SECONDS, config.CAMERA_STALL_SECONDS + 30)),
      segments: { patternFor: (runId) => this.buffer.patternFor(cameraId, runId), seconds: config.CAMERA_SEGMENT_SECONDS },
      privacyMaskFilter: mask,
      logger: logger.child({ camera: cameraId }),
      onStatus: (status) => void this.onStatus(status),
      onPicture: (change) => {
        if (!change.active) return this.alerts.onPicture(cameraId, change);
        // An owner who does not share live view now does not share its picture in an alert either.
        if (!this.sharing.allows(cameraId, 'live')) return this.alerts.onPicture(cameraId, change);
        // The alert carries the picture that triggered it.
        void pipeline
          .nextFrame(2000)
          .then((frame) => (frame ? encodeJpeg(frame, CAMERA_PICTURE_JPEG) : undefined))
          .catch(() => undefined)
          .then((jpeg) => this.alerts.onPicture(cameraId, change, jpeg));
      },
    });
    this.pipelines.set(cameraId, pipeline);
    await pipeline.start();
  }

  /** The camera's detectInputSize if the model runs at it; otherwise the model's own size (logged: the camera still runs). */
  private frameFor(cameraId: string, detectInputSize: number | undefined): InputGeometry {
    try {
      return inputGeometry(this.model, detectInputSize);
    } catch (error) {
      this.context.logger.warn({ err: error, camera: cameraId }, 'detectInputSize ignored for this camera');
      return inputGeometry(this.model);
    }
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
        decode: status.decode,
        since: status.since.toISOString(),
      } satisfies CameraLiveStatus);
      this.statusFailures.succeeded();
    } catch (error) {
      // The periodic flush stores it again; the live push is for the next change.
      this.statusFailures.failed(error, { camera: status.cameraId });
    }
  }

  private withDiskUse(status: CameraStatus): CameraStatus & { bufferBytes: number; clipBytes: number } {
    return { ...status, bufferBytes: this.buffer.bytes(status.cameraId), clipBytes: this.clips.clipBytes(status.cameraId) };
  }

  /** Counters, fps and disk use of every camera, every few seconds; prunes the rolling buffers. */
  private async flushStatuses(): Promise<void> {
    // Self-healing: a camera that could not be started (or stopped) in a sync is tried again here.
    const assigned = this.assignment.cameras;
    if (assigned.length !== this.pipelines.size || assigned.some((cameraId) => !this.pipelines.has(cameraId))) void this.sync(assigned);
    const rows = [];
    for (const [cameraId, pipeline] of this.pipelines) {
      const { bytes } = this.sharing.allows(cameraId, 'clips') ? this.buffer.prune(cameraId) : this.buffer.discard(cameraId);
      const status = { ...pipeline.status(), bufferBytes: bytes, clipBytes: this.clips.clipBytes(cameraId) };
      rows.push(status);
      cameraFramesDropped.set({ camera: cameraId }, status.framesDropped);
      cameraDiskBytes.set({ camera: cameraId, kind: 'buffer' }, status.bufferBytes);
      cameraDiskBytes.set({ camera: cameraId, kind: 'clips' }, status.clipBytes);
    }
    try {
      await saveCameraStatuses(this.context.db, this.workerId, rows);
      this.statusFailures.succeeded();
    } catch (error) {
      this.statusFailures.failed(error, { cameras: rows.length });
    }
  }

  private updateStateGauge(): void {
    const counts = { online: 0, degraded: 0, offline: 0 };
    for (const pipeline of this.pipelines.values()) counts[pipeline.status().state]++;
    for (const [state, count] of Object.entries(counts)) cameraStates.set({ state }, count);
  }

  /** A camera edited (URL, password, fps) restarts its pipeline; created or deleted ones rebalance. */
  private onDeviceChange(change: DeviceNotice): void {
    if (change.type === 'camera_consent') {
      if (this.pipelines.has(change.id)) void this.reloadSharing([change.id]);
      return;
    }
    if (change.type !== 'camera') return;
    if (change.change === 'updated' && this.pipelines.has(change.id)) {
      const held = this.cameras;
      void this.restartPipeline(change.id);
      void this.sync(held).then(() => this.assignment.tick());
    } else {
      void this.assignment.tick();
    }
  }

  private async reloadSharing(cameraIds: string[]): Promise<void> {
    try {
      await this.sharing.reload(cameraIds);
    } catch (error) {
      // The next sync or reconnect reads it again; meanwhile the last known consent holds.
      reportCameraFailure(this.context.logger, 'camera_sync', error, { cameras: cameraIds }, 'could not read the consent of a private camera');
    }
  }

  /**
   * The device LISTEN is back after a database restart or a network cut: edits made meanwhile were
   * announced to nobody. Restart the cameras whose row changed since their pipeline started, and
   * rebalance (cameras created, deleted or disabled meanwhile).
   */
  private async catchUp(): Promise<void> {
    try {
      const held = this.cameras;
      const versions = await cameraVersions(this.context.db, held);
      const edited = held.filter((cameraId) => versions.has(cameraId) && versions.get(cameraId) !== this.startedVersions.get(cameraId));
      if (edited.length) this.context.logger.info({ cameras: edited }, 'cameras edited while the database connection was away: restarting them');
      for (const cameraId of edited) void this.restartPipeline(cameraId);
      // Consents changed meanwhile were announced to nobody either.
      await this.sharing.reload(held);
      if (edited.length) await this.sync(held);
      await this.assignment.tick();
    } catch (error) {
      // The heartbeat rebalances within a third of a lease; an edit then waits for the next restart.
      reportCameraFailure(this.context.logger, 'resync', error, { worker: this.workerId }, 'could not catch up with device changes after reconnecting');
    }
  }

  /**
   * Rolling-buffer folders of workers that are gone (a crash, kill -9, a restart with a new id) would
   * stay forever: remove those whose worker is not live in the database and that nothing wrote to
   * lately (a live worker on another machine sharing DATA_DIR keeps writing segments every few seconds).
   */
  private async removeStaleBuffers(): Promise<void> {
    let folders: string[];
    try {
      folders = readdirSync(this.bufferRoot);
    } catch {
      return; // no buffer yet
    }
    try {
      const liveIds = await liveWorkerIds(this.context.db);
      for (const folder of folders) {
        if (folder === this.workerId || liveIds.has(folder)) continue;
        const dir = path.join(this.bufferRoot, folder);
        if (Date.now() - lastWriteMs(dir) < STALE_BUFFER_MS) continue;
        rmSync(dir, { recursive: true, force: true });
        this.context.logger.info({ folder: dir }, 'removed the rolling buffer of a worker that is gone');
      }
    } catch (error) {
      reportCameraFailure(this.context.logger, 'buffer_cleanup', error, { dir: this.bufferRoot }, 'could not remove stale rolling buffers; the next start tries again');
    }
  }
}

/** Newest modification time of a buffer folder and its camera folders (segments come and go in those). */
function lastWriteMs(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) newest = Math.max(newest, statSync(path.join(dir, entry.name)).mtimeMs);
  }
  return newest;
}
