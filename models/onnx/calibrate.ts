// Calibration: run the float model on sample inputs with every activation to be quantized exposed as
// an extra output, and choose each activation's range. Not the plain min/max: a SiLU output that is
// 0-5 almost everywhere reaches 90 on a few pixels, and a uint8 range stretched to 90 leaves the common
// values 4-5 steps. Each frame's range is cut at a percentile of its values (the rare outliers
// saturate instead), and the frames' cuts are averaged. Measured on YOLOX-Nano the difference from
// min/max was small (within 1-2 % of detections ≥ 0.3); what mattered was keeping the stem and head
// float (qdq-quantize.ts). The model inputs keep their exact min/max: raw 0-255 pixels are exact in uint8.
import ort from 'onnxruntime-node';
import { addFloatOutput, encodeOnnxModel, type OnnxModel } from './onnx-model.ts';
import type { ActivationRange } from './qdq-quantize.ts';

export interface CalibrationInput {
  name: string;
  dims: number[];
}

export interface CalibrationOptions {
  /** Share of values kept inside the range on each side, in percent (99.99 = one value in 10,000 saturates). */
  percentile?: number;
}

const HISTOGRAM_BINS = 2048;

/** The range of one tensor's values, cut so that a `share` of them falls below and as many above it. */
function percentileRange(data: Float32Array, share: number, histogram: Uint32Array): ActivationRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (!(max > min) || share <= 0) return { min, max };
  histogram.fill(0);
  const binsPerUnit = (HISTOGRAM_BINS - 1) / (max - min);
  for (let i = 0; i < data.length; i++) histogram[Math.floor((data[i] - min) * binsPerUnit)]++;
  const outside = Math.floor(data.length * share);
  let low = 0;
  for (let seen = 0; low < HISTOGRAM_BINS - 1 && seen + histogram[low] <= outside; low++) seen += histogram[low];
  let high = HISTOGRAM_BINS - 1;
  for (let seen = 0; high > 0 && seen + histogram[high] <= outside; high--) seen += histogram[high];
  return { min: min + low / binsPerUnit, max: min + (high + 1) / binsPerUnit };
}

export async function calibrateActivations(
  model: OnnxModel,
  input: CalibrationInput,
  activations: string[],
  samples: Iterable<Float32Array> | AsyncIterable<Float32Array>,
  options: CalibrationOptions = {},
): Promise<{ ranges: Map<string, ActivationRange>; samples: number }> {
  const share = (100 - (options.percentile ?? 99.99)) / 100;
  const exposed: OnnxModel = { ...model, extraOutputs: [...model.extraOutputs] };
  for (const name of activations) if (!model.outputNames.includes(name) && !model.inputNames.includes(name)) addFloatOutput(exposed, name);
  const outputs = activations.filter((name) => !model.inputNames.includes(name));
  const session = await ort.InferenceSession.create(encodeOnnxModel(exposed), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 });
  const sums = new Map<string, ActivationRange>(activations.map((name) => [name, { min: 0, max: 0 }]));
  const histogram = new Uint32Array(HISTOGRAM_BINS);
  let count = 0;
  try {
    for await (const sample of samples) {
      const results = await session.run({ [input.name]: new ort.Tensor('float32', sample, input.dims) }, outputs);
      for (const name of activations) {
        const isInput = model.inputNames.includes(name);
        const cut = percentileRange(isInput ? sample : (results[name].data as Float32Array), isInput ? 0 : share, histogram);
        const sum = sums.get(name)!;
        // inputs: the widest range seen; activations: the sum of the cuts, averaged below
        if (isInput) [sum.min, sum.max] = count === 0 ? [cut.min, cut.max] : [Math.min(sum.min, cut.min), Math.max(sum.max, cut.max)];
        else {
          sum.min += cut.min;
          sum.max += cut.max;
        }
      }
      for (const tensor of Object.values(results)) tensor.dispose();
      count++;
    }
  } finally {
    await session.release();
  }
  if (count === 0) throw new Error('calibration needs at least one sample');
  const ranges = new Map<string, ActivationRange>();
  for (const name of activations) {
    const sum = sums.get(name)!;
    ranges.set(name, model.inputNames.includes(name) ? sum : { min: sum.min / count, max: sum.max / count });
  }
  return { ranges, samples: count };
}
