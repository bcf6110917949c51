// npm run bench -- detect: where the time of one analysed frame goes, how many inferences per second
// the model gives with more threads or sessions, and how many cameras at 1 fps the end-to-end frame rate
// (ffmpeg decode → preprocess → inference → decode → tracking and rules) would allow, by formula.
// Needs the model and traffic.mp4 in ASSET_MIRROR_DIR (or the model in DATA_DIR/models). When
// npm run models:quantize has made the int8 model in DATA_DIR, it is measured against the float model
// in the same run (interleaved rounds); `npm run bench -- detect --int8` measures only that.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@cityops/core/config';
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { CameraAnalysis } from '../camera-analysis.ts';
import { derivedManifestPath } from '@cityops/models/manifest';
import { createDetector, detectorOptionsFromConfig, type Detector, type DetectorOptions } from '../detect/detector.ts';
import { parseAnalysisConfig } from '../rules/config.ts';
import { decodeVideoFile } from '../video/decode-file.ts';

const MODEL = 'yolox-nano 416';
const cores = `${os.availableParallelism()} cores, shared with other jobs`;
const BENCH_CONFIG = parseAnalysisConfig({
  zones: [{ id: 'road', polygon: [[0, 0.45], [1, 0.45], [1, 1], [0, 1]], rules: [{ kind: 'wrong_way', direction: [1, 0] }, { kind: 'congestion', minVehicles: 8, seconds: 30 }] }],
  lines: [{ id: 'l1', from: [0.5, 0], to: [0.5, 1] }],
});

const figure = (name: string, value: number, conditions: string, digits = 1) =>
  console.log(`detect.${name}: ${value.toFixed(digits)} (${conditions})`);

async function decodeAll(video: string, fps: number, detector: Detector): Promise<{ frames: RawFrame[]; ms: number }> {
  const frames: RawFrame[] = [];
  const started = performance.now();
  for await (const frame of decodeVideoFile(video, { fps, width: detector.inputWidth, height: detector.inputHeight })) {
    frames.push({ ...frame, data: Buffer.from(frame.data) });
  }
  return { frames, ms: performance.now() - started };
}

async function inferencesPerSecond(detector: Detector, frames: RawFrame[], concurrency: number, total: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await detector.detect(frames[next++ % frames.length]);
    }),
  );
  return (total * 1000) / (performance.now() - started);
}

/**
 * Float vs int8 model, 1 session x 1 thread each, in alternating rounds so both see the same load
 * from the other jobs on the machine.
 */
async function int8AgainstFloat(options: DetectorOptions, video: string): Promise<void> {
  const int8Id = `${options.modelId ?? 'yolox-nano'}-int8`;
  if (!existsSync(derivedManifestPath(options.dataDir, int8Id))) {
    console.log(`detect.int8_per_s: skipped (no ${int8Id} in ${options.dataDir}/models: run npm run models:quantize)`);
    return;
  }
  const float = await createDetector({ ...options, modelId: options.modelId ?? 'yolox-nano', sessions: 1, intraOpThreads: 1 });
  // speed only: measured whether or not the model passed its quality gate (the bench says which)
  const int8 = await createDetector({ ...options, modelId: int8Id, sessions: 1, intraOpThreads: 1, ignoreQualityGate: true });
  try {
    const { frames } = await decodeAll(video, 2, float);
    await inferencesPerSecond(float, frames, 1, 5);
    await inferencesPerSecond(int8, frames, 1, 5);
    const rounds = 5;
    const perRound = 40;
    const totals = { float: 0, int8: 0 };
    const loadBefore = os.loadavg()[0];
    for (let round = 0; round < rounds; round++) {
      totals.float += await inferencesPerSecond(float, frames, 1, perRound);
      totals.int8 += await inferencesPerSecond(int8, frames, 1, perRound);
    }
    const conditions = `1 session, 1 thread, ${rounds} alternating rounds of ${perRound} frames of ${path.basename(video)}, ${cores}, load average ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`;
    figure('float_per_s', totals.float / rounds, `${MODEL} float32, ${conditions}`);
    const gate = int8.model.manifest.quantization?.gate.passed ? 'passed its quality gate' : 'FAILED its quality gate';
    figure('int8_per_s', totals.int8 / rounds, `${MODEL} int8 QDQ (${int8Id}, ${gate}), ${conditions}`);
    figure('int8_speedup', totals.int8 / totals.float, `int8_per_s / float_per_s, same rounds`, 2);
  } finally {
    await Promise.all([float.close(), int8.close()]);
  }
}

export async function run(args: string[]): Promise<void> {
  const appConfig = loadConfig(process.env, []);
  const base = detectorOptionsFromConfig(appConfig);
  const mirror = appConfig.ASSET_MIRROR_DIR ?? new URL('../../../shared/assets', import.meta.url).pathname;
  const video = args.find((arg) => arg.endsWith('.mp4')) ?? path.join(mirror, 'video', 'traffic.mp4');
  const options = { ...base, assetMirrorDir: base.assetMirrorDir ?? mirror };
  if (args.includes('--int8')) {
    await int8AgainstFloat(options, video);
    return;
  }

  // 1. Per-frame split, one session with one thread.
  const single = await createDetector({ ...options, sessions: 1, intraOpThreads: 1 });
  const { frames, ms: decodeMs } = await decodeAll(video, 2, single);
  for (const frame of frames.slice(0, 3)) await single.detect(frame); // warm-up
  const totals = { preprocessMs: 0, inferenceMs: 0, postprocessMs: 0, trackingMs: 0 };
  const analysis = new CameraAnalysis({ config: BENCH_CONFIG });
  for (const [index, frame] of frames.entries()) {
    const { detections, timings } = await single.detectTimed(frame);
    totals.preprocessMs += timings.preprocessMs;
    totals.inferenceMs += timings.inferenceMs;
    totals.postprocessMs += timings.postprocessMs;
    const started = performance.now();
    analysis.analyse(detections, index * 500);
    totals.trackingMs += performance.now() - started;
  }
  const n = frames.length;
  const clip = `${path.basename(video)} ${frames.length} frames at 2 fps`;
  figure('decode_ms_per_frame', decodeMs / n, `ffmpeg H.264 → 416x416 bgr24, ${clip}, includes decoding the skipped frames`);
  figure('preprocess_ms_per_frame', totals.preprocessMs / n, `bgr24 → NCHW float32, ${clip}`, 2);
  figure('inference_ms_per_frame', totals.inferenceMs / n, `${MODEL}, 1 session, 1 thread, ${cores}`);
  figure('postprocess_ms_per_frame', totals.postprocessMs / n, `YOLOX decode + NMS, ${clip}`, 2);
  figure('tracking_ms_per_frame', totals.trackingMs / n, `tracker + zone and line rules, ${clip}`, 3);

  // 2. Throughput with more threads per inference or more sessions in parallel.
  const count = 60;
  figure('inferences_per_s_1_thread', await inferencesPerSecond(single, frames, 1, count), `${MODEL}, 1 session, 1 thread, ${cores}`);
  await single.close();
  const twoThreads = await createDetector({ ...options, sessions: 1, intraOpThreads: 2 });
  await inferencesPerSecond(twoThreads, frames, 1, 3);
  figure('inferences_per_s_2_threads', await inferencesPerSecond(twoThreads, frames, 1, count), `${MODEL}, 1 session, 2 intra-op threads, ${cores}`);
  await twoThreads.close();
  const twoSessions = await createDetector({ ...options, sessions: 2, intraOpThreads: 1 });
  await inferencesPerSecond(twoSessions, frames, 2, 4);
  figure('inferences_per_s_2_sessions', await inferencesPerSecond(twoSessions, frames, 2, count), `${MODEL}, 2 sessions x 1 thread, ${cores}`);

  // 3. End to end: several cameras (each its own ffmpeg decoding the clip and its own tracker and
  // rules) analysed at 1 fps through the shared 2-session pool, as fast as the machine allows. Each
  // analysed frame costs one second of 24 fps video decoding, as a live 1 fps camera would.
  const cameras = 4;
  const started = performance.now();
  const processed = await Promise.all(
    Array.from({ length: cameras }, async () => {
      const camera = new CameraAnalysis({ config: BENCH_CONFIG, detector: twoSessions });
      let frameCount = 0;
      for await (const frame of decodeVideoFile(video, { fps: 1, width: twoSessions.inputWidth, height: twoSessions.inputHeight })) {
        await camera.process(frame, frame.timestampMs);
        frameCount++;
      }
      return frameCount;
    }),
  );
  const framesPerSecond = (processed.reduce((a, b) => a + b, 0) * 1000) / (performance.now() - started);
  await twoSessions.close();
  // A formula, not a live measurement: floor(frames/s) of files decoded as fast as possible, with no
  // RTSP, no real time, no frame transport over MQTT and no slots.
  console.log(
    `detect.cameras_at_1fps_formula: ${Math.floor(framesPerSecond)} (floor of ${framesPerSecond.toFixed(1)} frames/s end to end, ${MODEL}, ${cores}; ` +
      `${cameras} files of 640x360 24 fps video decoded as fast as possible, ffmpeg decode included, 2 sessions x 1 thread; no RTSP, no real time, no MQTT)`,
  );
  await int8AgainstFloat(options, video);
}
