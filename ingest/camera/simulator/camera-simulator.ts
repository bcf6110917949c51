// Simulated RTSP cameras on loopback for the embedded start, tests and the bench. Each camera loops a
// shared test video (or an ffmpeg test pattern when no assets are mirrored). Cameras showing the same
// scene share one publisher process, so 50 simulated cameras cost about as much CPU as two. Faults
// switch one camera to its own source while its viewers stay connected, as a real camera would do:
//   stop       the stream goes silent (viewers' sessions hang; new sessions get 503)
//   resume     back to the normal scene
//   freeze     the picture stops changing (same frame repeated)
//   black      the picture goes black (covered lens, dead sensor)
//   scene-change  the camera suddenly shows another scene (turned away, tampered with)
//   resize     the stream changes resolution mid-session
//   disconnect viewers' TCP connections are closed (a network blip); the stream continues
//   time-loop  RTP timestamps go back 3 s every 3 s (an RTSP server looping a raw H.264 file)
//   time-wrap  the 32-bit RTP timestamp wraps to 0 within a second (a camera up for 13 h at 90 kHz)
//   time-leap  RTP timestamps leap 6 h forward (a camera whose clock is set after it booted)
// The time faults last until `resume`; the picture itself goes on.
// A camera may also serve a low-resolution substream at <camera>/sub (as real cameras do beside their
// main stream), a simulated camera of its own for faults: `stop cam-001/sub` breaks only the substream.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Component } from '@cityops/core/lifecycle';
import type { Logger } from '@cityops/core/logger';
import { sleep } from '@cityops/core/lifecycle';
import {
  FfmpegProcess,
  grabFrameArgs,
  prepareSourceArgs,
  publishFileArgs,
  publishStillArgs,
  runFfmpeg,
  type PreparedSourceOptions,
} from '../ffmpeg.ts';
import { RtspRelayServer, type SimulatedCameraCredentials } from './rtsp-server.ts';
import { notFound } from '@cityops/core/errors';

export const CAMERA_FAULTS = ['stop', 'resume', 'freeze', 'black', 'scene-change', 'resize', 'disconnect', 'time-loop', 'time-wrap', 'time-leap'] as const;
export type CameraFault = (typeof CAMERA_FAULTS)[number];
export type SimulatedScene = 'traffic' | 'people';

export interface SimulatedCameraSpec {
  id: string;
  scene: SimulatedScene;
  /** What the camera sends; default H.264 (the others exist to test refusal and fallbacks). */
  codec?: 'h264' | 'h265' | 'mpeg4';
  /** When set, the camera demands these (HTTP Basic over RTSP). */
  credentials?: SimulatedCameraCredentials;
  /** When set, the camera also serves this size at `<id>/sub` (substreamId), same scene and credentials. */
  substream?: { width: number; height: number };
}

/** Where a simulated camera serves its substream. */
export function substreamId(cameraId: string): string {
  return `${cameraId}/sub`;
}

export interface CameraSimulatorOptions {
  port: number;
  host?: string;
  cameras: SimulatedCameraSpec[];
  /** Asset mirror with video/traffic.mp4 and video/people.mp4; test patterns without it. */
  assetDir?: string;
  /** Where prepared (re-encoded once) source videos are cached between runs. */
  cacheDir: string;
  ffmpegPath: string;
  logger: Logger;
  width?: number;
  height?: number;
  /**
   * Spread the cameras over the second: each camera's stream is held back by its own delay (0–1 s,
   * fixed per camera). Cameras of one scene share one publisher, so without it their keyframes reach
   * camera-ingest at the same instant, a burst real cameras never make. Off by default (faults and
   * their timing are tested without it).
   */
  spreadPhases?: boolean;
}

interface RunningSource {
  key: string;
  process?: FfmpegProcess;
  users: Set<string>;
  startedAt: number;
  file?: string;
  stopping: boolean;
  args: string[];
}

interface SimulatedCamera {
  spec: SimulatedCameraSpec;
  /** The size its normal scene is served at (the simulator's, or the substream's). */
  width: number;
  height: number;
  sourceKey?: string;
  mode: CameraFault | 'normal';
  /** Repeats the time-loop fault's jump back. */
  timeLoopTimer?: NodeJS.Timeout;
}

const SCENE_FILES: Record<SimulatedScene, string> = { traffic: 'video/traffic.mp4', people: 'video/people.mp4' };
// Without assets, two different moving patterns so that a scene change is still a change.
const SCENE_PATTERNS: Record<SimulatedScene, 'testsrc2' | 'testsrc'> = { traffic: 'testsrc2', people: 'testsrc' };
const PREPARE_VERSION = 'v2';
/** RTP video clock (RFC 6184 §8.2.1). */
const RTP_TICKS_PER_SECOND = 90_000;
const TIME_LOOP_MS = 3000;
/** Camera n is delayed by the fractional part of n × this of a second: evenly spread for any count. */
const GOLDEN_RATIO_FRACTION = 0.6180339887;

export class CameraSimulator implements Component {
  readonly name = 'camera-simulator';
  readonly server: RtspRelayServer;
  private readonly cameras = new Map<string, SimulatedCamera>();
  private readonly sources = new Map<string, RunningSource>();
  private readonly prepared = new Map<string, Promise<string>>();
  private readonly width: number;
  private readonly height: number;
  private stopped = false;
  private readiness: Promise<void> = Promise.resolve();

  constructor(private readonly options: CameraSimulatorOptions) {
    this.width = options.width ?? 640;
    this.height = options.height ?? 360;
    this.server = new RtspRelayServer({
      port: options.port,
      host: options.host,
      logger: options.logger,
      onControl: (cameraId, command) => {
        if (!(CAMERA_FAULTS as readonly string[]).includes(command)) {
          return Promise.reject(new Error(`unknown fault ${command}; one of ${CAMERA_FAULTS.join(', ')}`));
        }
        return this.fault(cameraId, command as CameraFault);
      },
    });
  }

  get port(): number {
    return this.server.port;
  }

  url(cameraId: string): string {
    return this.server.cameraUrl(cameraId);
  }

  async start(): Promise<void> {
    mkdirSync(this.options.cacheDir, { recursive: true });
    // Every camera exists from the first request (503 until its video is ready, never 404). start()
    // does not wait for the videos: a first start encodes them once, which can take a while on a busy
    // machine, and the rest of CityOps need not wait for it (cameras come online when it is done).
    for (const spec of this.options.cameras) this.defineCamera(spec);
    await this.server.start();
    this.readiness = Promise.all(this.options.cameras.map((spec) => this.showNormalScene(spec))).then(
      () => this.options.logger.info({ port: this.port, cameras: this.cameras.size }, 'camera simulator serving RTSP (TCP) on loopback'),
      (error: Error) => {
        this.options.logger.error({ err: error }, 'camera simulator could not prepare its videos');
        throw error;
      },
    );
    this.readiness.catch(() => {});
  }

  /** Resolves when every camera shows its scene. */
  ready(): Promise<void> {
    return this.readiness;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const camera of this.cameras.values()) clearInterval(camera.timeLoopTimer);
    await Promise.all([...this.sources.values()].map((source) => this.stopSource(source)));
    this.sources.clear();
    await this.server.stop();
  }

  async addCamera(spec: SimulatedCameraSpec): Promise<void> {
    this.defineCamera(spec);
    await this.showNormalScene(spec);
  }

  private defineCamera(spec: SimulatedCameraSpec): void {
    // A camera and its substream share one delay: they are one camera.
    const delayMs = this.options.spreadPhases ? Math.round(((this.cameras.size * GOLDEN_RATIO_FRACTION) % 1) * 1000) : 0;
    this.cameras.set(spec.id, { spec, mode: 'normal', width: this.width, height: this.height });
    this.server.defineCamera(spec.id, spec.credentials, delayMs);
    if (!spec.substream) return;
    const sub = { ...spec, id: substreamId(spec.id), substream: undefined };
    this.cameras.set(sub.id, { spec: sub, mode: 'normal', ...spec.substream });
    this.server.defineCamera(sub.id, spec.credentials, delayMs);
  }

  private async showNormalScene(spec: SimulatedCameraSpec): Promise<void> {
    const ids = spec.substream ? [spec.id, substreamId(spec.id)] : [spec.id];
    for (const id of ids) {
      const camera = this.cameras.get(id)!;
      await this.switchTo(camera, await this.fileSourceKey(spec.scene, spec.codec ?? 'h264', camera.width, camera.height, true));
    }
  }

  /** Injects a fault (or `resume`s); resolves once the camera shows it. */
  async fault(cameraId: string, fault: CameraFault): Promise<void> {
    const camera = this.cameras.get(cameraId);
    if (!camera) throw notFound('simulated_camera', cameraId, `no simulated camera ${cameraId}`);
    const codec = camera.spec.codec ?? 'h264';
    const { width, height } = camera;
    if (fault !== 'disconnect') {
      clearInterval(camera.timeLoopTimer);
      camera.timeLoopTimer = undefined;
    }
    const ticks = (seconds: number) => Math.round(seconds * RTP_TICKS_PER_SECOND);
    switch (fault) {
      case 'stop':
        await this.switchTo(camera, undefined);
        break;
      case 'resume':
        await this.switchTo(camera, await this.fileSourceKey(camera.spec.scene, codec, width, height, true));
        break;
      case 'freeze': {
        const current = camera.sourceKey ? this.sources.get(camera.sourceKey) : undefined;
        const file = current?.file ?? (await this.preparedFile(camera.spec.scene, 'h264', width, height, true));
        const seconds = current ? ((Date.now() - current.startedAt) / 1000) % 8 : 1;
        const still = path.join(this.options.cacheDir, `still-${cameraId}-${process.pid}.png`);
        await runFfmpeg(this.options.ffmpegPath, grabFrameArgs(file, seconds, still));
        const key = `still-${cameraId.replace('/', '-')}-${Date.now()}`;
        this.defineSource(key, publishStillArgs({ imageFile: still }, { width, height }, this.server.publishUrl(key)));
        await this.switchTo(camera, key);
        break;
      }
      case 'black': {
        const key = `black-${width}x${height}`;
        this.defineSource(key, publishStillArgs({ black: true }, { width, height }, this.server.publishUrl(key)));
        await this.switchTo(camera, key);
        break;
      }
      case 'scene-change': {
        const other: SimulatedScene = camera.spec.scene === 'traffic' ? 'people' : 'traffic';
        await this.switchTo(camera, await this.fileSourceKey(other, codec, width, height, true));
        break;
      }
      case 'resize':
        await this.switchTo(camera, await this.fileSourceKey(camera.spec.scene, codec, Math.round((width * 3) / 4 / 2) * 2, Math.round((height * 3) / 4 / 2) * 2));
        break;
      case 'disconnect':
        this.server.disconnectViewers(cameraId);
        break;
      case 'time-loop':
        camera.timeLoopTimer = setInterval(() => this.server.shiftTimestamps(cameraId, -ticks(TIME_LOOP_MS / 1000)), TIME_LOOP_MS);
        break;
      case 'time-wrap':
        // Half a second before 2^32: the next second of packets crosses the wrap.
        this.server.shiftTimestamps(cameraId, 2 ** 32 - ticks(0.5) - this.server.lastTimestamp(cameraId));
        break;
      case 'time-leap':
        this.server.shiftTimestamps(cameraId, ticks(6 * 3600));
        break;
    }
    if (fault !== 'disconnect') camera.mode = fault === 'resume' ? 'normal' : fault;
    this.options.logger.info({ camera: cameraId, fault }, 'simulated camera fault');
  }

  /** PIDs of the publisher processes (tests check none outlive stop()). */
  publisherPids(): number[] {
    return [...this.sources.values()].map((source) => source.process?.pid).filter((pid): pid is number => pid !== undefined);
  }

  private async switchTo(camera: SimulatedCamera, key: string | undefined): Promise<void> {
    const previous = camera.sourceKey;
    if (key) {
      const source = this.sources.get(key)!;
      source.users.add(camera.spec.id);
      if (!source.process) this.launch(source);
      await this.server.waitForSource(key);
    }
    this.server.attach(camera.spec.id, key);
    camera.sourceKey = key;
    if (previous && previous !== key) {
      const old = this.sources.get(previous);
      old?.users.delete(camera.spec.id);
      if (old && old.users.size === 0) {
        this.sources.delete(previous);
        await this.stopSource(old);
      }
    }
  }

  private async fileSourceKey(scene: SimulatedScene, codec: 'h264' | 'h265' | 'mpeg4', width: number, height: number, normalSize = false): Promise<string> {
    const file = await this.preparedFile(scene, codec, width, height, normalSize);
    const key = `file-${path.basename(file, '.ts')}`;
    const source = this.defineSource(key, publishFileArgs(file, this.server.publishUrl(key)));
    source.file = file;
    return key;
  }

  private defineSource(key: string, args: string[]): RunningSource {
    let source = this.sources.get(key);
    if (!source) {
      source = { key, users: new Set(), startedAt: 0, stopping: false, args };
      this.sources.set(key, source);
    }
    return source;
  }

  private launch(source: RunningSource): void {
    source.startedAt = Date.now();
    const tail: string[] = [];
    const publisher = new FfmpegProcess({
      ffmpegPath: this.options.ffmpegPath,
      args: source.args,
      onStderrLine: (line) => {
        tail.push(line);
        if (tail.length > 5) tail.shift();
      },
    });
    source.process = publisher;
    void publisher.exited.then(async () => {
      if (source.stopping || this.stopped || this.sources.get(source.key) !== source) return;
      // A publisher should run forever; restart it (viewers see a short gap, like a camera hiccup).
      this.options.logger.warn({ source: source.key, lastLines: tail }, 'simulator publisher exited; restarting');
      await sleep(1000);
      if (!source.stopping && !this.stopped && this.sources.get(source.key) === source) this.launch(source);
    });
  }

  private async stopSource(source: RunningSource): Promise<void> {
    source.stopping = true;
    await source.process?.stop(1000);
  }

  /** Re-encodes a scene once into a short-GOP camera-like file and caches it (see prepareSourceArgs). */
  private preparedFile(scene: SimulatedScene, codec: 'h264' | 'h265' | 'mpeg4', width: number, height: number, normalSize: boolean): Promise<string> {
    const assetFile = this.options.assetDir ? path.join(this.options.assetDir, SCENE_FILES[scene]) : undefined;
    const input: PreparedSourceOptions['input'] = assetFile && existsSync(assetFile) ? { file: assetFile } : { pattern: SCENE_PATTERNS[scene] };
    // Variants (other codecs, other sizes) only exist to test faults: 8 s is enough and cheap to make.
    const main = codec === 'h264' && normalSize;
    const maxSeconds = main ? 30 : 8;
    const identity = JSON.stringify({
      version: PREPARE_VERSION,
      input: 'file' in input ? { file: input.file, size: statSync(input.file).size, mtime: statSync(input.file).mtimeMs } : input,
      codec,
      width,
      height,
      maxSeconds,
    });
    const name = `${scene}-${width}x${height}-${codec}-${createHash('sha1').update(identity).digest('hex').slice(0, 10)}`;
    const outputFile = path.join(this.options.cacheDir, `${name}.ts`);
    let pending = this.prepared.get(outputFile);
    if (!pending) {
      pending = (async () => {
        if (existsSync(outputFile)) return outputFile;
        this.options.logger.info({ scene, codec, width, height }, 'preparing simulated camera video (once, cached)');
        const temporary = `${outputFile}.${process.pid}.tmp.ts`;
        await runFfmpeg(this.options.ffmpegPath, prepareSourceArgs({ input, width, height, codec, maxSeconds, gopSeconds: 1, outputFile: temporary }));
        renameSync(temporary, outputFile);
        return outputFile;
      })();
      this.prepared.set(outputFile, pending);
      pending.catch(() => this.prepared.delete(outputFile));
    }
    return pending;
  }
}
