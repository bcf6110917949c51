// Shared by the camera tests: the camera simulator (real ffmpeg, real RTSP over TCP), a worker
// context on the test database, and a look at the process table for ffmpeg processes.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig, type Config } from '../../core/config.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import type { RoleContext } from '../../core/role-context.ts';
import { SecretBox } from '../../core/secret-box.ts';
import { connectMqtt } from '../../core/mqtt/connect.ts';
import { insertCamera } from '../../devices/camera-repository.ts';
import { inputGeometry, loadManifest } from '../../models/manifest.ts';
import { cameraInput } from '../../devices/schemas.ts';
import type { FfmpegProcess } from '../../ingest/camera/ffmpeg.ts';
import { LiveRelay } from '../../ingest/camera/live-relay.ts';
import { CameraPipeline, type CameraPipelineOptions } from '../../ingest/camera/pipeline.ts';
import { CameraSimulator, type SimulatedCameraSpec } from '../../ingest/camera/simulator/camera-simulator.ts';
import type { TestDatabase } from '../support/database.ts';
import { assetMirrorDir, testMqttUrl } from '../support/urls.ts';

export const FFMPEG = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';
/** Prepared simulator videos survive between runs: encoding them once costs a few seconds of CPU. */
export const SIMULATOR_CACHE = path.join(tmpdir(), 'cityops-camera-sim-cache');

export function testLogger(): Logger {
  return createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
}

/** A pipeline with test-sized limits (4 s stall, 5 s tamper hold, 1–4 s backoff), pushed onto `pipelines`
 *  so that the file's afterAll stops it. */
export function testPipeline(
  pipelines: CameraPipeline[],
  cameraId: string,
  streamUrl: string,
  options: Partial<CameraPipelineOptions> = {},
): CameraPipeline {
  const pipeline = new CameraPipeline({
    cameraId,
    streamUrl: async () => streamUrl,
    detectFps: 2,
    frame: inputGeometry(loadManifest('yolox-nano')),
    ffmpegPath: FFMPEG,
    stallSeconds: 4,
    tamperHoldMs: 5000,
    logger: testLogger(),
    backoff: { minMs: 1000, maxMs: 4000 },
    ...options,
  });
  pipelines.push(pipeline);
  return pipeline;
}

export async function startSimulator(cameras: SimulatedCameraSpec[], options: { spreadPhases?: boolean } = {}): Promise<CameraSimulator> {
  const simulator = new CameraSimulator({
    port: 0,
    cameras,
    assetDir: assetMirrorDir(),
    cacheDir: SIMULATOR_CACHE,
    ffmpegPath: FFMPEG,
    logger: testLogger(),
    ...options,
  });
  await simulator.start();
  await simulator.ready();
  return simulator;
}

const temporaryDirs: string[] = [];

export function temporaryDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cityops-cameras-'));
  temporaryDirs.push(dir);
  return dir;
}

/** Call in afterAll: removes the data directories workerConfig made. */
export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** What the live-relay tests share: a relay, and what the tests start around it. */
export interface RelayTestBed {
  /** Started before the file's first test. */
  relay: LiveRelay;
  publishers: FfmpegProcess[];
  viewers: AbortController[];
  pipelines: CameraPipeline[];
  simulator?: CameraSimulator;
}

/**
 * Call at the top of a test file: starts the relay before its tests, and after them stops the viewers,
 * pipelines, publishers, the relay and the simulator (in that order) and removes the temporary dirs.
 */
export function useRelayTestBed(): RelayTestBed {
  const bed: Omit<RelayTestBed, 'relay'> & { relay?: LiveRelay } = { publishers: [], viewers: [], pipelines: [] };
  beforeAll(async () => {
    bed.relay = new LiveRelay({ logger: testLogger(), storeDir: temporaryDir() });
    await bed.relay.start();
  });
  afterAll(async () => {
    for (const controller of bed.viewers) controller.abort();
    await Promise.all(bed.pipelines.map((pipeline) => pipeline.stop()));
    await Promise.all(bed.publishers.map((publisher) => publisher.stop(500)));
    await bed.relay?.stop();
    await bed.simulator?.stop();
    removeTemporaryDirs();
  });
  return bed as RelayTestBed;
}

export function workerConfig(test: TestDatabase, overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      DATABASE_URL: test.url,
      MQTT_URL: testMqttUrl(),
      DATA_DIR: temporaryDir(),
      SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SIMULATE: 'false',
      FFMPEG_PATH: FFMPEG,
      CAMERA_LIVE_PORT: '0',
      ...overrides,
    },
    ['--role', 'camera-ingest'],
  );
}

export function roleContext(test: TestDatabase, config: Config): RoleContext {
  return {
    config,
    db: test.db,
    caps: test.caps,
    logger: createLogger(config.LOG_LEVEL),
    secretBox: SecretBox.fromConfig(config.SECRET_KEY, config.dataDir),
    connectMqtt: (clientId, options) => connectMqtt(config, clientId, options),
  };
}

export async function registerCamera(
  test: TestDatabase,
  secretBox: SecretBox,
  camera: { id: string; rtspUrl: string; detectFps?: number; username?: string; password?: string },
): Promise<void> {
  await insertCamera(test.db, secretBox, cameraInput.parse({ name: camera.id, detectFps: 2, ...camera }));
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

/** ffmpeg processes whose command line mentions `marker` (a port or a directory unique to the test). */
export function ffmpegProcesses(marker: string): ProcessRow[] {
  const output = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  return output
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), args: match[4] }))
    .filter((row) => /(^|\/)ffmpeg\s/.test(row.args) && row.args.includes(marker));
}

export { waitFor } from '../support/wait.ts';
