// npm run bench -- cameras [--cameras 20] [--seconds 30] [--fps 2]
// N simulated cameras (640x360 H.264, 15 fps, 1 s GOP) pulled by N pipelines exactly as the worker
// runs them (RTSP over TCP, frames at the detect rate, stream copy to the live relay and the segment
// buffer), with a consumer that does nothing, so the figures are ingest alone. The simulator runs in a
// child process and is not counted. CPU is read from /proc for every ingest ffmpeg plus this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@cityops/core/logger';
import { inputGeometry, loadManifest } from '@cityops/models/manifest';
import { EvidenceBuffer } from '../camera/evidence-buffer.ts';
import { LiveRelay } from '../camera/live-relay.ts';
import { CameraPipeline } from '../camera/pipeline.ts';
import { sendSimulatorFault } from '../camera/simulator/rtsp-control.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

function rssMegabytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
}

/** utime + stime of a process, in seconds (0 when it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

async function startSimulator(cameras: number, port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/camera/simulator-cli.ts', '--cameras', String(cameras), '--port', String(port)], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', SIMULATED_CAMERAS: String(cameras) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ctrl-C stops')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code})`)));
  });
  return child;
}

export async function run(args: string[]): Promise<void> {
  const cameraCount = option(args, 'cameras', 20);
  const seconds = option(args, 'seconds', 30);
  const detectFps = option(args, 'fps', 2);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const logger = createLogger('warn');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'cityops-bench-cameras-'));
  const load = os.loadavg()[0].toFixed(2);
  console.log(`# ${cameraCount} cameras, detect ${detectFps} fps, ${seconds} s; load average before start ${load} on ${os.cpus().length} cores shared with other work`);

  // Prepared videos are cached across runs beside the test cache.
  const simulator = await startSimulator(cameraCount, port, path.join(os.tmpdir(), 'cityops-bench-simulator'));
  const relay = new LiveRelay({ logger, storeDir: path.join(workDir, 'relay') });
  await relay.start();
  const buffer = new EvidenceBuffer({ rootDir: path.join(workDir, 'buffer'), keepSeconds: 60, maxBytesPerCamera: 64 * 1024 * 1024, segmentSeconds: 2 });
  const frames = new Map<string, number[]>();
  const ids = Array.from({ length: cameraCount }, (_, index) => `cam-${String(index + 1).padStart(3, '0')}`);
  const pipelines = ids.map(
    (id) =>
      new CameraPipeline({
        cameraId: id,
        streamUrl: async () => `rtsp://127.0.0.1:${port}/${id}`,
        detectFps,
        frame: inputGeometry(loadManifest('yolox-nano')),
        ffmpegPath: process.env.FFMPEG_PATH ?? 'ffmpeg',
        stallSeconds: 5,
        tamperHoldMs: 10_000,
        logger,
        relayUrl: () => relay.publishUrl(id),
        segments: { patternFor: (runId) => buffer.patternFor(id, runId), seconds: 2 },
        consumer: { onFrame: (cameraId, _frame, _w, _h, timestampMs) => void frames.get(cameraId)!.push(timestampMs) },
      }),
  );
  for (const id of ids) frames.set(id, []);
  try {
    for (const pipeline of pipelines) await pipeline.start();
    const deadline = Date.now() + 60_000;
    while (pipelines.some((pipeline) => pipeline.status().state !== 'online')) {
      if (Date.now() > deadline) throw new Error('not every camera came online within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, 3000)); // settle

    // Measure: CPU of every ingest ffmpeg (followed across restarts) and of this process.
    const cpuByPid = new Map<number, { start: number; last: number }>();
    const sample = () => {
      for (const pipeline of pipelines) {
        const pid = pipeline.ffmpegPid;
        if (!pid) continue;
        const now = cpuSeconds(pid);
        const entry = cpuByPid.get(pid);
        if (entry) entry.last = now || entry.last;
        else cpuByPid.set(pid, { start: now, last: now });
      }
    };
    const startedAt = Date.now();
    const ownStart = process.cpuUsage();
    const framesBefore = [...frames.values()].reduce((sum, list) => sum + list.length, 0);
    const droppedBefore = pipelines.reduce((sum, pipeline) => sum + pipeline.status().framesDropped, 0);
    sample();
    const sampler = setInterval(sample, 1000);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    clearInterval(sampler);
    sample();
    const elapsed = (Date.now() - startedAt) / 1000;
    const own = process.cpuUsage(ownStart);
    const ffmpegCpu = [...cpuByPid.values()].reduce((sum, entry) => sum + (entry.last - entry.start), 0);
    const totalCpu = ffmpegCpu + (own.user + own.system) / 1e6;
    const delivered = [...frames.values()].reduce((sum, list) => sum + list.length, 0) - framesBefore;
    const dropped = pipelines.reduce((sum, pipeline) => sum + pipeline.status().framesDropped, 0) - droppedBefore;
    const cpuPerCameraPct = (totalCpu / elapsed / cameraCount) * 100;
    const conditions = `640x360 H.264 15 fps in, ${detectFps} fps out, ${cameraCount} cameras`;
    console.log(`cameras.frames_delivered_per_s: ${(delivered / elapsed).toFixed(1)} (${conditions}; ${(delivered / elapsed / cameraCount).toFixed(2)} per camera)`);
    console.log(`cameras.cpu_per_camera_pct: ${cpuPerCameraPct.toFixed(1)} (${conditions}; % of one core: ffmpeg decode+scale+copy ${((ffmpegCpu / elapsed / cameraCount) * 100).toFixed(1)}, worker process ${(((totalCpu - ffmpegCpu) / elapsed / cameraCount) * 100).toFixed(1)})`);
    console.log(`cameras.frames_dropped: ${dropped} (${conditions}; consumer keeps up, ${seconds} s)`);
    const rss = pipelines.map((pipeline) => (pipeline.ffmpegPid ? rssMegabytes(pipeline.ffmpegPid) : 0)).filter((value) => value > 0);
    console.log(
      `cameras.ffmpeg_rss_mb: ${(rss.reduce((sum, value) => sum + value, 0) / rss.length).toFixed(0)} (per camera ffmpeg, ${conditions}; worker process ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB in all)`,
    );
    // 2 cores = 200 % of one core; keep half for analytics.
    console.log(`cameras.capacity_2_cores_half_free: ${Math.floor(100 / cpuPerCameraPct)} (cameras at ${detectFps} fps one 2-core machine ingests with 50% CPU left; from cpu_per_camera_pct, machine shared with other work while measured)`);

    // Restart after a stream cut: the camera's TCP connection is closed; time to the next frame.
    const cut = pipelines[0];
    const cutList = frames.get(ids[0])!;
    const restartsBefore = cut.status().restarts;
    const cutAt = Date.now();
    await sendSimulatorFault(port, ids[0], 'disconnect');
    const waitUntil = async (what: string, done: () => boolean) => {
      while (!done()) {
        if (Date.now() - cutAt > 30_000) throw new Error(`${what} not within 30 s after the cut`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Date.now();
    };
    const exitSeenAt = await waitUntil('ffmpeg exit', () => cut.status().restarts > restartsBefore);
    await waitUntil('a frame from the new ffmpeg', () => cutList.length > 0 && cutList[cutList.length - 1] > exitSeenAt);
    const firstFrameAt = cutList[cutList.length - 1];
    console.log(
      `cameras.restart_after_cut_ms: ${firstFrameAt - cutAt} (TCP session closed by the camera: exit noticed after ${exitSeenAt - cutAt} ms, ` +
        `then 1 s backoff, RTSP setup, first keyframe (1 s GOP), first frame; 1 camera of ${cameraCount})`,
    );
  } finally {
    await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
    await relay.stop();
    simulator.kill('SIGTERM');
    await new Promise((resolve) => simulator.once('exit', resolve));
    rmSync(workDir, { recursive: true, force: true });
  }
}
