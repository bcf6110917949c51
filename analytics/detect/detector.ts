// The detector: frame in, city-class detections out. Model-agnostic: the manifest says how to feed the
// model and which decoder reads it; this file only wires preprocessing, the session pool, the decoder,
// NMS and the class mapping.
import { performance } from 'node:perf_hooks';
import type { Config } from '@cityops/core/config';
import type { RawFrame } from '@cityops/ingest/frame/bgr24-frame';
import { resolveModel, type ResolvedModel } from '@cityops/models/fetch';
import { toFrameBox } from '@cityops/models/letterbox';
import { inputGeometry, loadManifest, supportsInputSize, type CityClass, type InputGeometry } from '@cityops/models/manifest';
import { createCandidates, type Candidates, type Decoder } from './decoder.ts';
import { decoderFor } from './decoders.ts';
import { classAwareNms, suppressSameObjectDuplicates } from './nms.ts';
import { SessionPool } from './session-pool.ts';
import type { Detection } from './types.ts';

/**
 * YOLOX often reports one pickup as both `car` and `truck` with the same box. Class-aware NMS keeps
 * both (they are different classes), which would give the tracker two objects; boxes of related classes
 * overlapping this much are one object, and the stronger label wins.
 */
const SAME_OBJECT_IOU = 0.7;

export interface DetectorOptions {
  modelId?: string;
  assetMirrorDir?: string;
  dataDir: string;
  allowDownload?: boolean;
  /** Sessions that run at the same time; frames from all cameras share them. */
  sessions?: number;
  /** ONNX Runtime threads inside one inference. */
  intraOpThreads?: number;
  /**
   * Lowest score returned. Low on purpose (0.1): the tracker's second association stage uses weak
   * detections to keep tracks alive through blur and occlusion; rules only act on confirmed tracks.
   */
  minScore?: number;
  /** IoU above which two boxes of one class are the same object (YOLOX demo default). */
  nmsIou?: number;
  /** Run a quantized model that has not passed its quality gate: only the quantizer, which measures it. */
  ignoreQualityGate?: boolean;
}

export interface DetectionTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

export interface Detector {
  readonly model: ResolvedModel;
  /** The model's exported input size: frames of any other size are letterboxed to it, except below. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /**
   * The input a frame of this size runs at: a square size the model supports (a camera set to a
   * smaller detectInputSize, letterboxed by ffmpeg to it) runs at that size, anything else at the
   * exported size.
   */
  inputFor(width: number, height: number): InputGeometry;
  detect(frame: RawFrame): Promise<Detection[]>;
  /** Same as detect, with the time spent in each step and the input size the model ran at (bench, metrics, tests). */
  detectTimed(frame: RawFrame): Promise<{ detections: Detection[]; timings: DetectionTimings; input: InputGeometry }>;
  close(): Promise<void>;
}

/** The detector settings from the typed configuration (DETECT_* keys). */
export function detectorOptionsFromConfig(config: Config): DetectorOptions {
  return {
    modelId: config.DETECT_MODEL,
    assetMirrorDir: config.ASSET_MIRROR_DIR,
    dataDir: config.dataDir,
    sessions: config.DETECT_SESSIONS,
    intraOpThreads: config.DETECT_INTRA_OP_THREADS,
  };
}

export async function createDetector(options: DetectorOptions): Promise<Detector> {
  const manifest = loadManifest(options.modelId ?? 'yolox-nano', { dataDir: options.dataDir, ignoreQualityGate: options.ignoreQualityGate });
  const model = await resolveModel(manifest, {
    assetMirrorDir: options.assetMirrorDir,
    dataDir: options.dataDir,
    allowDownload: options.allowDownload,
  });
  const decoderFactory = decoderFor(manifest.output.decoder);
  const exported = inputGeometry(manifest);
  const decoders = new Map<number, Decoder>([[exported.width, decoderFactory(manifest, exported)]]);
  const inputFor = (width: number, height: number): InputGeometry =>
    width === height && width !== exported.width && supportsInputSize(manifest, width) ? inputGeometry(manifest, width) : exported;
  const minScore = options.minScore ?? 0.1;
  const nmsIou = options.nmsIou ?? 0.45;

  // Model label index → city class (or none); built once.
  const cityClassOfLabel: (CityClass | undefined)[] = model.labels.map((label) => manifest.cityClasses[label]);
  const wantedLabels = new Uint8Array(model.labels.length);
  cityClassOfLabel.forEach((cityClass, index) => (wantedLabels[index] = cityClass ? 1 : 0));
  const cityClassIds = new Map<CityClass, number>();
  for (const cityClass of Object.values(manifest.cityClasses)) if (!cityClassIds.has(cityClass)) cityClassIds.set(cityClass, cityClassIds.size);

  const pool = await SessionPool.create(model.modelPath, manifest, {
    sessions: options.sessions ?? 1,
    intraOpThreads: options.intraOpThreads ?? 1,
  });
  // One candidate buffer and class-id buffer per concurrent inference, reused frame after frame.
  const scratch: { candidates: Candidates; classOf: Int32Array }[] = [];
  const capacity = 8192;

  async function detectTimed(frame: RawFrame) {
    // Only a letterboxed frame says which size it was made for; others are letterboxed here to the export.
    const input = frame.letterboxedFrom ? inputFor(frame.width, frame.height) : exported;
    let decoder = decoders.get(input.width);
    if (!decoder) decoders.set(input.width, (decoder = decoderFactory(manifest, input)));
    return pool.use(input, async (slot) => {
      const started = performance.now();
      const geometry = slot.preprocessor.prepare(frame);
      const prepared = performance.now();
      const result = await slot.session.run({ [manifest.input.name]: slot.tensor });
      const inferred = performance.now();
      const output = result[manifest.output.name];
      const buffers = scratch.pop() ?? { candidates: createCandidates(capacity), classOf: new Int32Array(capacity) };
      try {
        const { candidates, classOf } = buffers;
        decoder.decode(output.data as Float32Array, output.dims, wantedLabels, minScore, candidates);
        for (let i = 0; i < candidates.count; i++) classOf[i] = cityClassIds.get(cityClassOfLabel[candidates.labelIndex[i]]!)!;
        const kept = classAwareNms(candidates, classOf, nmsIou);
        const detections: Detection[] = [];
        for (const i of kept) {
          const box = toFrameBox(geometry, candidates.x1[i], candidates.y1[i], candidates.x2[i], candidates.y2[i]);
          // a box entirely in the padding maps to a zero-area box at the frame edge: not an object
          if (box.x2 - box.x1 <= 0 || box.y2 - box.y1 <= 0) continue;
          detections.push({ ...box, class: cityClassOfLabel[candidates.labelIndex[i]]!, score: candidates.score[i] });
        }
        output.dispose();
        const done = performance.now();
        return {
          detections: suppressSameObjectDuplicates(detections, SAME_OBJECT_IOU),
          timings: { preprocessMs: prepared - started, inferenceMs: inferred - prepared, postprocessMs: done - inferred },
          input,
        };
      } finally {
        scratch.push(buffers);
      }
    });
  }

  return {
    model,
    inputWidth: exported.width,
    inputHeight: exported.height,
    inputFor,
    detectTimed,
    detect: async (frame) => (await detectTimed(frame)).detections,
    close: () => pool.close(),
  };
}
