// Float ONNX model + activation ranges → int8 QDQ model:
// - every activation between nodes (but the stem's and the head's outputs, see below) goes through QuantizeLinear → DequantizeLinear, uint8 asymmetric
//   with its calibrated range (ranges always include 0, so zero padding is exact);
// - Conv weights are stored as int8, symmetric per output channel (filters of one layer differ by
//   orders of magnitude; one scale for all would flatten the small ones), biases as int32 with scale
//   input scale × weight scale, as QLinearConv expects.
// ONNX Runtime's CPU provider then fuses each DequantizeLinear → op → QuantizeLinear group into its
// integer kernel (QLinearConv, QLinearSigmoid, QLinearMul, QLinearAdd, QLinearConcat) and drops the
// pairs around MaxPool, Resize, Slice, Reshape: the whole backbone runs on uint8. Quantizing only the
// Conv inputs and outputs was measured no faster than float: the float Sigmoid and Mul of every SiLU
// between them cost what the integer Convs saved.
import {
  floatInitializer,
  intAttribute,
  rawBytes,
  setInitializer,
  TensorType,
  type OnnxModel,
  type OnnxNode,
} from './onnx-model.ts';

export interface ActivationRange {
  min: number;
  max: number;
}

/** Per-axis QuantizeLinear/DequantizeLinear need opset 13. */
const QDQ_OPSET = 13;

/** Ops whose output values are some of their input values: the output keeps the input's scale, which
 * is also what lets ONNX Runtime drop the Q/DQ pair around them. */
const VALUE_PRESERVING = new Set(['MaxPool', 'Resize', 'Slice', 'Reshape', 'Transpose']);
/** Ops that may rearrange the model output. From the output back through these, tensors stay float:
 * YOLOX concatenates raw box offsets (tens of pixels) with scores (0..1), one uint8 scale for both would
 * round scores to steps of about 0.1. */
const OUTPUT_ASSEMBLY = new Set(['Concat', 'Reshape', 'Transpose']);

export interface ActivationPlan {
  /** Tensors whose range calibration must measure. */
  calibrated: string[];
  /** Every quantized tensor → the calibrated tensor whose scale and zero point it uses. */
  parametersOf: Map<string, string>;
}

/**
 * The first Conv reads raw pixels, so its outputs span about ±80 where the next layers' span ±5: at
 * uint8 steps of 0.6 the detail of the first feature map is lost (on YOLOX-Nano, quantizing this one
 * Conv and its SiLU halved the detections scoring ≥ 0.3 over 20 frames; keeping them float, 2 % fewer
 * remained). Its output and the activation right after it (Sigmoid, Mul) stay float.
 */
export function stemActivations(model: OnnxModel): Set<string> {
  const stem = model.nodes.find((node) => node.opType === 'Conv');
  const float = new Set<string>(stem ? stem.outputs : []);
  for (const node of model.nodes.slice(stem ? model.nodes.indexOf(stem) + 1 : model.nodes.length)) {
    const dataInputs = node.inputs.filter((input) => !model.initializers.has(input));
    if ((node.opType === 'Sigmoid' || node.opType === 'Mul') && dataInputs.length > 0 && dataInputs.every((input) => float.has(input))) {
      for (const output of node.outputs) float.add(output);
    }
  }
  return float;
}

/**
 * The head's outputs: the tensors the output is assembled from (box offsets, and the object and class
 * scores with the logits they are the Sigmoid of). A score near the 0.3 threshold moves by 0.02 per
 * uint8 step of a logit ranging over -20..5; keeping them float brought the person detections ≥ 0.3 on
 * 20 frames of the pedestrian clips from 20 % to 3 % below the float model's.
 */
export function headActivations(model: OnnxModel): Set<string> {
  const producer = new Map<string, OnnxNode>();
  for (const node of model.nodes) for (const output of node.outputs) producer.set(output, node);
  const float = new Set<string>();
  const pending = [...model.outputNames];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const name = pending.pop()!;
    const node = producer.get(name);
    if (!node || seen.has(name)) continue;
    seen.add(name);
    if (OUTPUT_ASSEMBLY.has(node.opType)) pending.push(...node.inputs.filter((input) => producer.has(input)));
    else {
      float.add(name);
      if (node.opType === 'Sigmoid') float.add(node.inputs[0]);
    }
  }
  return float;
}

/** What stays float by default: the stem and the head. */
export const defaultFloatActivations = (model: OnnxModel) => new Set([...stemActivations(model), ...headActivations(model)]);

export function planActivations(model: OnnxModel, keepFloat: ReadonlySet<string> = defaultFloatActivations(model)): ActivationPlan {
  const producer = new Map<string, OnnxNode>();
  for (const node of model.nodes) for (const output of node.outputs) producer.set(output, node);
  const staysFloat = new Set<string>([...model.outputNames, ...keepFloat]);
  const pending = [...model.outputNames];
  while (pending.length > 0) {
    const node = producer.get(pending.pop()!);
    if (!node || !OUTPUT_ASSEMBLY.has(node.opType)) continue;
    for (const input of node.inputs) {
      const from = producer.get(input);
      if (from && OUTPUT_ASSEMBLY.has(from.opType) && !staysFloat.has(input)) {
        staysFloat.add(input);
        pending.push(input);
      }
    }
  }
  const parametersOf = new Map<string, string>();
  const isActivation = (name: string) => name !== '' && !model.initializers.has(name) && !staysFloat.has(name);
  for (const name of model.inputNames) if (isActivation(name)) parametersOf.set(name, name);
  // Nodes are in topological order: a value-preserving op's input is planned before its output. A
  // Concat of tensors sharing one scale (YOLOX's Focus: four slices of the image) shares it too.
  for (const node of model.nodes) {
    for (const output of node.outputs) {
      if (!isActivation(output)) continue;
      const inputSources = new Set(node.inputs.map((input) => parametersOf.get(input)));
      const shared = node.opType === 'Concat' && inputSources.size === 1 ? [...inputSources][0] : undefined;
      const source = VALUE_PRESERVING.has(node.opType) ? parametersOf.get(node.inputs[0]) : shared;
      parametersOf.set(output, source ?? output);
    }
  }
  return { calibrated: [...new Set(parametersOf.values())], parametersOf };
}

export function uint8Parameters(range: ActivationRange): { scale: number; zeroPoint: number } {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  const scale = max > min ? (max - min) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

export function quantizeToQdq(model: OnnxModel, ranges: Map<string, ActivationRange>, keepFloat: ReadonlySet<string> = defaultFloatActivations(model)): OnnxModel {
  const plan = planActivations(model, keepFloat);
  for (const name of plan.calibrated) if (!ranges.has(name)) throw new Error(`no calibrated range for activation ${name}`);
  const out: OnnxModel = { ...model, nodes: [], initializers: new Map(model.initializers), opsetVersion: Math.max(model.opsetVersion, QDQ_OPSET) };

  // 1. Activations: one Q → DQ pair per tensor, placed right after the node that produces it.
  const activationScale = new Map<string, number>();
  const pairsAfter = new Map<string, OnnxNode[]>(); // producer output name → its Q/DQ nodes
  const dequantizedName = new Map<string, string>();
  for (const name of plan.calibrated) {
    const { scale, zeroPoint } = uint8Parameters(ranges.get(name)!);
    setInitializer(out, `${name}_scale`, TensorType.float, [], rawBytes(Float32Array.of(scale)));
    setInitializer(out, `${name}_zero_point`, TensorType.uint8, [], Uint8Array.of(zeroPoint));
  }
  for (const [name, source] of plan.parametersOf) {
    activationScale.set(name, uint8Parameters(ranges.get(source)!).scale);
    const parameters = [`${source}_scale`, `${source}_zero_point`];
    dequantizedName.set(name, `${name}_dequantized`);
    pairsAfter.set(name, [
      { opType: 'QuantizeLinear', name: `${name}_quantize`, inputs: [name, ...parameters], outputs: [`${name}_quantized`], otherFields: [] },
      { opType: 'DequantizeLinear', name: `${name}_dequantize`, inputs: [`${name}_quantized`, ...parameters], outputs: [`${name}_dequantized`], otherFields: [] },
    ]);
  }

  // 2. Weights and biases: int8 / int32 initializers read through DequantizeLinear (axis 0 = output channel).
  const weightNodes: OnnxNode[] = [];
  const rewired: OnnxNode[] = model.nodes.map((node) => ({
    ...node,
    inputs: node.inputs.map((input) => dequantizedName.get(input) ?? input),
  }));
  for (const node of rewired) {
    if (node.opType !== 'Conv') continue;
    const original = model.nodes[rewired.indexOf(node)];
    const inputScale = activationScale.get(original.inputs[0]);
    const weight = floatInitializer(model, original.inputs[1]);
    if (inputScale === undefined || !weight) continue; // a Conv with computed weights stays float
    const channels = weight.dims[0];
    const perChannel = weight.data.length / channels;
    const weightScales = new Float32Array(channels);
    const quantized = new Int8Array(weight.data.length);
    for (let c = 0; c < channels; c++) {
      let largest = 0;
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) largest = Math.max(largest, Math.abs(weight.data[i]));
      const scale = largest > 0 ? largest / 127 : 1;
      weightScales[c] = scale;
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) quantized[i] = Math.max(-127, Math.min(127, Math.round(weight.data[i] / scale)));
    }
    const w = `${node.name || original.outputs[0]}_weight`;
    setInitializer(out, `${w}_quantized`, TensorType.int8, weight.dims, rawBytes(quantized));
    setInitializer(out, `${w}_scale`, TensorType.float, [channels], rawBytes(weightScales));
    setInitializer(out, `${w}_zero_point`, TensorType.int8, [channels], new Uint8Array(channels));
    weightNodes.push({
      opType: 'DequantizeLinear',
      name: `${w}_dequantize`,
      inputs: [`${w}_quantized`, `${w}_scale`, `${w}_zero_point`],
      outputs: [`${w}_dequantized`],
      otherFields: [intAttribute('axis', 0)],
    });
    node.inputs[1] = `${w}_dequantized`;

    const bias = node.inputs[2] ? floatInitializer(model, original.inputs[2]) : undefined;
    if (bias) {
      const b = `${node.name || original.outputs[0]}_bias`;
      const biasScales = new Float32Array(channels);
      const biasValues = new Int32Array(channels);
      for (let c = 0; c < channels; c++) {
        biasScales[c] = inputScale * weightScales[c];
        biasValues[c] = Math.round(bias.data[c] / biasScales[c]);
      }
      setInitializer(out, `${b}_quantized`, TensorType.int32, [channels], rawBytes(biasValues));
      setInitializer(out, `${b}_scale`, TensorType.float, [channels], rawBytes(biasScales));
      weightNodes.push({
        opType: 'DequantizeLinear',
        name: `${b}_dequantize`,
        inputs: [`${b}_quantized`, `${b}_scale`],
        outputs: [`${b}_dequantized`],
        otherFields: [intAttribute('axis', 0)],
      });
      node.inputs[2] = `${b}_dequantized`;
    }
  }
  for (const name of out.initializers.keys()) {
    if (!rewired.some((node) => node.inputs.includes(name)) && !weightNodes.some((node) => node.inputs.includes(name)) && ![...pairsAfter.values()].some((pair) => pair.some((node) => node.inputs.includes(name)))) {
      out.initializers.delete(name); // float weights now stored as int8
    }
  }

  // 3. Node order stays topological: weight DQs first, graph-input pairs next, each pair after its producer.
  out.nodes.push(...weightNodes);
  for (const name of model.inputNames) out.nodes.push(...(pairsAfter.get(name) ?? []));
  for (const node of rewired) {
    out.nodes.push(node);
    for (const output of node.outputs) out.nodes.push(...(pairsAfter.get(output) ?? []));
  }
  return out;
}
