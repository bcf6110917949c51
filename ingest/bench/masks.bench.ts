// npm run bench -- masks [--cameras 4] [--seconds 20] [--size 1280x720]
//
// What a privacy mask costs camera-ingest. Without a mask, the live relay and the evidence buffer are
// stream copies (no decoding, no encoding); with one, the camera's main stream is decoded whole, the
// mask painted, and the picture encoded again (libx264 ultrafast, zerolatency). The same cameras from
// the simulator (the sample street video at --size, H.264 15 fps, 1 s GOP) run through real pipelines
// (analysis frames at 2 fps and the segment buffer) first without, then with a mask; the CPU of their
// ffmpeg processes is read from /proc over the window.
//   masks.cpu_pct_per_camera: CPU of one masked camera's ffmpeg, % of one core
//   masks.unmasked_cpu_pct_per_camera: the same cameras without a mask, measured in the same run
//   masks.cpu_ratio: the first ÷ the second
//   masks.masked_cameras_per_core_formula: 100 ÷ the first (a formula, not a measured load)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@cityops/core/logger';
import { inputGeometry, loadManifest } from '@cityops/models/manifest';
import { commandLine, descendants, processCpuSeconds, sleep, waitUntil } from '../../ops/faults/processes.ts';
import { CameraPipeline } from '../camera/pipeline.ts';
import { privacyMaskFilter } from '../camera/privacy-mask.ts';
import { CameraSimulator } from '../camera/simulator/camera-simulator.ts';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
/** Two windows of homes and a yard: the shapes an engineer draws over a street. */
const MASKS: Array<Array<[number, number]>> = [
  [[0.05, 0.05], [0.3, 0.05], [0.3, 0.3], [0.05, 0.3]],
  [[0.7, 0.02], [0.95, 0.1], [0.93, 0.35], [0.68, 0.28]],
  [[0.4, 0.6], [0.6, 0.55], [0.65, 0.9], [0.45, 0.95]],
];

function option(args: string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
}

/** The ingest ffmpeg processes of this bench (their command line names the camera), by pid. */
function ingestProcesses(): number[] {
  return descendants(process.pid)
    .map((info) => info.pid)
    .filter((pid) => commandLine(pid).some((arg) => arg.startsWith('cityops_camera=')));
}

async function measure(simulator: CameraSimulator, ids: string[], masked: boolean, seconds: number, workDir: string): Promise<{ cpuPct: number; restarts: number }> {
  const logger = createLogger('silent');
  const pipelines = ids.map(
    (cameraId) =>
      new CameraPipeline({
        cameraId,
        streamUrl: async () => simulator.url(cameraId),
        detectFps: 2,
        frame: inputGeometry(loadManifest('yolox-nano')),
        ffmpegPath: FFMPEG,
        stallSeconds: 10,
        tamperHoldMs: 60_000,
        consumer: { onFrame: () => undefined },
        segments: { patternFor: (runId) => path.join(mkdtempSync(path.join(workDir, `${cameraId}-`)), `${runId}-%s.ts`), seconds: 2 },
        privacyMaskFilter: masked ? privacyMaskFilter(MASKS) : undefined,
        logger,
      }),
  );
  try {
    for (const pipeline of pipelines) await pipeline.start();
    const online = await waitUntil(async () => pipelines.filter((pipeline) => pipeline.status().state === 'online').length, (count) => count === ids.length, 60_000);
    if (!online.ok) throw new Error(`only ${online.value} of ${ids.length} cameras came online`);
    await sleep(5000); // past the start-up probing
    const pids = ingestProcesses();
    const before = pids.map(processCpuSeconds);
    const startedAt = performance.now();
    await sleep(seconds * 1000);
    const elapsed = (performance.now() - startedAt) / 1000;
    const used = pids.reduce((sum, pid, i) => sum + processCpuSeconds(pid) - before[i], 0);
    return { cpuPct: (100 * used) / elapsed / ids.length, restarts: pipelines.reduce((sum, pipeline) => sum + pipeline.status().restarts, 0) };
  } finally {
    await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
  }
}

export async function run(args: string[]): Promise<void> {
  const cameras = Number(option(args, 'cameras', '4'));
  const seconds = Number(option(args, 'seconds', '20'));
  const [width, height] = option(args, 'size', '1280x720').split('x').map(Number);
  const workDir = mkdtempSync(path.join(tmpdir(), 'cityops-bench-masks-'));
  const ids = Array.from({ length: cameras }, (_, i) => `mask-${i + 1}`);
  const simulator = new CameraSimulator({
    port: 0,
    cameras: ids.map((id) => ({ id, scene: 'traffic' as const })),
    assetDir: process.env.ASSET_MIRROR_DIR ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'assets'),
    cacheDir: path.join(tmpdir(), `cityops-bench-masks-sim-${width}x${height}`),
    ffmpegPath: FFMPEG,
    logger: createLogger('silent'),
    width,
    height,
  });
  try {
    await simulator.start();
    await simulator.ready();
    const open = await measure(simulator, ids, false, seconds, workDir);
    const masked = await measure(simulator, ids, true, seconds, workDir);
    const conditions = `${cameras} cameras ${width}x${height} H.264 15 fps, frames at 2 fps and the segment buffer, ${seconds} s; ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;
    console.log(`masks.cpu_pct_per_camera: ${masked.cpuPct.toFixed(1)} (a camera with ${MASKS.length} masks: decoded whole, painted, re-encoded libx264 ultrafast; ${masked.restarts} restarts; ${conditions})`);
    console.log(`masks.unmasked_cpu_pct_per_camera: ${open.cpuPct.toFixed(1)} (the same cameras without a mask: stream copy; ${open.restarts} restarts; same run)`);
    console.log(`masks.cpu_ratio: ${(masked.cpuPct / open.cpuPct).toFixed(1)} (cpu_pct_per_camera ÷ unmasked_cpu_pct_per_camera)`);
    console.log(`masks.masked_cameras_per_core_formula: ${(100 / masked.cpuPct).toFixed(1)} (100 ÷ cpu_pct_per_camera; a formula, not a measured load)`);
  } finally {
    await simulator.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
