// An ONNX model as far as a graph rewrite needs it: nodes with their input and output names, float
// initializers, graph outputs and opset. Everything else stays as the protobuf bytes it was read as.
// Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
import {
  asBytes,
  asInt,
  asString,
  bytesField,
  decodeMessage,
  encodeMessage,
  intField,
  messageField,
  repeatedInts,
  stringField,
  type WireField,
} from './protobuf-wire.ts';

/** TensorProto.DataType values used here. */
export const TensorType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;

// Field numbers of the onnx.proto messages, shared by every module that reads or rewrites a model.
export const Model = { graph: 7, opsetImport: 8 } as const;
export const Opset = { domain: 1, version: 2 } as const;
export const Graph = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;
export const Node = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
export const Attribute = { name: 1, i: 3, tensor: 5, type: 20 } as const;
const AttributeTypeInt = 2;
export const Tensor = { dims: 1, dataType: 2, floatData: 4, int64Data: 7, name: 8, rawData: 9 } as const;
export const ValueInfo = { name: 1, type: 2 } as const;
export const TypeProto = { tensorType: 1 } as const;
export const TensorTypeProto = { elemType: 1, shape: 2 } as const;
export const TensorShape = { dim: 1 } as const;
export const Dimension = { dimValue: 1 } as const;

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Attributes, domain, doc string: kept as read. */
  otherFields: WireField[];
}

export interface FloatTensor {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxModel {
  nodes: OnnxNode[];
  /** Initializers by name, as raw TensorProto fields (decode floats with floatInitializer). */
  initializers: Map<string, WireField[]>;
  inputNames: string[];
  outputNames: string[];
  opsetVersion: number;
  graphOtherFields: WireField[];
  modelOtherFields: WireField[];
  /** Graph fields appended on write (new outputs), beyond those read. */
  extraOutputs: WireField[];
}

function parseNode(bytes: Uint8Array): OnnxNode {
  const node: OnnxNode = { opType: '', name: '', inputs: [], outputs: [], otherFields: [] };
  for (const field of decodeMessage(bytes)) {
    if (field.field === Node.input) node.inputs.push(asString(field));
    else if (field.field === Node.output) node.outputs.push(asString(field));
    else if (field.field === Node.opType) node.opType = asString(field);
    else if (field.field === Node.name) node.name = asString(field);
    else node.otherFields.push(field);
  }
  return node;
}

function encodeNode(node: OnnxNode): WireField[] {
  return [
    ...node.inputs.map((name) => stringField(Node.input, name)),
    ...node.outputs.map((name) => stringField(Node.output, name)),
    stringField(Node.name, node.name),
    stringField(Node.opType, node.opType),
    ...node.otherFields,
  ];
}

const nameOf = (fields: WireField[], number: number) => {
  const field = fields.find((candidate) => candidate.field === number);
  return field ? asString(field) : '';
};

export function parseOnnxModel(bytes: Uint8Array): OnnxModel {
  const modelFields = decodeMessage(bytes);
  const graphField = modelFields.find((field) => field.field === Model.graph);
  if (!graphField) throw new Error('not an ONNX model: no graph');
  const opset = modelFields
    .filter((field) => field.field === Model.opsetImport)
    .map((field) => decodeMessage(asBytes(field)))
    .find((fields) => nameOf(fields, Opset.domain) === '');
  const versionField = opset?.find((field) => field.field === Opset.version);
  const model: OnnxModel = {
    nodes: [],
    initializers: new Map(),
    inputNames: [],
    outputNames: [],
    opsetVersion: versionField ? Number(asInt(versionField)) : 0,
    graphOtherFields: [],
    modelOtherFields: modelFields.filter((field) => field.field !== Model.graph && field.field !== Model.opsetImport),
    extraOutputs: [],
  };
  for (const field of modelFields) if (field.field === Model.opsetImport && nameOf(decodeMessage(asBytes(field)), Opset.domain) !== '') model.modelOtherFields.push(field);
  for (const field of decodeMessage(asBytes(graphField))) {
    if (field.field === Graph.node) model.nodes.push(parseNode(asBytes(field)));
    else if (field.field === Graph.initializer) {
      const tensor = decodeMessage(asBytes(field));
      model.initializers.set(nameOf(tensor, Tensor.name), tensor);
    } else {
      if (field.field === Graph.input) model.inputNames.push(nameOf(decodeMessage(asBytes(field)), ValueInfo.name));
      if (field.field === Graph.output) model.outputNames.push(nameOf(decodeMessage(asBytes(field)), ValueInfo.name));
      // inputs, outputs, value_info, name...: kept as read
      model.graphOtherFields.push(field);
    }
  }
  return model;
}

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph: WireField[] = [
    ...model.nodes.map((node) => messageField(Graph.node, encodeNode(node))),
    ...[...model.initializers.values()].map((tensor) => messageField(Graph.initializer, tensor)),
    ...model.graphOtherFields,
    ...model.extraOutputs,
  ];
  return encodeMessage([
    ...model.modelOtherFields,
    messageField(Model.opsetImport, [stringField(Opset.domain, ''), intField(Opset.version, model.opsetVersion)]),
    messageField(Model.graph, graph),
  ]);
}

/** Adds a float tensor of any shape as a graph output, so a calibration run can read it. */
export function addFloatOutput(model: OnnxModel, name: string): void {
  const type = [messageField(TypeProto.tensorType, [intField(TensorTypeProto.elemType, TensorType.float)])];
  model.extraOutputs.push(messageField(Graph.output, [stringField(ValueInfo.name, name), messageField(ValueInfo.type, type)]));
}

export function floatInitializer(model: OnnxModel, name: string): FloatTensor | undefined {
  const fields = model.initializers.get(name);
  if (!fields) return undefined;
  const typeField = fields.find((field) => field.field === Tensor.dataType);
  if (!typeField || Number(asInt(typeField)) !== TensorType.float) return undefined;
  const dims = repeatedInts(fields, Tensor.dims).map(Number);
  const count = dims.reduce((product, dim) => product * dim, 1);
  const raw = fields.find((field) => field.field === Tensor.rawData);
  const packed = fields.find((field) => field.field === Tensor.floatData);
  const source = raw ? asBytes(raw) : packed ? asBytes(packed) : new Uint8Array(0);
  if (source.length !== count * 4) throw new Error(`initializer ${name}: ${source.length} bytes for ${count} floats`);
  const data = new Float32Array(count);
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
  return { name, dims, data };
}

/** A tensor initializer from little-endian raw bytes (int8, uint8, int32 or float values). */
export function setInitializer(model: OnnxModel, name: string, dataType: number, dims: number[], raw: Uint8Array): void {
  model.initializers.set(name, [
    ...dims.map((dim) => intField(Tensor.dims, dim)),
    intField(Tensor.dataType, dataType),
    stringField(Tensor.name, name),
    bytesField(Tensor.rawData, raw),
  ]);
}

export const rawBytes = (array: Float32Array | Int32Array | Int8Array | Uint8Array) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/** An integer attribute (e.g. DequantizeLinear's axis). */
export function intAttribute(name: string, value: number): WireField {
  return messageField(Node.attribute, [stringField(Attribute.name, name), intField(Attribute.i, value), intField(Attribute.type, AttributeTypeInt)]);
}
