// The protobuf wire format, just enough to read and rewrite an ONNX file without a schema compiler:
// a message is a list of (field number, wire type, value); fields we do not touch keep their bytes, so
// a rewritten model loses nothing we did not mean to change.
// Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited (bytes, strings, sub-messages, packed), 5 fixed 32-bit.

export type WireField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1 | 5 | 2; value: Uint8Array };

/** A byte string that is not a well-formed protobuf message (truncated, or a wire type onnx.proto never uses). */
export class WireFormatError extends RangeError {
  constructor(message: string) {
    super(`protobuf: ${message}`);
    this.name = 'WireFormatError';
  }
}

/** The varint at `offset`, as its unsigned 64-bit value, and the offset after it. */
function readVarint(bytes: Uint8Array, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let next = offset;
  for (;;) {
    if (next >= bytes.length) throw new WireFormatError('truncated varint');
    const byte = bytes[next++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, next];
    shift += 7n;
  }
}

/** The fields of a message in stored order; byte values are views into `bytes`, not copies. */
export function decodeMessage(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const [key, afterKey] = readVarint(bytes, offset);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    offset = afterKey;
    if (wire === 0) {
      const [value, next] = readVarint(bytes, offset);
      fields.push({ field, wire, value });
      offset = next;
    } else if (wire === 1 || wire === 2 || wire === 5) {
      let size = wire === 1 ? 8 : 4;
      if (wire === 2) {
        const [length, payload] = readVarint(bytes, offset);
        size = Number(length);
        offset = payload;
      }
      if (offset + size > bytes.length) throw new WireFormatError(`field ${field} runs past the end`);
      fields.push({ field, wire, value: bytes.subarray(offset, offset + size) });
      offset += size;
    } else throw new WireFormatError(`unsupported wire type ${wire} (field ${field})`);
  }
  return fields;
}

function varintBytes(value: bigint): number[] {
  // int64 fields encode negative numbers as their 64-bit two's complement (10 bytes)
  let rest = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest !== 0n) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0n);
  return out;
}

export function encodeMessage(fields: WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (part: Uint8Array) => {
    parts.push(part);
    total += part.length;
  };
  for (const field of fields) {
    push(Uint8Array.from(varintBytes(BigInt((field.field << 3) | field.wire))));
    if (field.wire === 0) push(Uint8Array.from(varintBytes(field.value)));
    else {
      if (field.wire === 2) push(Uint8Array.from(varintBytes(BigInt(field.value.length))));
      push(field.value);
    }
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// Small builders and readers for the field kinds ONNX uses.
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const stringField = (field: number, text: string): WireField => ({ field, wire: 2, value: utf8.encode(text) });
export const bytesField = (field: number, value: Uint8Array): WireField => ({ field, wire: 2, value });
export const messageField = (field: number, fields: WireField[]): WireField => ({ field, wire: 2, value: encodeMessage(fields) });
export const intField = (field: number, value: number | bigint): WireField => ({ field, wire: 0, value: BigInt(value) });
export const floatField = (field: number, value: number): WireField => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return { field, wire: 5, value: bytes };
};

export const asString = (field: WireField): string => fromUtf8.decode(field.value as Uint8Array);
export const asBytes = (field: WireField): Uint8Array => field.value as Uint8Array;
export const asInt = (field: WireField): bigint => field.value as bigint;

/** Values of a repeated int64 field, packed (one length-delimited run) or not. */
export function repeatedInts(fields: WireField[], number: number): bigint[] {
  const values: bigint[] = [];
  for (const field of fields) {
    if (field.field !== number) continue;
    if (field.wire === 0) values.push(field.value);
    else if (field.wire === 2) {
      for (let offset = 0; offset < field.value.length; ) {
        const [value, next] = readVarint(field.value, offset);
        values.push(value);
        offset = next;
      }
    }
  }
  return values.map((value) => BigInt.asIntN(64, value));
}
