// npm run bench -- detect: where the time of one analysed frame goes, how many inferences per second
// the model gives with more threads or sessions, and how many cameras at 1 fps the end-to-end frame rate
// (ffmpeg decode → preprocess → inference → decode → tracking and rules) would allow, by formula; and
// the same model at smaller input sizes (a camera's detectInputSize): speed and detections beside 416.
// Needs the model and traffic.mp4 in ASSET_MIRROR_DIR (or the model in DATA_DIR/models). When
// npm run models:quantize has made the int8 model in DATA_DIR, it is measured against the float model
// in the same run (interleaved rounds). Only one part: `--batch-only` (batched inference across
// cameras), `--input-sizes`, `--int8`, `--occlusion` (`vision.id_switches` per clip of the tracking
// test set made by occlusion-clips.ts: stopped cars with traffic passing in front; always printed).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { loadConfig } from '@cityops/core/config';
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { batchVariant } from '@cityops/models/onnx/batch-variant';
import type { ModelManifest } from '@cityops/models/manifest';
import { CameraAnalysis } from '../camera-analysis.ts';
import { derivedManifestPath } from '@cityops/models/manifest';
import { createDetector, detectorOptionsFromConfig, type Detector, type DetectorOptions } from '../detect/detector.ts';
import { Preprocessor } from '../detect/preprocess.ts';
import { parseAnalysisConfig } from '../rules/config.ts';
import { decodeVideoFile } from '../video/decode-file.ts';
import { analyseOcclusionClip, makeOcclusionClips, OCCLUSION_ANALYSIS_FPS, OCCLUSION_RULE_SECONDS } from './occlusion-clips.ts';

const MODEL = 'yolox-nano 416';
// The load average at the start says whether other jobs shared the cores (figures are then ratios only).
const cores = `${os.availableParallelism()} cores, load average ${os.loadavg()[0].toFixed(1)} at start`;
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

const BATCH_SIZES = [1, 2, 4, 8];

/**
 * Batched inference across cameras: images/s and CPU ms per image of one session (the role's intra-op
 * threads) running N real frames as one inference, with the batch-N copy of the model. Sizes take turns
 * for `rounds` rounds so the load of other jobs falls on all of them alike; CPU time per image is the
 * figure least moved by that load (it counts this process's work, not the time others hold the cores).
 */
async function batchedInference(modelPath: string, manifest: ModelManifest, frames: RawFrame[], intraOpThreads: number, rounds = 5, msPerTurn = 2000) {
  const preprocessor = new Preprocessor(manifest.input);
  const [, channels, height, width] = manifest.input.shape;
  const imageLength = channels * height * width;
  const model = readFileSync(modelPath);
  const runs = await Promise.all(
    BATCH_SIZES.map(async (batch) => {
      const session = await ort.InferenceSession.create(batchVariant(model, batch), {
        intraOpNumThreads: intraOpThreads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      const input = new Float32Array(imageLength * batch);
      for (let i = 0; i < batch; i++) {
        preprocessor.prepare(frames[i % frames.length]);
        input.set(preprocessor.input, i * imageLength);
      }
      const feeds = { [manifest.input.name]: new ort.Tensor('float32', input, [batch, channels, height, width]) };
      for (const tensor of Object.values(await session.run(feeds))) tensor.dispose(); // warm-up
      return { batch, session, feeds, images: 0, ms: 0, cpuMs: 0 };
    }),
  );
  for (let round = 0; round < rounds; round++) {
    for (const run of runs) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      while (performance.now() - started < msPerTurn) {
        for (const tensor of Object.values(await run.session.run(run.feeds))) tensor.dispose();
        run.images += run.batch;
      }
      const used = process.cpuUsage(cpu);
      run.ms += performance.now() - started;
      run.cpuMs += (used.user + used.system) / 1000;
    }
  }
  await Promise.all(runs.map((run) => run.session.release()));
  return runs.map(({ batch, images, ms, cpuMs }) => ({ batch, perSecond: (images * 1000) / ms, cpuMsPerImage: cpuMs / images }));
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
  if (args.includes('--batch-only')) {
    const probe = await createDetector({ ...options, sessions: 1, intraOpThreads: 1 });
    const { frames } = await decodeAll(video, 1, probe);
    await probe.close();
    await reportBatches(probe.model.modelPath, probe.model.manifest, frames, options.intraOpThreads ?? 1);
    return;
  }
  if (args.includes('--int8')) {
    await int8AgainstFloat(options, video);
    return;
  }
  if (!args.includes('--occlusion')) {
    if (!args.includes('--input-sizes')) await wholeModel(options, video);
    await inputSizes(options, mirror);
  }
  await occlusion(options, mirror);
}

/** Identity switches and stalled-vehicle alerts on the tracking test set, clip by clip, against what each clip should give. */
async function occlusion(options: DetectorOptions, mirror: string): Promise<void> {
  const detector = await createDetector({ ...options, sessions: 1, intraOpThreads: 1 });
  try {
    const clips = await makeOcclusionClips(mirror, path.join(options.dataDir ?? os.tmpdir(), 'occlusion-clips'));
    for (const clip of clips) {
      const outcome = await analyseOcclusionClip(detector, clip);
      console.log(
        `vision.id_switches.${clip.name}: ${outcome.idSwitches} (${clip.description}; ${outcome.stoppedVehicles} stopped vehicles, ${outcome.frames} frames at ${OCCLUSION_ANALYSIS_FPS} fps; ` +
          `stalled_vehicle alerts ${outcome.stalledAlerts}, expected ${clip.expectedStalled} with a ${OCCLUSION_RULE_SECONDS} s rule)`,
      );
    }
  } finally {
    await detector.close();
  }
}

async function wholeModel(options: DetectorOptions, video: string): Promise<void> {

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

  // 4. Batched inference across cameras.
  await reportBatches(single.model.modelPath, single.model.manifest, frames, options.intraOpThreads ?? 1);

  // 5. The int8 model, when one was made.
  await int8AgainstFloat(options, video);
}

/** Section 4: batch 1, 2, 4, 8 side by side, measured in one sitting. */
async function reportBatches(modelPath: string, manifest: ModelManifest, frames: RawFrame[], intraOpThreads: number): Promise<void> {
  const loadBefore = os.loadavg()[0].toFixed(1);
  const results = await batchedInference(modelPath, manifest, frames, intraOpThreads);
  const load = `load average ${loadBefore} → ${os.loadavg()[0].toFixed(1)}`;
  const single = results[0];
  for (const { batch, perSecond, cpuMsPerImage } of results) {
    figure(
      `batch_${batch}_per_s`,
      perSecond,
      `${MODEL} images/s, ${batch} real frames per inference (batch-${batch} copy of the model), 1 session x ${intraOpThreads} intra-op thread(s) as the role; ` +
        `${(perSecond / single.perSecond).toFixed(2)}x batch 1; ${cpuMsPerImage.toFixed(2)} CPU ms per image (${(cpuMsPerImage / single.cpuMsPerImage).toFixed(2)}x batch 1); ` +
        `sizes interleaved, 5 rounds of 2 s; ${cores}, ${load}`,
    );
  }
}

const INPUT_SIZES = [416, 384, 320, 256];
/** Detections at or above this score are counted: the score at which the tracker may start a track (analytics/track/tracker.ts). */
const COUNTED_SCORE = 0.3;
/** Classes seen fewer times at 416 are too rare to give a ratio. */
const MIN_CLASS_DETECTIONS = 5;

/**
 * The same weights at smaller inputs, through one detector (sessions at each size in one lane, as a
 * camera set to detectInputSize uses them): inferences per second measured in interleaved rounds so
 * the other jobs of the machine weigh on every size alike; then the detections per class, summed over
 * every frame of the shared clips, beside 416.
 */
async function inputSizes(options: DetectorOptions, mirror: string): Promise<void> {
  const detector = await createDetector({ ...options, sessions: 1, intraOpThreads: 1 });
  const clips = ['traffic.mp4', 'people.mp4', 'one-by-one-person-detection.mp4'];
  const framesBySize = new Map<number, Map<string, RawFrame[]>>();
  for (const size of INPUT_SIZES) {
    const byClip = new Map<string, RawFrame[]>();
    for (const clip of clips) {
      const frames: RawFrame[] = [];
      for await (const frame of decodeVideoFile(path.join(mirror, 'video', clip), { fps: 1, width: size, height: size })) frames.push({ ...frame, data: Buffer.from(frame.data) });
      byClip.set(clip, frames);
    }
    framesBySize.set(size, byClip);
  }
  const traffic = (size: number) => framesBySize.get(size)!.get('traffic.mp4')!;
  for (const size of INPUT_SIZES) for (const frame of traffic(size).slice(0, 3)) await detector.detect(frame); // warm-up, creates each session

  const rounds = 6;
  const perRound = 20;
  const busyMs = new Map(INPUT_SIZES.map((size) => [size, 0]));
  for (let round = 0; round < rounds; round++) {
    for (const size of round % 2 === 0 ? INPUT_SIZES : [...INPUT_SIZES].reverse()) {
      const frames = traffic(size);
      const started = performance.now();
      for (let i = 0; i < perRound; i++) await detector.detect(frames[i % frames.length]);
      busyMs.set(size, busyMs.get(size)! + performance.now() - started);
    }
  }
  const perSecond = (size: number) => (rounds * perRound * 1000) / busyMs.get(size)!;
  const speedConditions = `yolox-nano, 1 session, 1 thread, ${rounds} interleaved rounds of ${perRound} frames of traffic.mp4, preprocess + inference + decode + NMS, ${cores}`;
  for (const size of INPUT_SIZES) figure(`input_${size}_per_s`, perSecond(size), `${size}x${size}, ${speedConditions}`);
  for (const size of INPUT_SIZES.filter((size) => size !== 416)) {
    figure(`input_${size}_speed_vs_416`, perSecond(size) / perSecond(416), `ratio of the two figures above, same run`, 2);
  }

  for (const clip of clips) {
    const counts = new Map<number, Record<string, number>>();
    for (const size of INPUT_SIZES) {
      const byClass: Record<string, number> = {};
      for (const frame of framesBySize.get(size)!.get(clip)!) {
        for (const detection of await detector.detect(frame)) {
          if (detection.score >= COUNTED_SCORE) byClass[detection.class] = (byClass[detection.class] ?? 0) + 1;
        }
      }
      counts.set(size, byClass);
    }
    const reference = counts.get(416)!;
    const total = (byClass: Record<string, number>) => Object.values(byClass).reduce((a, b) => a + b, 0);
    const frames = framesBySize.get(416)!.get(clip)!.length;
    for (const size of INPUT_SIZES.filter((size) => size !== 416)) {
      const byClass = counts.get(size)!;
      const classes = [...new Set([...Object.keys(reference), ...Object.keys(byClass)])].sort();
      // The class furthest from its 416 count (in either direction): a total can hide cars turned trucks.
      const compared = classes.filter((name) => (reference[name] ?? 0) >= MIN_CLASS_DETECTIONS);
      const ratios = compared.map((name) => (byClass[name] ?? 0) / reference[name]);
      const worst = ratios.reduce((far, ratio) => (Math.abs(Math.log(ratio || 1e-3)) > Math.abs(Math.log(far || 1e-3)) ? ratio : far), 1);
      figure(
        `input_${size}_worst_class_vs_416.${clip.replace(/\.mp4$/, '').replace(/[^a-z0-9]+/g, '_')}`,
        worst,
        `detections with score ≥ ${COUNTED_SCORE} summed over ${frames} frames at 1 fps, ${size} / 416 by class: ` +
          classes.map((name) => `${name} ${byClass[name] ?? 0}/${reference[name] ?? 0}`).join(', ') +
          `; all classes ${total(byClass)}/${total(reference)}; classes with ≥ ${MIN_CLASS_DETECTIONS} at 416 compared`,
        2,
      );
    }
  }
  await detector.close();
}
