// Reading an ONNX model's initializers as a weights source: each float initializer with its shape, and
// where the graph uses it (which node, which op, which input position), because in ONNX a tensor's
// meaning comes from its consumer: input 1 of a Conv is an OIHW kernel, input 1 of a Gemm a dense
// kernel stored (out, in) or (in, out) by its transB attribute, inputs 1..4 of a BatchNormalization
// scale, bias, mean and variance. The mapping onto a spec is map-onnx.ts.
//
//   ModelProto   graph (GraphProto), metadata_props (posec writes `posec.export` with fold_bn)
//   GraphProto   node (NodeProto: input, output, name, op_type, attribute, doc_string), initializer
//   TensorProto  dims, data_type, float_data / double_data / int32_data (float16 bits), raw_data
//                (little-endian), or external data (data_location EXTERNAL: location, offset, length,
//                relative to the model's folder)
// Initializers of other element types (int64 shapes, ...) are listed without values: they are not weights.
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { PosecError } from "../errors.js";
import { WEIGHTS_UNREADABLE } from "./wire.js";
import { halfToFloat, LITTLE_ENDIAN } from "../util/float16.js";

/** One use of an initializer by a graph node. */
export interface OnnxUse {
  /** the node's name (may be empty in foreign files) */
  node: string;
  op: string;
  /** the input position the initializer takes */
  input: number;
  /** the node's int and float attributes (transA, transB, alpha, epsilon, ...) */
  attrs: Record<string, number>;
  doc: string;
}

export interface OnnxInitializer {
  name: string;
  shape: number[];
  /** the element type's ONNX name (FLOAT, INT64, ...) */
  type: string;
  /** float values (FLOAT, DOUBLE, FLOAT16 converted), null for other types */
  data: Float32Array | null;
}

export interface OnnxWeights {
  path: string;
  producer: string;
  initializers: OnnxInitializer[];
  /** initializer name -> the nodes that read it */
  uses: Map<string, OnnxUse[]>;
  /** metadata_props */
  metadata: Map<string, string>;
}

type Num = number | { toNumber(): number };
const num = (v: Num | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === "number" ? v : v.toNumber());

/** TensorProto.DataType values posec reads or names */
const TYPES: Record<number, string> = { 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 16: "BFLOAT16" };
const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;
const EXTERNAL = 1;

interface TensorFields {
  name?: string | null;
  dims?: Num[] | null;
  dataType?: number | null;
  floatData?: number[] | null;
  doubleData?: number[] | null;
  int32Data?: number[] | null;
  rawData?: Uint8Array | null;
  dataLocation?: number | null;
  externalData?: { key?: string | null; value?: string | null }[] | null;
}

/** The bytes of an external-data tensor: the file named by `location`, inside the model's folder. */
function externalBytes(path: string, t: TensorFields): Uint8Array {
  const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value ?? undefined;
  const location = entry("location");
  const where = `${path}: initializer \`${t.name}\``;
  if (!location || isAbsolute(location) || normalize(location).startsWith("..")) {
    throw new PosecError(`${where} keeps its data in an external file with a missing or outside location (${JSON.stringify(location ?? null)})`, WEIGHTS_UNREADABLE);
  }
  const file = join(dirname(path), location);
  const offset = Number(entry("offset") ?? 0);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new PosecError(`${where} keeps its data in ${file}, which cannot be read`, WEIGHTS_UNREADABLE, "keep the external data file beside the .onnx file");
  }
  const length = entry("length") !== undefined ? Number(entry("length")) : size - offset;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new PosecError(`${where}: bytes ${offset}..${offset + length} lie outside ${file} (${size} bytes)`, WEIGHTS_UNREADABLE);
  }
  const bytes = new Uint8Array(length);
  const fd = openSync(file, "r");
  try {
    let got = 0;
    while (got < length) {
      const r = readSync(fd, bytes, got, length - got, offset + got);
      if (r === 0) break;
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** A float initializer's values as float32 (null for other element types). */
function floatValues(path: string, t: TensorFields, count: number): Float32Array | null {
  const type = t.dataType ?? 0;
  if (type !== FLOAT && type !== DOUBLE && type !== FLOAT16) return null;
  const raw = t.dataLocation === EXTERNAL ? externalBytes(path, t) : t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const width = type === DOUBLE ? 8 : type === FLOAT16 ? 2 : 4;
  const stored = raw ? raw.length / width : type === FLOAT ? (t.floatData?.length ?? 0) : type === DOUBLE ? (t.doubleData?.length ?? 0) : (t.int32Data?.length ?? 0);
  if (stored !== count) {
    throw new PosecError(`${path}: initializer \`${t.name}\` has dims [${(t.dims ?? []).map(num).join(", ")}] (${count} values) but holds ${stored}`, WEIGHTS_UNREADABLE, "the file is truncated or corrupt");
  }
  const out = new Float32Array(count);
  if (raw && type === FLOAT && LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(raw);
    return out;
  }
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) out[i] = type === FLOAT ? view.getFloat32(4 * i, true) : type === DOUBLE ? view.getFloat64(8 * i, true) : halfToFloat(view.getUint16(2 * i, true));
    return out;
  }
  const values = type === FLOAT ? t.floatData! : type === DOUBLE ? t.doubleData! : t.int32Data!.map(halfToFloat);
  out.set(values);
  return out;
}

/** Reads an ONNX model's initializers and the nodes that use them. */
export async function readOnnxWeights(path: string): Promise<OnnxWeights> {
  const { default: onnxProto } = await import("onnx-proto");
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new PosecError(`${path}: cannot read the ONNX model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, WEIGHTS_UNREADABLE);
  }
  let model: ReturnType<typeof onnxProto.onnx.ModelProto.decode>;
  try {
    model = onnxProto.onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new PosecError(`${path}: not a readable ONNX model (${(e as Error).message})`, WEIGHTS_UNREADABLE, "the file is truncated or corrupt, or not an ONNX model");
  }
  const graph = model.graph;
  if (!graph) throw new PosecError(`${path}: an ONNX model without a graph`, WEIGHTS_UNREADABLE);
  const uses = new Map<string, OnnxUse[]>();
  for (const n of graph.node ?? []) {
    const attrs: Record<string, number> = {};
    for (const a of n.attribute ?? []) if (a.name) attrs[a.name] = a.type === onnxProto.onnx.AttributeProto.AttributeType.FLOAT ? (a.f ?? 0) : num(a.i);
    (n.input ?? []).forEach((input, i) => {
      if (!input) return;
      uses.set(input, [...(uses.get(input) ?? []), { node: n.name ?? "", op: n.opType ?? "", input: i, attrs, doc: n.docString ?? "" }]);
    });
  }
  const initializers: OnnxInitializer[] = [];
  const seen = new Set<string>();
  for (const t of graph.initializer ?? []) {
    const name = t.name ?? "";
    if (seen.has(name)) throw new PosecError(`${path}: two initializers named \`${name}\``, WEIGHTS_UNREADABLE, "initializers are matched by name, so names must be unique");
    seen.add(name);
    const shape = (t.dims ?? []).map(num);
    const count = shape.reduce((a, b) => a * b, 1);
    initializers.push({ name, shape, type: TYPES[t.dataType ?? 0] ?? `type ${t.dataType}`, data: floatValues(path, t as TensorFields, count) });
  }
  // torch.onnx.export stores equal tensors once and hands them on through Identity nodes (e.g. a
  // BatchNorm's zero running mean and its zero bias): each Identity output is the tensor under that name
  for (const n of graph.node ?? []) {
    const source = n.opType === "Identity" ? initializers.find((t) => t.name === n.input?.[0]) : undefined;
    const alias = n.output?.[0];
    if (source && alias && !seen.has(alias)) {
      seen.add(alias);
      initializers.push({ ...source, name: alias });
    }
  }
  const aliased = (t: OnnxInitializer) => (uses.get(t.name) ?? []).length > 0 && uses.get(t.name)!.every((u) => u.op === "Identity");
  const metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""]));
  return { path, producer: `${model.producerName ?? ""} ${model.producerVersion ?? ""}`.trim(), initializers: initializers.filter((t) => !aliased(t)), uses, metadata };
}
