// One camera's ingest: one ffmpeg process (one RTSP session, two with a detect stream) producing frames
// for analytics, the live relay and the evidence buffer; a watchdog that restarts it when frames stop
// (backoff 1 s … 10 s); the camera's state (online / degraded / offline, with a reason a person can act
// on); and the picture checks (frozen, black, scene change). It never throws at its caller: every
// failure becomes a state.
import { randomBytes } from 'node:crypto';
import { backoffMs, type Component } from '@cityops/core/lifecycle';
import { redactUrl, type Logger } from '@cityops/core/logger';
import type { InputGeometry } from '@cityops/models/manifest';
import type { RawFrame } from '../frame/bgr24-frame.ts';
import { FfmpegProcess, IngestLogParser, ingestCommand, type DecodeMode, type IngestFailureCode } from './ffmpeg.ts';
import { reportCameraFailure } from './failures.ts';
import { FrameReader, type FrameConsumer, type FrameReaderStats } from './frame-reader.ts';
import { PictureHealth, type PictureCondition, type PictureConditionChange } from './picture-health.ts';

export const CAMERA_STATES = ['online', 'degraded', 'offline'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

/** Why a camera is not simply online. */
export type CameraReason =
  | IngestFailureCode
  | 'connecting'
  | 'stalled'
  | 'exited'
  | 'unsupported_codec'
  | 'config_error'
  | 'low_fps'
  | PictureCondition;

export interface CameraStatus {
  cameraId: string;
  state: CameraState;
  reason: CameraReason | null;
  message: string | null;
  /** Frames per second delivered over the last 10 s, and the camera's detect rate. */
  fps: number;
  targetFps: number;
  /** What ffmpeg decodes now: every frame at targetFps, or keyframes only (one per GOP, cheap tier). */
  decode: DecodeMode;
  framesReceived: number;
  framesDelivered: number;
  framesDropped: number;
  restarts: number;
  lastFrameAt: Date | null;
  codec: string | null;
  width: number | null;
  height: number | null;
  picture: PictureCondition[];
  liveView: boolean;
  since: Date;
}

export interface CameraPipelineOptions {
  cameraId: string;
  /** The stream URL with credentials (decrypted on each start); never logged. */
  streamUrl: () => Promise<string>;
  /**
   * The camera's detect stream (substream) URL with credentials, asked on each start, or undefined
   * when it has none. Set: analytics frames, picture checks and snapshots come from it; the main stream
   * is only copied to the live relay and the evidence buffer (no decoding of the full-size picture).
   */
  detectStreamUrl?: () => Promise<string | undefined>;
  detectFps: number;
  /** The frames analytics wants: the model input from the manifest (inputGeometry). */
  frame: InputGeometry;
  /**
   * Asked every second: what to decode now (default: every frame). A change restarts ffmpeg in the
   * other mode; the live relay and the segment buffer are stream copies and pick up again with it.
   */
  decodeMode?: () => DecodeMode;
  ffmpegPath: string;
  stallSeconds: number;
  tamperHoldMs: number;
  consumer?: FrameConsumer;
  /** rtmp:// URL for the live relay (fresh per start: it carries a signature), if live view is on. */
  relayUrl?: () => string | undefined;
  /** Rolling evidence buffer: segment file pattern for this ffmpeg run. */
  segments?: { patternFor: (runId: string) => string; seconds: number };
  /** The camera's privacy masks as an ffmpeg filter chain (privacy-mask.ts), if it has any. */
  privacyMaskFilter?: string;
  logger: Logger;
  onStatus?: (status: CameraStatus) => void;
  onPicture?: (change: PictureConditionChange) => void;
  /** For tests: shorter backoff bounds. */
  backoff?: { minMs: number; maxMs: number };
}

/** Codecs ingest accepts: what cameras send and FLV/MP4 can carry as they are. */
const SUPPORTED_CODECS = new Set(['h264', 'hevc']);
/** A wrong password or an unsupported codec needs a person: retry rarely (no storm, no lockout). */
const NEEDS_A_PERSON_RETRY_MS = 15 * 60_000;
/** Connecting takes RTSP setup, probing and the wait for a keyframe: allow this on top of the stall limit. */
const STARTUP_GRACE_MS = 8000;
const FPS_WINDOW_MS = 10_000;
const DEGRADED_FPS_RATIO = 0.7;
/** Keyframe mode: one frame per GOP, and cameras send GOPs of up to 10 s; no "no frame" before this. */
const KEYFRAME_STALL_MIN_SECONDS = 12;
const KEYFRAMES_RETRY_MS = 10 * 60_000;
const REQUESTED_RESTART_MIN_INTERVAL_MS = 60_000;
/**
 * Retries of a camera that is down: 1 s, 2 s, 4 s, 8 s, then every 10 s. A camera that comes back is
 * pulled again within 10 s (plus RTSP setup), however long or often it was gone; a retry is one TCP
 * connection, cheap enough every 10 s. (Wrong passwords and codecs wait for a person instead.)
 */
const MAX_BACKOFF_MS = 10_000;

export class CameraPipeline implements Component {
  readonly name: string;
  private ffmpeg?: FfmpegProcess;
  private reader?: FrameReader;
  private readonly health: PictureHealth;
  private stopped = true;
  private attempt = 0;
  private restartTimer?: NodeJS.Timeout;
  private watchdogTimer?: NodeJS.Timeout;
  private spawnedAt = 0;
  private runFirstFrameAt = 0;
  private killedByWatchdog = false;
  /** The mode the current ffmpeg run decodes in. */
  private decode: DecodeMode = 'all';
  /** The current run is being stopped to restart in the other mode (or on request): not a failure. */
  private switchingMode = false;
  private lastRequestedRestartAt = 0;
  /**
   * After a keyframe run that opened the stream but never delivered a frame (a camera without
   * keyframes, e.g. periodic intra refresh), the camera decodes every frame until then (ms).
   */
  private keyframesUnusableUntil = 0;
  private runSawStream = false;
  private runFailure?: { code: CameraReason; message: string };
  private sourceSize?: { width: number; height: number };
  private codec?: string;
  private readonly frameTimes: number[] = [];
  private readonly statsBefore: FrameReaderStats = { framesReceived: 0, framesDelivered: 0, framesDropped: 0, consumerErrors: 0 };
  private restarts = 0;
  private lastFrameAt = 0;
  private current: { state: CameraState; reason: CameraReason | null; message: string | null; since: Date } = {
    state: 'offline',
    reason: 'connecting',
    message: 'connecting to the camera',
    since: new Date(),
  };
  private snapshotWaiters: Array<(frame: Buffer | undefined) => void> = [];
  /** Last stderr lines of the current run (credentials redacted), logged when it fails. */
  private readonly stderrTail: string[] = [];

  constructor(private readonly options: CameraPipelineOptions) {
    this.name = `camera-pipeline:${options.cameraId}`;
    this.health = new PictureHealth(options.tamperHoldMs);
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.watchdogTimer = setInterval(() => this.watchdog(), 1000);
    await this.launchOrRetry();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdogTimer);
    for (const resolve of this.snapshotWaiters.splice(0)) resolve(undefined);
    await this.ffmpeg?.stop();
    this.ffmpeg = undefined;
  }

  /** PID of the running ffmpeg (tests check it is gone after stop). */
  get ffmpegPid(): number | undefined {
    return this.ffmpeg?.running ? this.ffmpeg.pid : undefined;
  }

  status(): CameraStatus {
    const stats = this.frameCounters();
    return {
      cameraId: this.options.cameraId,
      state: this.current.state,
      reason: this.current.reason,
      message: this.current.message,
      fps: Math.round(this.fps() * 100) / 100,
      targetFps: this.options.detectFps,
      decode: this.decode,
      framesReceived: stats.framesReceived,
      framesDelivered: stats.framesDelivered,
      framesDropped: stats.framesDropped,
      restarts: this.restarts,
      lastFrameAt: this.lastFrameAt ? new Date(this.lastFrameAt) : null,
      codec: this.codec ?? null,
      width: this.sourceSize?.width ?? null,
      height: this.sourceSize?.height ?? null,
      picture: this.health.conditions,
      liveView: Boolean(this.options.relayUrl) && this.codec !== 'hevc',
      since: this.current.since,
    };
  }

  /** A copy of the next frame (within `timeoutMs`, or a GOP in keyframe mode), for snapshots. */
  nextFrame(timeoutMs = 3000): Promise<RawFrame | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    // Keyframe mode: the next frame may be a whole GOP away; the stall limit bounds a GOP.
    const waitMs = this.decode === 'keyframes' ? Math.max(timeoutMs, this.stallSeconds() * 1000) : timeoutMs;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.snapshotWaiters = this.snapshotWaiters.filter((waiter) => waiter !== deliver);
        resolve(undefined);
      }, waitMs);
      const deliver = (frame: Buffer | undefined) => {
        clearTimeout(timer);
        const letterboxedFrom = this.sourceSize;
        const { width, height } = this.options.frame;
        resolve(frame ? { data: frame, width, height, ...(letterboxedFrom ? { letterboxedFrom } : {}) } : undefined);
      };
      this.snapshotWaiters.push(deliver);
    });
  }

  /**
   * Restarts ffmpeg at once, with no offline state and no backoff: one of its copies broke (the live
   * relay closed the camera's session) while frames still flow. At most once a minute per camera, so
   * a stream that keeps breaking a copy costs a restart a minute, not a loop.
   */
  restartStream(why: string): void {
    const ffmpeg = this.ffmpeg;
    if (this.stopped || !ffmpeg?.running || this.switchingMode || Date.now() - this.lastRequestedRestartAt < REQUESTED_RESTART_MIN_INTERVAL_MS) return;
    this.lastRequestedRestartAt = Date.now();
    this.switchingMode = true;
    this.options.logger.info({ camera: this.options.cameraId, why }, 'restarting the camera\'s ffmpeg');
    void ffmpeg.stop(1000);
  }

  /** An operator accepted a changed view as the camera's new scene. */
  acceptScene(): void {
    this.health.acceptScene();
  }

  /** Frame counters over every ffmpeg run, with the consumer's failures (thrown or rejected onFrame). */
  frameCounters(): FrameReaderStats {
    const live = this.reader?.stats;
    return {
      framesReceived: this.statsBefore.framesReceived + (live?.framesReceived ?? 0),
      framesDelivered: this.statsBefore.framesDelivered + (live?.framesDelivered ?? 0),
      framesDropped: this.statsBefore.framesDropped + (live?.framesDropped ?? 0),
      consumerErrors: this.statsBefore.consumerErrors + (live?.consumerErrors ?? 0),
    };
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    let url: string;
    let detectUrl: string | undefined;
    try {
      url = await this.options.streamUrl();
      detectUrl = await this.options.detectStreamUrl?.();
    } catch (error) {
      this.setState('offline', 'config_error', `cannot read the camera's configuration: ${(error as Error).message}`);
      return this.scheduleRestart(this.nextBackoffMs());
    }
    for (const [which, candidate] of [['camera URL', url], ['detect stream URL', detectUrl]] as const) {
      if (candidate === undefined) continue;
      if (!/^rtsps?:\/\//i.test(candidate)) {
        // Not something to retry: the engineer must correct the URL (a change restarts the pipeline).
        this.setState('offline', 'not_rtsp', `the ${which} is not rtsp:// or rtsps:// (it starts with "${candidate.split(':')[0].slice(0, 10)}:")`);
        return;
      }
      if (/[\r\n\0]/.test(candidate)) {
        // A valid URL never has one (new URL() drops them); ffmpeg's input script would be broken by it.
        this.setState('offline', 'config_error', `the ${which} contains a line break`);
        return;
      }
    }
    if (this.stopped) return;
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    this.keepStats();
    this.reader = new FrameReader(
      this.options.cameraId,
      this.options.frame.width,
      this.options.frame.height,
      this.options.consumer,
      (frame) => this.onFrame(frame.data, frame.timestampMs),
      () => this.sourceSize,
    );
    this.killedByWatchdog = false;
    this.switchingMode = false;
    this.runSawStream = false;
    this.decode = this.wantedDecode();
    this.runFailure = undefined;
    this.runFirstFrameAt = 0;
    this.spawnedAt = Date.now();
    const logParser = new IngestLogParser();
    const relayUrl = this.codec === 'hevc' ? undefined : this.options.relayUrl?.();
    const command = ingestCommand({
      rtspUrl: url,
      detectStreamUrl: detectUrl,
      detectFps: this.options.detectFps,
      frame: this.options.frame,
      decode: this.decode,
      // The socket sees RTP packets between keyframes too: a camera that goes silent is noticed within the
      // plain stall limit in keyframe mode as well, not after the longer GOP allowance of the frame watchdog.
      // Half of it: ffmpeg gives up after a second timeout (measured: 3 s → offline after 6.2 s, 5 s → 10.3 s).
      socketTimeoutSeconds: this.options.stallSeconds / 2,
      relayUrl,
      segmentPattern: this.options.segments?.patternFor(runId),
      segmentSeconds: this.options.segments?.seconds ?? 2,
      privacyMaskFilter: this.options.privacyMaskFilter,
    });
    const ffmpeg = new FfmpegProcess({
      ffmpegPath: this.options.ffmpegPath,
      stdout: 'pipe',
      args: command.args,
      pipe3Text: command.pipe3Text,
      pipe4Text: command.pipe4Text,
      onStderrLine: (line) => this.onStderr(logParser, line),
    });
    this.ffmpeg = ffmpeg;
    const reader = this.reader;
    ffmpeg.child.stdout!.on('data', (chunk: Buffer) => reader.push(chunk));
    void ffmpeg.exited.then(({ code, signal }) => this.onExit(ffmpeg, code, signal));
  }

  /**
   * A launch that throws (the segment folder cannot be made, a full disk, no ffmpeg binary) is an
   * offline state and a retry like any other failure: without this the camera stayed down for good
   * and the worker's sync chain broke with it.
   */
  private async launchOrRetry(): Promise<void> {
    try {
      await this.launch();
    } catch (error) {
      if (this.stopped) return;
      const message = (error as Error).message;
      reportCameraFailure(this.options.logger, 'ffmpeg_start', error, { camera: this.options.cameraId }, 'could not start the camera\'s ffmpeg; will retry');
      this.setState('offline', 'exited', `ffmpeg could not be started: ${redactUrl(message).slice(0, 200)}`);
      this.scheduleRestart(this.nextBackoffMs());
    }
  }

  private nextBackoffMs(): number {
    return backoffMs(this.attempt++, this.options.backoff?.minMs ?? 1000, this.options.backoff?.maxMs ?? MAX_BACKOFF_MS);
  }

  private keepStats(): void {
    if (!this.reader) return;
    const stats = this.reader.stats;
    this.statsBefore.framesReceived += stats.framesReceived;
    this.statsBefore.framesDelivered += stats.framesDelivered;
    this.statsBefore.framesDropped += stats.framesDropped;
    this.statsBefore.consumerErrors += stats.consumerErrors;
    this.reader = undefined;
  }

  private onStderr(parser: IngestLogParser, line: string): void {
    this.stderrTail.push(redactUrl(line).slice(0, 300));
    if (this.stderrTail.length > 12) this.stderrTail.shift();
    const event = parser.parse(line);
    if (!event) return;
    if (event.codec) {
      this.codec = event.codec;
      this.runSawStream = true;
      if (!SUPPORTED_CODECS.has(event.codec)) {
        this.runFailure = {
          code: 'unsupported_codec',
          message: `the camera sends ${event.codec}; CityOps ingests H.264 or H.265: set the camera's encoder to one of them`,
        };
        void this.ffmpeg?.stop(500);
      }
    }
    if (event.detectCodec && !SUPPORTED_CODECS.has(event.detectCodec)) {
      this.runFailure = {
        code: 'unsupported_codec',
        message: `the camera's detect stream sends ${event.detectCodec}; CityOps ingests H.264 or H.265: set the substream's encoder to one of them`,
      };
      void this.ffmpeg?.stop(500);
    }
    // The size the scale filter reports is the decoded stream's: the detect stream's when there is one
    // (the letterbox geometry of the analytics frames is that stream's).
    if (event.sourceSize) {
      const previous = this.sourceSize;
      if (previous && (previous.width !== event.sourceSize.width || previous.height !== event.sourceSize.height)) {
        this.options.logger.info({ camera: this.options.cameraId, from: previous, to: event.sourceSize }, 'camera changed resolution mid-stream');
        this.health.reset();
      }
      this.sourceSize = event.sourceSize;
    }
    if (event.failure && !this.runFailure) this.runFailure = event.failure;
  }

  private onFrame(frame: Buffer, timestampMs: number): void {
    this.lastFrameAt = timestampMs;
    if (!this.runFirstFrameAt) {
      this.runFirstFrameAt = timestampMs;
      // The camera is back: its next drop is retried from 1 s again, so a camera that drops and
      // returns often is still pulled again within seconds of each return. A camera that delivers a
      // picture and drops at once restarts at most once per RTSP setup plus a second: no storm.
      this.attempt = 0;
    }
    this.frameTimes.push(timestampMs);
    while (this.frameTimes.length && this.frameTimes[0] < timestampMs - FPS_WINDOW_MS) this.frameTimes.shift();

    for (const change of this.health.update(frame, this.options.frame.width, this.options.frame.height, timestampMs, this.sourceSize)) {
      this.options.onPicture?.(change);
    }
    if (this.snapshotWaiters.length) {
      const copy = Buffer.from(frame);
      for (const resolve of this.snapshotWaiters.splice(0)) resolve(copy);
    }
    this.evaluate();
  }

  private fps(): number {
    const now = Date.now();
    const recent = this.frameTimes.filter((time) => time >= now - FPS_WINDOW_MS);
    if (!this.runFirstFrameAt || !this.ffmpeg?.running) return 0;
    const windowMs = Math.min(FPS_WINDOW_MS, now - this.runFirstFrameAt);
    return windowMs >= 1000 ? (recent.length * 1000) / windowMs : recent.length;
  }

  /** online / degraded from the frame rate and the picture checks. */
  private evaluate(): void {
    if (!this.ffmpeg?.running || !this.runFirstFrameAt) return;
    const picture = this.health.conditions.find((condition) => condition !== 'scene_change');
    if (picture) return this.setState('degraded', picture, picture === 'black' ? 'the picture is black' : 'the picture is frozen');
    const measuredLongEnough = Date.now() - this.runFirstFrameAt >= 5000;
    const fps = this.fps();
    // Keyframe mode has no target rate (it is the camera's GOP): the stall limit watches it instead.
    if (this.decode === 'all' && measuredLongEnough && fps < this.options.detectFps * DEGRADED_FPS_RATIO) {
      return this.setState('degraded', 'low_fps', `${fps.toFixed(1)} frames/s instead of ${this.options.detectFps}`);
    }
    this.setState('online', null, null);
  }

  private watchdog(): void {
    const ffmpeg = this.ffmpeg;
    if (this.stopped || !ffmpeg?.running) return;
    if (!this.switchingMode && this.wantedDecode() !== this.decode) {
      this.switchingMode = true;
      this.options.logger.info({ camera: this.options.cameraId, from: this.decode, to: this.wantedDecode() }, 'analysis slot changed: restarting ffmpeg in the other decode mode');
      void ffmpeg.stop(1000);
      return;
    }
    if (this.switchingMode) return;
    const now = Date.now();
    const stallMs = this.stallSeconds() * 1000;
    const silentSince = this.runFirstFrameAt ? this.lastFrameAt : this.spawnedAt;
    const limitMs = this.runFirstFrameAt ? stallMs : stallMs + STARTUP_GRACE_MS;
    if (now - silentSince > limitMs && !this.killedByWatchdog) {
      this.killedByWatchdog = true;
      if (this.decode === 'keyframes' && !this.runFirstFrameAt && this.runSawStream) {
        this.keyframesUnusableUntil = now + KEYFRAMES_RETRY_MS;
        this.options.logger.warn({ camera: this.options.cameraId }, 'stream but no keyframe from camera: it decodes every frame for a while');
      }
      this.options.logger.warn({ camera: this.options.cameraId, silentMs: now - silentSince }, 'no frame from camera: restarting its ffmpeg');
      // Offline now, not when ffmpeg has finished exiting (up to its stop grace later).
      this.setState('offline', 'stalled', `no picture for ${this.stallSeconds()} s`);
      void ffmpeg.stop(1000);
      return;
    }
    this.evaluate();
  }

  private onExit(ffmpeg: FfmpegProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ffmpeg === ffmpeg) this.ffmpeg = undefined;
    if (this.stopped) return;
    if (this.switchingMode && !this.runFailure) {
      // Asked for: start again at once, state unchanged (the startup grace covers the gap).
      this.frameTimes.length = 0;
      return this.scheduleRestart(0);
    }
    this.restarts++;
    this.frameTimes.length = 0;
    const failure =
      this.runFailure ??
      (this.killedByWatchdog
        ? { code: 'stalled' as const, message: `no picture for ${this.stallSeconds()} s` }
        : { code: 'exited' as const, message: `the stream ended (ffmpeg ${signal ?? `exit ${code}`})` });
    this.setState('offline', failure.code, failure.message);
    const delay =
      failure.code === 'auth_failed' || failure.code === 'unsupported_codec'
        ? NEEDS_A_PERSON_RETRY_MS
        : this.nextBackoffMs();
    this.options.logger.info(
      { camera: this.options.cameraId, reason: failure.code, retryInMs: delay, ffmpegSaid: this.stderrTail.splice(0).filter((line) => !/^\s/.test(line)).slice(-6) },
      'camera ingest stopped; will retry',
    );
    this.scheduleRestart(delay);
  }

  private wantedDecode(): DecodeMode {
    return Date.now() < this.keyframesUnusableUntil ? 'all' : (this.options.decodeMode?.() ?? 'all');
  }

  /** Keyframes come once per GOP: a long GOP must not look like a dead camera. */
  private stallSeconds(): number {
    return this.decode === 'keyframes' ? Math.max(this.options.stallSeconds, KEYFRAME_STALL_MIN_SECONDS) : this.options.stallSeconds;
  }

  private scheduleRestart(delayMs: number): void {
    clearTimeout(this.restartTimer);
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => void this.launchOrRetry(), delayMs);
  }

  private setState(state: CameraState, reason: CameraReason | null, message: string | null): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = { state, reason, message, since: new Date() };
    this.options.onStatus?.(this.status());
  }
}
