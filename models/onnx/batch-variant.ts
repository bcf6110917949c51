// A batch-N copy of an ONNX model exported with its batch fixed at 1 (YOLOX-Nano's `images` is
// [1, 3, 416, 416]): N frames of different cameras can then run as one inference.
// The leading dim 1 of the graph inputs, outputs and value_info becomes N, and every Reshape whose
// constant target shape starts with a hard-coded batch 1 gets 0 there ("copy this dim from the input",
// ONNX Reshape with allowzero = 0). Only the messages on the way to those values are re-encoded; both
// edits keep their length (a one-byte varint; an 8-byte int64 in raw_data), so the copy is the same
// size as the model. A graph this cannot prove batch-safe is refused, not guessed.
import { AppError } from '@cityops/core/errors';
import { Attribute, Dimension, Graph, Model, Node, Tensor, TensorShape, TensorType, TensorTypeProto, TypeProto, ValueInfo } from './onnx-model.ts';
import { asBytes, asString, bytesField, decodeMessage, encodeMessage, intField, messageField, WireFormatError, type WireField } from './protobuf-wire.ts';

/** The largest batch a one-byte varint holds: the patch keeps every edit the length it was. */
export const MAX_BATCH = 127;

export class BatchVariantError extends AppError {
  constructor(message: string) {
    super('model_not_batchable', message);
    this.name = 'BatchVariantError';
  }
}

/**
 * Lets `rewrite` edit the fields of the first sub-message `number` of `fields`, and stores the result
 * back when it returns true; false (nothing changed) when there is no such sub-message or it declines.
 */
function rewriteFirst(fields: WireField[], number: number, rewrite: (inner: WireField[]) => boolean): boolean {
  const index = fields.findIndex((field) => field.field === number && field.wire === 2);
  if (index < 0) return false;
  const inner = decodeMessage(asBytes(fields[index]));
  if (!rewrite(inner)) return false;
  fields[index] = messageField(number, inner);
  return true;
}

/** Sets the leading dim of a ValueInfoProto's tensor shape from 1 to `batch`; false if it has none. */
function patchLeadingDim(valueInfo: WireField[], batch: number): boolean {
  return rewriteFirst(valueInfo, ValueInfo.type, (type) =>
    rewriteFirst(type, TypeProto.tensorType, (tensor) =>
      rewriteFirst(tensor, TensorTypeProto.shape, (shape) =>
        rewriteFirst(shape, TensorShape.dim, (dim) => {
          const index = dim.findIndex((field) => field.field === Dimension.dimValue);
          if (index < 0 || dim[index].wire !== 0 || dim[index].value !== 1n) return false;
          dim[index] = intField(Dimension.dimValue, batch);
          return true;
        }),
      ),
    ),
  );
}

interface Int64Constant {
  /** The first value, or undefined when it is kept as int64_data (varints this patch does not rewrite). */
  first: bigint | undefined;
  /** Sets the first value to 0 in the model being built. */
  zeroFirst: () => void;
}

/** A TensorProto's first int64 (stored as raw_data) and how to zero it in place, or undefined if not int64. */
function firstInt64(tensor: WireField[], store: () => void): Int64Constant | undefined {
  const dataType = tensor.find((field) => field.field === Tensor.dataType);
  if (dataType?.wire !== 0 || dataType.value !== BigInt(TensorType.int64)) return undefined;
  const rawIndex = tensor.findIndex((field) => field.field === Tensor.rawData && field.wire === 2);
  if (rawIndex < 0) {
    if (tensor.some((field) => field.field === Tensor.int64Data)) return { first: undefined, zeroFirst: () => {} };
    return undefined;
  }
  const raw = asBytes(tensor[rawIndex]);
  if (raw.length < 8) return undefined;
  return {
    first: new DataView(raw.buffer, raw.byteOffset, 8).getBigInt64(0, true),
    zeroFirst: () => {
      const zeroed = Uint8Array.from(raw);
      new DataView(zeroed.buffer).setBigInt64(0, 0n, true);
      tensor[rawIndex] = bytesField(Tensor.rawData, zeroed);
      store();
    },
  };
}

const textOf = (fields: WireField[], number: number) => {
  const field = fields.find((candidate) => candidate.field === number && candidate.wire === 2);
  return field ? asString(field) : '';
};

/**
 * A copy of `model` (ONNX bytes, batch fixed at 1) whose batch is `batch`. Throws BatchVariantError
 * when a graph input or output has no leading dim 1, or a Reshape takes its target shape from
 * something other than a constant.
 */
export function batchVariant(model: Uint8Array, batch: number): Uint8Array {
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) {
    throw new RangeError(`batch ${batch} must be an integer from 1 to ${MAX_BATCH}`);
  }
  if (batch === 1) return Uint8Array.from(model);
  try {
    return withBatch(model, batch);
  } catch (error) {
    if (error instanceof WireFormatError) throw new BatchVariantError(`ONNX file is corrupt (${error.message})`);
    throw error;
  }
}

function withBatch(model: Uint8Array, batch: number): Uint8Array {
  const modelFields = decodeMessage(model);
  const graphIndex = modelFields.findIndex((field) => field.field === Model.graph && field.wire === 2);
  if (graphIndex < 0) throw new BatchVariantError('ONNX file has no graph');
  const graph = decodeMessage(asBytes(modelFields[graphIndex]));
  /** Decodes graph field `index` for editing; `store` writes the edited fields back into the graph. */
  const edit = (index: number) => {
    const fields = decodeMessage(asBytes(graph[index]));
    const store = () => {
      graph[index] = messageField(graph[index].field, fields);
    };
    return { fields, store };
  };
  const indexesOf = (number: number) => graph.flatMap((field, index) => (field.field === number && field.wire === 2 ? [index] : []));

  for (const number of [Graph.input, Graph.output]) {
    for (const index of indexesOf(number)) {
      const valueInfo = edit(index);
      if (!patchLeadingDim(valueInfo.fields, batch)) {
        const name = textOf(valueInfo.fields, ValueInfo.name) || '?';
        throw new BatchVariantError(`graph ${number === Graph.input ? 'input' : 'output'} ${name} has no leading batch dim of 1`);
      }
      valueInfo.store();
    }
  }
  // Intermediate shapes are hints ONNX Runtime checks against what it infers: patch the batch-first ones.
  for (const index of indexesOf(Graph.valueInfo)) {
    const valueInfo = edit(index);
    if (patchLeadingDim(valueInfo.fields, batch)) valueInfo.store();
  }

  // Constant int64 tensors by name: initializers and Constant nodes.
  const constants = new Map<string, Int64Constant>();
  for (const index of indexesOf(Graph.initializer)) {
    const tensor = edit(index);
    const constant = firstInt64(tensor.fields, tensor.store);
    if (constant) constants.set(textOf(tensor.fields, Tensor.name), constant);
  }
  const nodes = indexesOf(Graph.node).map((index) => {
    const node = edit(index);
    return {
      ...node,
      opType: textOf(node.fields, Node.opType),
      inputs: node.fields.filter((field) => field.field === Node.input).map(asString),
      outputs: node.fields.filter((field) => field.field === Node.output).map(asString),
    };
  });
  for (const node of nodes.filter((candidate) => candidate.opType === 'Constant')) {
    node.fields.forEach((field, attributeIndex) => {
      if (field.field !== Node.attribute || field.wire !== 2) return;
      const attribute = decodeMessage(field.value);
      const tensorIndex = attribute.findIndex((candidate) => candidate.field === Attribute.tensor && candidate.wire === 2);
      if (textOf(attribute, Attribute.name) !== 'value' || tensorIndex < 0) return;
      const tensor = decodeMessage(asBytes(attribute[tensorIndex]));
      const constant = firstInt64(tensor, () => {
        attribute[tensorIndex] = messageField(Attribute.tensor, tensor);
        node.fields[attributeIndex] = messageField(Node.attribute, attribute);
        node.store();
      });
      if (constant) constants.set(node.outputs[0], constant);
    });
  }

  for (const node of nodes.filter((candidate) => candidate.opType === 'Reshape')) {
    const target = constants.get(node.inputs[1]);
    if (!target) throw new BatchVariantError(`Reshape to ${node.outputs[0]} takes its shape from ${node.inputs[1]}, not a constant: cannot prove it batch-safe`);
    // 0 or -1 already follow the input; anything else is not a batch dim. An int64_data shape (first
    // undefined) is left as it is: only raw_data shapes are patched.
    if (target.first !== 1n) continue;
    target.zeroFirst();
  }
  modelFields[graphIndex] = messageField(Model.graph, graph);
  return encodeMessage(modelFields);
}
