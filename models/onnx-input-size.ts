// Runs a fully convolutional ONNX export at another input size without a second file: the model bytes
// are rewritten in memory before ONNX Runtime loads them. Only the declared shapes change (the input's
// dims; the intermediate and output shapes the exporter stored are dropped, and ONNX Runtime infers
// them again). The weights and nodes stay as they are, so this is only right for a graph whose nodes
// do not hard-code the grid: the YOLOX export qualifies (its Focus Slices end at INT64_MAX, its
// Resizes use scales, its three Reshapes are [1, 85, -1]); analytics/detect/onnx-input-size.spec.ts
// runs it at another size and checks the output grid.
//
// ONNX files are protocol buffers (onnx.proto). The fields touched here:
//   ModelProto.graph = 7; GraphProto.input = 11, output = 12, value_info = 13;
//   ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; Tensor.shape = 2;
//   TensorShapeProto.dim = 1; Dimension.dim_value = 1.
import { AppError } from '@cityops/core/errors';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

interface Field {
  number: number;
  wire: number;
  /** The whole field as stored (key included), for fields passed through unchanged. */
  raw: Uint8Array;
  /** For length-delimited fields: the payload. */
  payload?: Uint8Array;
}

function readVarint(bytes: Uint8Array, position: number): { value: number; next: number } {
  let value = 0;
  let multiplier = 1;
  let next = position;
  for (;;) {
    if (next >= bytes.length) throw new AppError('model_corrupt', 'ONNX file ends inside a number');
    const byte = bytes[next++];
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { value, next };
    multiplier *= 128;
  }
}

function writeVarint(value: number, out: number[]): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let position = 0;
  while (position < bytes.length) {
    const start = position;
    const key = readVarint(bytes, position);
    const wire = key.value % 8;
    const number = Math.floor(key.value / 8);
    position = key.next;
    let payload: Uint8Array | undefined;
    if (wire === WIRE_VARINT) position = readVarint(bytes, position).next;
    else if (wire === WIRE_FIXED64) position += 8;
    else if (wire === WIRE_FIXED32) position += 4;
    else if (wire === WIRE_LENGTH_DELIMITED) {
      const length = readVarint(bytes, position);
      payload = bytes.subarray(length.next, length.next + length.value);
      position = length.next + length.value;
    } else throw new AppError('model_corrupt', `ONNX file has protobuf wire type ${wire}, which onnx.proto never uses`);
    if (position > bytes.length) throw new AppError('model_corrupt', 'ONNX file ends inside a field');
    fields.push({ number, wire, raw: bytes.subarray(start, position), payload });
  }
  return fields;
}

function lengthDelimited(number: number, payload: Uint8Array): Uint8Array {
  const head: number[] = [];
  writeVarint(number * 8 + WIRE_LENGTH_DELIMITED, head);
  writeVarint(payload.length, head);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const textOf = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');

/** A TensorShapeProto with these fixed dims. */
function shapeMessage(dims: readonly number[]): Uint8Array {
  return concat(
    dims.map((dim) => {
      const value: number[] = [];
      writeVarint(1 * 8 + WIRE_VARINT, value);
      writeVarint(dim, value);
      return lengthDelimited(1, Uint8Array.from(value));
    }),
  );
}

/** ValueInfoProto with its tensor shape replaced by `dims`, or removed when `dims` is undefined. */
function withShape(valueInfo: Uint8Array, dims: readonly number[] | undefined): Uint8Array {
  return concat(
    readFields(valueInfo).map((field) => {
      if (field.number !== 2 || !field.payload) return field.raw;
      const type = concat(
        readFields(field.payload).map((typeField) => {
          if (typeField.number !== 1 || !typeField.payload) return typeField.raw;
          const tensorFields = readFields(typeField.payload).filter((tensorField) => tensorField.number !== 2);
          const tensor = concat([...tensorFields.map((tensorField) => tensorField.raw), ...(dims ? [lengthDelimited(2, shapeMessage(dims))] : [])]);
          return lengthDelimited(1, tensor);
        }),
      );
      return lengthDelimited(2, type);
    }),
  );
}

function valueInfoName(valueInfo: Uint8Array): string {
  return textOf(readFields(valueInfo).find((field) => field.number === 1)?.payload);
}

/**
 * The same model with input `inputName` declared as `dims` (e.g. [1, 3, 320, 320]). Intermediate and
 * output shapes are left for ONNX Runtime to infer.
 */
export function withInputShape(model: Uint8Array, inputName: string, dims: readonly number[]): Uint8Array {
  let inputFound = false;
  const parts = readFields(model).map((field) => {
    if (field.number !== 7 || !field.payload) return field.raw;
    const graph = readFields(field.payload)
      .filter((graphField) => graphField.number !== 13)
      .map((graphField) => {
        if (graphField.number === 11 && graphField.payload && valueInfoName(graphField.payload) === inputName) {
          inputFound = true;
          return lengthDelimited(11, withShape(graphField.payload, dims));
        }
        if (graphField.number === 12 && graphField.payload) return lengthDelimited(12, withShape(graphField.payload, undefined));
        return graphField.raw;
      });
    return lengthDelimited(7, concat(graph));
  });
  if (!inputFound) throw new AppError('model_corrupt', `the ONNX graph has no input named ${inputName}`);
  return concat(parts);
}
