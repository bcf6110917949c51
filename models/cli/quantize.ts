// npm run models:quantize [-- --source yolox-nano --id yolox-nano-int8 --calibration-fps 0.5 --percentile 99.99
//   --calibration-video traffic.mp4 ... --gate-clip traffic.mp4@2 ...]
// Makes the int8 (QDQ) model of a float model on this machine: calibrates activation ranges on frames
// of the shared sample videos (letterboxed as cameras are), writes <file>.int8.onnx and its manifest
// <id>.json into DATA_DIR/models, then runs the quality gate (detections per city class, float vs int8,
// on the vision tests' clips) and records the result in the manifest. DETECT_MODEL=<id> loads the model
// only if the gate passed; exit code 1 when it did not.
import { writeFile, mkdir } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '@cityops/core/config';
import { createDetector, type Detector } from '@cityops/analytics/detect/detector';
import { compareCounts, countDetections, type CountClip } from '@cityops/analytics/detect/model-agreement';
import { Preprocessor } from '@cityops/analytics/detect/preprocess';
import { decodeVideoFile } from '@cityops/analytics/video/decode-file';
import { dataModelPath, resolveModel, sha256OfFile } from '../fetch.ts';
import { derivedManifestPath, loadManifest, parseManifest, type ModelManifest } from '../manifest.ts';
import { calibrateActivations } from '../onnx/calibrate.ts';
import { encodeOnnxModel, parseOnnxModel } from '../onnx/onnx-model.ts';
import { planActivations, quantizeToQdq } from '../onnx/qdq-quantize.ts';

/** The clips and rates of tests/vision: the gate checks the model where the vision tests use it. */
const VISION_TEST_CLIPS = ['traffic.mp4@2', 'people.mp4@2', 'one-by-one-person-detection.mp4@1'];
const CALIBRATION_VIDEOS = ['traffic.mp4', 'people.mp4', 'one-by-one-person-detection.mp4'];

function parseArguments(argv: string[]) {
  const values = (name: string) => argv.flatMap((arg, index) => (arg === `--${name}` ? [argv[index + 1]] : []));
  const source = values('source')[0] ?? 'yolox-nano';
  return {
    source,
    id: values('id')[0] ?? `${source}-int8`,
    calibrationFps: Number(values('calibration-fps')[0] ?? 0.5),
    percentile: Number(values('percentile')[0] ?? 99.99),
    calibrationVideos: values('calibration-video').length ? values('calibration-video') : CALIBRATION_VIDEOS,
    gateClips: values('gate-clip').length ? values('gate-clip') : VISION_TEST_CLIPS,
  };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const config = loadConfig(process.env, []);
  if (!config.ASSET_MIRROR_DIR) throw new Error('ASSET_MIRROR_DIR must point at the shared assets (video/ holds the calibration clips)');
  const videoDir = path.join(config.ASSET_MIRROR_DIR, 'video');
  const source = loadManifest(options.source);
  const resolved = await resolveModel(source, { assetMirrorDir: config.ASSET_MIRROR_DIR, dataDir: config.dataDir });

  // 1. Calibration frames, preprocessed exactly as the detector does, streamed into the float model.
  const preprocessor = new Preprocessor(source.input);
  const [, , height, width] = source.input.shape;
  const calibrationVideos = options.calibrationVideos.map((file) => ({ file, fps: options.calibrationFps, frames: 0 }));
  async function* samples(): AsyncGenerator<Float32Array> {
    for (const video of calibrationVideos) {
      for await (const frame of decodeVideoFile(path.join(videoDir, video.file), { fps: video.fps, width, height, padValue: source.input.padValue })) {
        preprocessor.prepare(frame);
        video.frames++;
        yield preprocessor.input;
      }
    }
  }
  const floatModel = parseOnnxModel(await readFile(resolved.modelPath));
  const started = Date.now();
  const { ranges, samples: frames } = await calibrateActivations(
    floatModel,
    { name: source.input.name, dims: [...source.input.shape] },
    planActivations(floatModel).calibrated,
    samples(),
    { percentile: options.percentile },
  );
  console.log(`calibrated ${ranges.size} activations on ${frames} frames in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // 2. The int8 model and its manifest, refused until the gate below has passed.
  const file = source.file.replace(/\.onnx$/, '') + '.int8.onnx';
  const modelPath = dataModelPath(config.dataDir, file);
  await mkdir(path.dirname(modelPath), { recursive: true });
  await writeFile(modelPath, encodeOnnxModel(quantizeToQdq(floatModel, ranges)));
  const gateClips: CountClip[] = options.gateClips.map((clip) => {
    const [name, fps] = clip.split('@');
    return { file: path.join(videoDir, name), fps: Number(fps ?? 1) };
  });
  const pending = { passed: false, rule: 'not measured yet', minScore: 0, clips: [], counts: {} };
  const manifest: ModelManifest = {
    ...source,
    id: options.id,
    name: `${source.name}, int8 (QDQ, calibrated here)`,
    file,
    sha256: await sha256OfFile(modelPath),
    url: undefined,
    quantization: {
      source: { id: source.id, sha256: resolved.sha256 },
      method:
        `QDQ: activations uint8 asymmetric (range cut at the ${options.percentile}th percentile per frame, averaged), ` +
        'Conv weights int8 symmetric per output channel, biases int32; the stem Conv and its SiLU, and the head outputs, float',
      calibration: { frames, videos: calibrationVideos },
      gate: pending,
      createdAt: new Date().toISOString(),
    },
  };
  const manifestPath = derivedManifestPath(config.dataDir, options.id);
  const save = (value: ModelManifest) => writeFile(manifestPath, JSON.stringify(parseManifest(value, manifestPath), null, 2) + '\n');
  await save(manifest);

  // 3. The gate: both models on the vision tests' clips.
  const detectors: Detector[] = [];
  try {
    const open = async (modelId: string) => {
      const detector = await createDetector({ modelId, assetMirrorDir: config.ASSET_MIRROR_DIR, dataDir: config.dataDir, ignoreQualityGate: true });
      detectors.push(detector);
      return detector;
    };
    const floatCounts = await countDetections(await open(source.id), gateClips);
    const quantizedCounts = await countDetections(await open(options.id), gateClips);
    const agreement = compareCounts(floatCounts, quantizedCounts);
    const clips = gateClips.map((clip) => ({ file: path.basename(clip.file), fps: clip.fps }));
    await save({ ...manifest, quantization: { ...manifest.quantization!, gate: { ...agreement, clips } } });
    for (const [cityClass, counts] of Object.entries(agreement.counts)) {
      console.log(`${cityClass}: float ${counts.float}, int8 ${counts.quantized} ${counts.passed ? 'ok' : 'OUT OF TOLERANCE'}`);
    }
    console.log(`${options.id}: ${modelPath} (sha256 ${manifest.sha256}), manifest ${manifestPath}`);
    if (agreement.passed) console.log(`quality gate passed (${agreement.rule}): DETECT_MODEL=${options.id} may be used`);
    else {
      console.error(`quality gate FAILED (${agreement.rule}): DETECT_MODEL=${options.id} will be refused`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(detectors.map((detector) => detector.close()));
  }
}

try {
  await main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
