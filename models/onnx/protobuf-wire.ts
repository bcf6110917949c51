// The protobuf wire format, just enough to read and rewrite an ONNX file without a schema compiler:
// a message is a list of (field number, wire type, value); fields we do not touch keep their bytes, so
// a rewritten model loses nothing we did not mean to change.
// Wire types: 0 varint, 1 fixed 64-bit, 2 length-delimited (bytes, strings, sub-messages, packed), 5 fixed 32-bit.

export type WireField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 1 | 5 | 2; value: Uint8Array };

export function decodeMessage(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= bytes.length) throw new RangeError('protobuf: truncated varint');
      const byte = bytes[offset++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: readVarint() });
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      fields.push({ field, wire, value: bytes.subarray(offset, offset + size) });
      offset += size;
    } else if (wire === 2) {
      const length = Number(readVarint());
      if (offset + length > bytes.length) throw new RangeError(`protobuf: field ${field} runs past the end`);
      fields.push({ field, wire, value: bytes.subarray(offset, offset + length) });
      offset += length;
    } else throw new RangeError(`protobuf: unsupported wire type ${wire} (field ${field})`);
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
      const packed = field.value;
      let offset = 0;
      while (offset < packed.length) {
        let result = 0n;
        let shift = 0n;
        for (;;) {
          const byte = packed[offset++];
          result |= BigInt(byte & 0x7f) << shift;
          if ((byte & 0x80) === 0) break;
          shift += 7n;
        }
        values.push(BigInt.asIntN(64, result));
      }
    }
  }
  return values.map((value) => BigInt.asIntN(64, value));
}
