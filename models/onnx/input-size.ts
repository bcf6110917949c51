// Runs a fully convolutional ONNX export at another input size without a second file: the model bytes
// are rewritten in memory before ONNX Runtime loads them. Only the declared shapes change (the input's
// dims; the intermediate and output shapes the exporter stored are dropped, and ONNX Runtime infers
// them again). The weights and nodes stay as they are, so this is only right for a graph whose nodes
// do not hard-code the grid: the YOLOX export qualifies (its Focus Slices end at INT64_MAX, its
// Resizes use scales, its three Reshapes are [1, 85, -1]); tests/vision/input-size.test.ts runs it at
// another size and checks the output grid.
import { AppError } from '@cityops/core/errors';
import { Dimension, Graph, Model, TensorShape, TensorTypeProto, TypeProto, ValueInfo } from './onnx-model.ts';
import { asString, decodeMessage, encodeMessage, intField, messageField, WireFormatError, type WireField } from './protobuf-wire.ts';

/** ValueInfoProto fields with the tensor shape replaced by `dims`, or removed when `dims` is undefined. */
function withShape(valueInfo: Uint8Array, dims: readonly number[] | undefined): WireField[] {
  return decodeMessage(valueInfo).map((field) => {
    if (field.field !== ValueInfo.type || field.wire !== 2) return field;
    const type = decodeMessage(field.value).map((typeField) => {
      if (typeField.field !== TypeProto.tensorType || typeField.wire !== 2) return typeField;
      const tensor = decodeMessage(typeField.value).filter((tensorField) => tensorField.field !== TensorTypeProto.shape);
      if (dims) tensor.push(messageField(TensorTypeProto.shape, dims.map((dim) => messageField(TensorShape.dim, [intField(Dimension.dimValue, dim)]))));
      return messageField(TypeProto.tensorType, tensor);
    });
    return messageField(ValueInfo.type, type);
  });
}

function valueInfoName(valueInfo: Uint8Array): string {
  const name = decodeMessage(valueInfo).find((field) => field.field === ValueInfo.name && field.wire === 2);
  return name ? asString(name) : '';
}

/**
 * The same model with input `inputName` declared as `dims` (e.g. [1, 3, 320, 320]). Intermediate and
 * output shapes are left for ONNX Runtime to infer.
 */
export function withInputShape(model: Uint8Array, inputName: string, dims: readonly number[]): Uint8Array {
  let inputFound = false;
  let modelFields: WireField[];
  try {
    modelFields = decodeMessage(model).map((field) => {
      if (field.field !== Model.graph || field.wire !== 2) return field;
      const graph = decodeMessage(field.value)
        .filter((graphField) => graphField.field !== Graph.valueInfo)
        .map((graphField) => {
          if (graphField.wire !== 2) return graphField;
          if (graphField.field === Graph.input && valueInfoName(graphField.value) === inputName) {
            inputFound = true;
            return messageField(Graph.input, withShape(graphField.value, dims));
          }
          if (graphField.field === Graph.output) return messageField(Graph.output, withShape(graphField.value, undefined));
          return graphField;
        });
      return messageField(Model.graph, graph);
    });
  } catch (error) {
    if (error instanceof WireFormatError) throw new AppError('model_corrupt', `ONNX file is corrupt (${error.message})`);
    throw error;
  }
  if (!inputFound) throw new AppError('model_corrupt', `the ONNX graph has no input named ${inputName}`);
  return encodeMessage(modelFields);
}
