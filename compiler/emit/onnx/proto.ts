// Thin, typed builders for the ONNX protobuf messages posec writes, over onnx-proto's generated
// protobufjs code. Plain objects in, bytes out; field order is fixed by the schema, so the same
// objects always encode to the same bytes.
import onnxProto from "onnx-proto";
import type { Tensor } from "../../../core/params/index.js";

const { onnx } = onnxProto;

/** ONNX IR version 8 (onnx 1.12 writes it with opset 17). */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export type Attribute = onnxProto.onnx.IAttributeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type ValueInfo = onnxProto.onnx.IValueInfoProto;

const A = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

export const attr = {
  int: (name: string, i: number): Attribute => ({ name, type: A.INT, i }),
  ints: (name: string, ints: number[]): Attribute => ({ name, type: A.INTS, ints }),
  float: (name: string, f: number): Attribute => ({ name, type: A.FLOAT, f }),
  string: (name: string, s: string): Attribute => ({ name, type: A.STRING, s: new TextEncoder().encode(s) }),
  tensor: (name: string, t: TensorProto): Attribute => ({ name, type: A.TENSOR, t }),
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian float32 bytes (ONNX raw_data), whatever the host's byte order. */
function float32Bytes(data: Float32Array): Uint8Array {
  // A view, not a copy: the encoder copies it into the message once (a 575 MB model stays under 2 GB RSS).
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return bytes;
}

export function floatTensor(name: string, t: Tensor): TensorProto {
  return { name, dims: [...t.shape], dataType: DT.FLOAT, rawData: float32Bytes(t.data) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: DT.INT64, int64Data: values };
}

export function floatConstTensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: DT.FLOAT, floatData: values };
}

export function node(opType: string, name: string, inputs: string[], outputs: string[], attributes: Attribute[], docString: string): NodeProto {
  return { opType, name, input: inputs, output: outputs, attribute: attributes, docString };
}

/** A dimension: a number, a symbol (dim_param) or null for unknown. */
export type Dim = number | string | null;

export function floatValueInfo(name: string, dims: Dim[], docString = ""): ValueInfo {
  const dim = dims.map((d) => (d === null ? {} : typeof d === "number" ? { dimValue: d } : { dimParam: d }));
  return { name, docString, type: { tensorType: { elemType: DT.FLOAT, shape: { dim } } } };
}

export interface ModelParts {
  graphName: string;
  graphDoc: string;
  modelDoc: string;
  producerVersion: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  metadata: [string, string][];
}

export function encodeModel(p: ModelParts): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "posec",
    producerVersion: p.producerVersion,
    docString: p.modelDoc,
    graph: { name: p.graphName, docString: p.graphDoc, node: p.nodes, initializer: p.initializers, input: p.inputs, output: p.outputs },
    metadataProps: p.metadata.map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Reads a model back (tests, parameter counts). */
export function decodeModel(bytes: Uint8Array): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
