// A model manifest says everything the detector needs to run a model file without code changes:
// where it comes from, how to verify it, how to feed it and which decoder reads its output.
// Adding a model = a `<id>.json` manifest beside this file + a decoder in analytics/detect/.
// A model derived on site (the int8 model of `npm run models:quantize`) has its manifest beside its
// file in DATA_DIR/models, with a `quantization` block saying what it came from and whether it passed
// its quality gate; such a model is only loaded when it did.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '@cityops/core/errors';

/** The classes the city cares about; every model maps its own labels onto these. */
export const CITY_CLASSES = ['person', 'bicycle', 'motorbike', 'car', 'bus', 'truck'] as const;
export type CityClass = (typeof CITY_CLASSES)[number];

export const modelManifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9._-]+$/),
    name: z.string(),
    file: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lowercase hex characters'),
    /** Upstream download; absent for a model made on site from another (see `quantization`). */
    url: z.url().optional(),
    licence: z.string(),
    input: z.object({
      name: z.string(),
      shape: z.tuple([z.literal(1), z.literal(3), z.number().int().positive(), z.number().int().positive()]),
      layout: z.literal('NCHW'),
      colourOrder: z.enum(['BGR', 'RGB']),
      // none: raw 0-255 values (YOLOX); unit: divided by 255 (most YOLOv8/YOLO11 exports).
      normalisation: z.enum(['none', 'unit']),
      // Letterbox padding grey, in 0-255 pixel units (YOLOX and Ultralytics both train with 114).
      padValue: z.number().min(0).max(255).default(114),
      // A fully convolutional export runs at other square sizes too, multiples of its largest stride:
      // its input shape is rewritten when loaded (onnx/input-size.ts). Absent: the shape above only.
      sizeStep: z.number().int().positive().optional(),
    }),
    output: z.object({
      name: z.string(),
      decoder: z.string(),
      strides: z.array(z.number().int().positive()).optional(),
    }),
    labels: z.object({ file: z.string().optional(), names: z.array(z.string()).min(1) }),
    /** model label → city class; labels not listed here are dropped by the detector. */
    cityClasses: z.record(z.string(), z.enum(CITY_CLASSES)),
    quantization: z
      .object({
        /** The float model this one was made from, and its sha256 at the time. */
        source: z.object({ id: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
        method: z.string(),
        calibration: z.object({
          frames: z.number().int().positive(),
          videos: z.array(z.object({ file: z.string(), fps: z.number().positive(), frames: z.number().int().nonnegative() })),
        }),
        /** Detections per city class, float vs this model, on the vision tests' clips. */
        gate: z.object({
          passed: z.boolean(),
          rule: z.string(),
          minScore: z.number(),
          clips: z.array(z.object({ file: z.string(), fps: z.number().positive() })),
          counts: z.record(z.string(), z.object({ float: z.number().int(), quantized: z.number().int(), passed: z.boolean() })),
        }),
        createdAt: z.string(),
      })
      .optional(),
  })
  .superRefine((manifest, ctx) => {
    if (!manifest.url && !manifest.quantization) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a model needs a download URL unless it is made on site (quantization)' });
    }
    for (const label of Object.keys(manifest.cityClasses)) {
      if (!manifest.labels.names.includes(label)) {
        ctx.addIssue({ code: 'custom', path: ['cityClasses', label], message: `label ${label} is not in labels.names` });
      }
    }
  });
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/**
 * The frames a model is fed: bgr24, letterboxed to `width`x`height` with grey `padValue`. Camera ingest
 * asks for this instead of fixing a size, so another model or input size is a manifest change only.
 */
export interface InputGeometry {
  width: number;
  height: number;
  padValue: number;
}

/** Smallest and largest side accepted for a resizable model: below, objects vanish; above, it is slower than the export. */
export const MIN_INPUT_SIZE = 128;
export const MAX_INPUT_SIZE = 640;

/**
 * The model's input geometry, at its exported size or at `size` (a square side in pixels, e.g. 320 for
 * cameras whose objects are large). Throws when the model cannot run at that size.
 */
export function inputGeometry(manifest: ModelManifest, size?: number): InputGeometry {
  const [, , height, width] = manifest.input.shape;
  if (size === undefined || (size === width && size === height)) return { width, height, padValue: manifest.input.padValue };
  if (!supportsInputSize(manifest, size)) {
    const step = manifest.input.sizeStep;
    throw new AppError(
      'unsupported_input_size',
      step
        ? `Model ${manifest.id} runs at square sizes that are multiples of ${step} from ${MIN_INPUT_SIZE} to ${MAX_INPUT_SIZE}, not ${size}`
        : `Model ${manifest.id} runs at ${width}x${height} only, not ${size}`,
      'detectInputSize',
    );
  }
  return { width: size, height: size, padValue: manifest.input.padValue };
}

export function supportsInputSize(manifest: ModelManifest, size: number): boolean {
  const [, , height, width] = manifest.input.shape;
  if (size === width && size === height) return true;
  const step = manifest.input.sizeStep;
  return step !== undefined && Number.isInteger(size) && size % step === 0 && size >= MIN_INPUT_SIZE && size <= MAX_INPUT_SIZE;
}

const manifestsDir = new URL('./', import.meta.url);

/** Ids of every manifest shipped in models/. */
export function listModelIds(): string[] {
  return readdirSync(manifestsDir)
    .filter((name) => name.endsWith('.json') && name !== 'package.json')
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
}

/** Where a model made on site keeps its manifest. */
export function derivedManifestPath(dataDir: string, id: string): string {
  return path.join(dataDir, 'models', `${id}.json`);
}

export interface LoadManifestOptions {
  /** DATA_DIR, where manifests of models made on site live. */
  dataDir?: string;
  /** Load a quantized model that has not passed its gate: only the quantizer, to measure it. */
  ignoreQualityGate?: boolean;
}

export function loadManifest(id: string, options: LoadManifestOptions = {}): ModelManifest {
  if (listModelIds().includes(id)) {
    return parseManifest(JSON.parse(readFileSync(new URL(`./${id}.json`, manifestsDir), 'utf8')), `models/${id}.json`);
  }
  const derived = options.dataDir ? derivedManifestPath(options.dataDir, id) : undefined;
  if (!derived || !existsSync(derived)) {
    throw new AppError(
      'unknown_model',
      `Unknown model "${id}": expected one of ${listModelIds().join(', ')} (a manifest models/<id>.json)` +
        (derived ? ` or a model made by npm run models:quantize (${derived} does not exist)` : ''),
    );
  }
  const manifest = parseManifest(JSON.parse(readFileSync(derived, 'utf8')), derived);
  if (!options.ignoreQualityGate) assertQualityGatePassed(manifest, derived);
  return manifest;
}

/** A quantized model is usable only if it passed its gate against the float model as shipped now. */
function assertQualityGatePassed(manifest: ModelManifest, file: string): void {
  const quantization = manifest.quantization;
  if (!quantization) return;
  if (!quantization.gate.passed) {
    const failing = Object.entries(quantization.gate.counts)
      .filter(([, counts]) => !counts.passed)
      .map(([cityClass, counts]) => `${cityClass} ${counts.quantized} vs ${counts.float}`);
    throw new AppError(
      'model_quality_gate_failed',
      `Model ${manifest.id} (${file}) failed its quality gate (${quantization.gate.rule}): ${failing.join(', ')}. ` +
        `Use DETECT_MODEL=${quantization.source.id}, or re-run npm run models:quantize with more calibration frames`,
    );
  }
  const source = listModelIds().includes(quantization.source.id) ? loadManifest(quantization.source.id) : undefined;
  if (source?.sha256 !== quantization.source.sha256) {
    throw new AppError(
      'model_stale',
      `Model ${manifest.id} (${file}) was made from ${quantization.source.id} sha256 ${quantization.source.sha256}, ` +
        `which is not the ${quantization.source.id} shipped now; re-run npm run models:quantize`,
    );
  }
}

export function parseManifest(value: unknown, source = 'manifest'): ModelManifest {
  const parsed = modelManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_model_manifest', `Invalid model manifest ${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
