// A batch-N copy of an ONNX model exported with its batch fixed at 1 (YOLOX-Nano's `images` is
// [1, 3, 416, 416]): N frames of different cameras can then run as one inference.
// The copy is made by patching bytes in place, never by re-encoding the protobuf: the leading dim 1 of
// the graph inputs, outputs and value_info becomes N, and every Reshape whose constant target shape
// starts with a hard-coded batch 1 gets 0 there ("copy this dim from the input", ONNX Reshape with
// allowzero = 0). Both are same-length edits (a one-byte varint; an 8-byte int64 in raw_data), so
// every enclosing length stays valid. A graph this cannot prove batch-safe is refused, not guessed.
import { AppError } from '@cityops/core/errors';

/** The largest batch a one-byte varint holds: the in-place patch cannot grow a field. */
export const MAX_BATCH = 127;

interface Field {
  number: number;
  wire: number;
  /** varint value (wire 0) */
  value: bigint;
  /** byte offset of the varint (wire 0) or of the payload (wire 2) */
  start: number;
  end: number;
}

// ONNX protobuf field numbers (onnx.proto3), only the ones this patch walks.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_TENSOR = 5;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const TENSOR_INT64_DATA = 7;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const INT64 = 7;

export class BatchVariantError extends AppError {
  constructor(message: string) {
    super('model_not_batchable', message);
    this.name = 'BatchVariantError';
  }
}

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (at >= bytes.length) throw new BatchVariantError('ONNX file ends inside a varint');
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

function fieldsOf(bytes: Uint8Array, start: number, end: number): Field[] {
  const fields: Field[] = [];
  let at = start;
  while (at < end) {
    const [key, afterKey] = readVarint(bytes, at);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    at = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(bytes, at);
      fields.push({ number, wire, value, start: at, end: next });
      at = next;
    } else if (wire === 2) {
      const [length, payload] = readVarint(bytes, at);
      at = payload + Number(length);
      fields.push({ number, wire, value: length, start: payload, end: at });
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      fields.push({ number, wire, value: 0n, start: at, end: at + size });
      at += size;
    } else {
      throw new BatchVariantError(`ONNX file has protobuf wire type ${wire}: not an ONNX model`);
    }
  }
  if (at !== end) throw new BatchVariantError('ONNX protobuf message overruns its length');
  return fields;
}

const decoder = new TextDecoder();
const text = (bytes: Uint8Array, field: Field) => decoder.decode(bytes.subarray(field.start, field.end));

/** Sets the leading dim of a ValueInfoProto's tensor shape from 1 to `batch`; false if it has none. */
function patchLeadingDim(bytes: Uint8Array, valueInfo: Field, batch: number): boolean {
  const type = fieldsOf(bytes, valueInfo.start, valueInfo.end).find((f) => f.number === VALUE_INFO_TYPE);
  const tensor = type && fieldsOf(bytes, type.start, type.end).find((f) => f.number === TYPE_TENSOR);
  const shape = tensor && fieldsOf(bytes, tensor.start, tensor.end).find((f) => f.number === TENSOR_TYPE_SHAPE);
  const firstDim = shape && fieldsOf(bytes, shape.start, shape.end).find((f) => f.number === SHAPE_DIM);
  const dimValue = firstDim && fieldsOf(bytes, firstDim.start, firstDim.end).find((f) => f.number === DIM_VALUE);
  if (!dimValue || dimValue.wire !== 0 || dimValue.value !== 1n || dimValue.end - dimValue.start !== 1) return false;
  bytes[dimValue.start] = batch;
  return true;
}

/** Where an int64 tensor keeps its first value as 8 raw little-endian bytes, or undefined. */
function firstInt64(bytes: Uint8Array, tensor: Field): { name: string; offset: number; value: bigint } | undefined {
  const fields = fieldsOf(bytes, tensor.start, tensor.end);
  const dataType = fields.find((f) => f.number === TENSOR_DATA_TYPE);
  const name = fields.find((f) => f.number === TENSOR_NAME);
  const raw = fields.find((f) => f.number === TENSOR_RAW_DATA);
  if (dataType?.value !== BigInt(INT64)) return undefined;
  if (!raw) {
    // int64_data instead of raw_data: a varint the in-place patch cannot rewrite safely in general.
    if (fields.some((f) => f.number === TENSOR_INT64_DATA)) return { name: name ? text(bytes, name) : '', offset: -1, value: 0n };
    return undefined;
  }
  if (raw.end - raw.start < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + raw.start, 8);
  return { name: name ? text(bytes, name) : '', offset: raw.start, value: view.getBigInt64(0, true) };
}

/**
 * A copy of `model` (ONNX bytes, batch fixed at 1) whose batch is `batch`. Throws BatchVariantError
 * when a graph input or output has no leading dim 1, or a Reshape takes its target shape from
 * something other than a constant.
 */
export function batchVariant(model: Uint8Array, batch: number): Uint8Array {
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) {
    throw new RangeError(`batch ${batch} must be an integer from 1 to ${MAX_BATCH}`);
  }
  const bytes = Uint8Array.from(model);
  if (batch === 1) return bytes;
  const graph = fieldsOf(bytes, 0, bytes.length).find((f) => f.number === MODEL_GRAPH && f.wire === 2);
  if (!graph) throw new BatchVariantError('ONNX file has no graph');
  const graphFields = fieldsOf(bytes, graph.start, graph.end);

  for (const number of [GRAPH_INPUT, GRAPH_OUTPUT]) {
    for (const field of graphFields.filter((f) => f.number === number)) {
      if (!patchLeadingDim(bytes, field, batch)) {
        const name = fieldsOf(bytes, field.start, field.end).find((f) => f.number === 1);
        throw new BatchVariantError(`graph ${number === GRAPH_INPUT ? 'input' : 'output'} ${name ? text(bytes, name) : '?'} has no leading batch dim of 1`);
      }
    }
  }
  // Intermediate shapes are hints ONNX Runtime checks against what it infers: patch the batch-first ones.
  for (const field of graphFields.filter((f) => f.number === GRAPH_VALUE_INFO)) patchLeadingDim(bytes, field, batch);

  // Constant int64 tensors by name: initializers and Constant nodes.
  const constants = new Map<string, { offset: number; value: bigint }>();
  for (const field of graphFields.filter((f) => f.number === GRAPH_INITIALIZER)) {
    const value = firstInt64(bytes, field);
    if (value) constants.set(value.name, value);
  }
  const nodes = graphFields.filter((f) => f.number === GRAPH_NODE).map((field) => {
    const fields = fieldsOf(bytes, field.start, field.end);
    const opType = fields.find((f) => f.number === NODE_OP_TYPE);
    return {
      fields,
      opType: opType ? text(bytes, opType) : '',
      inputs: fields.filter((f) => f.number === NODE_INPUT).map((f) => text(bytes, f)),
      outputs: fields.filter((f) => f.number === NODE_OUTPUT).map((f) => text(bytes, f)),
    };
  });
  for (const node of nodes.filter((n) => n.opType === 'Constant')) {
    for (const attribute of node.fields.filter((f) => f.number === NODE_ATTRIBUTE)) {
      const attributeFields = fieldsOf(bytes, attribute.start, attribute.end);
      const name = attributeFields.find((f) => f.number === ATTRIBUTE_NAME);
      const tensor = attributeFields.find((f) => f.number === ATTRIBUTE_TENSOR);
      if (!name || text(bytes, name) !== 'value' || !tensor) continue;
      const value = firstInt64(bytes, tensor);
      if (value) constants.set(node.outputs[0], value);
    }
  }

  for (const node of nodes.filter((n) => n.opType === 'Reshape')) {
    const target = constants.get(node.inputs[1]);
    if (!target) throw new BatchVariantError(`Reshape to ${node.outputs[0]} takes its shape from ${node.inputs[1]}, not a constant: cannot prove it batch-safe`);
    if (target.value !== 1n) continue; // 0 or -1 already follow the input; anything else is not a batch dim
    if (target.offset < 0) throw new BatchVariantError(`Reshape to ${node.outputs[0]} keeps its shape as int64_data: not patchable in place`);
    new DataView(bytes.buffer, bytes.byteOffset + target.offset, 8).setBigInt64(0, 0n, true);
  }
  return bytes;
}
