// Reading a Caffe `.caffemodel` (a binary NetParameter, caffe.proto) without a schema compiler: the
// few messages and fields that carry weights, decoded with the streaming wire reader (wire.ts). The
// reader reads the file's structure only: a blob's packed floats are left in the file, their offsets
// kept (float-source.ts), so that the layout change reads each value once, straight into posec's array,
// and the file is never held in memory (the floats come before the blob's shape in the file, so the
// layout is not known while they pass).
//
//   NetParameter     name=1, layers=2 (V1LayerParameter, legacy), layer=100 (LayerParameter)
//   LayerParameter   name=1, type=2 (string), bottom=3, top=4, blobs=7, convolution_param=106,
//                    inner_product_param=117, prelu_param=131, batch_norm_param=139, scale_param=142
//   V1LayerParameter bottom=2, top=3, name=4, type=5 (enum V1LayerType), blobs=6; layer=1 is V0 (unsupported)
//   BlobProto        num=1, channels=2, height=3, width=4 (legacy 4-D shape), data=5 (float, packed or
//                    not), diff=6, shape=7 (BlobShape: dim=1, int64, packed or not), double_data=8, double_diff=9
// Unknown fields are skipped, as protobuf requires. Every field's length is checked against its message
// and the file, so a truncated or corrupt file is a PosecError naming the file, the layer and the byte.
import { FileFloats, type FileIdentity, type FloatPart, type Floats } from "./float-source.js";
import { WireReader, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from "./wire.js";

export interface CaffeBlob {
  /** BlobShape dims, or the legacy [num, channels, height, width] */
  shape: number[];
  /** the values, still in the file (FileFloats) unless the blob stores them unpacked or as doubles */
  data: Floats;
}

export interface CaffeLayer {
  name: string;
  /** the layer type as in a prototxt ("Convolution", "InnerProduct", "PReLU", "BatchNorm", "Scale", ...) */
  type: string;
  bottom: string[];
  top: string[];
  blobs: CaffeBlob[];
  /** the layer parameters that change how blobs are read (absent: Caffe's default) */
  params: { bnEps?: number; scaleBiasTerm?: boolean; innerProductTranspose?: boolean; innerProductAxis?: number; preluChannelShared?: boolean };
}

export interface CaffeNet {
  path: string;
  name: string;
  /** which NetParameter field held the layers */
  format: "layer" | "layers (V1)";
  layers: CaffeLayer[];
}

/** V1LayerParameter.LayerType values that carry blobs or are common, by number (caffe.proto). */
const V1_TYPES: Record<number, string> = {
  3: "Concat", 4: "Convolution", 5: "Data", 6: "Dropout", 8: "Flatten", 14: "InnerProduct", 15: "LRN", 17: "Pooling",
  18: "ReLU", 19: "Sigmoid", 20: "Softmax", 21: "SoftmaxWithLoss", 22: "Split", 23: "TanH", 25: "Eltwise", 39: "Deconvolution",
};

const WHAT = "Caffe model (.caffemodel, a binary NetParameter)";

/** Reads every layer of a caffemodel with its blobs. */
export function readCaffeModel(path: string): CaffeNet {
  const r = new WireReader(path, WHAT);
  try {
    if (r.size === 0) r.fail("the file is empty");
    const net: CaffeNet = { path, name: "", format: "layer", layers: [] };
    const file: FileIdentity = { path, size: r.size, mtimeMs: r.mtimeMs, what: WHAT };
    let sawV1 = false;
    let sawV2 = false;
    while (r.pos < r.size) {
      const [field, wire] = r.key();
      if (field === 1 && wire === WIRE_BYTES) net.name = r.string(r.length());
      else if ((field === 100 || field === 2) && wire === WIRE_BYTES) {
        const end = r.end();
        const layer = field === 100 ? readLayer(r, end, file) : readV1Layer(r, end, file);
        if (field === 100) sawV2 = true;
        else sawV1 = true;
        net.layers.push(layer);
      } else if (field === 100 || field === 2) r.fail(`field ${field} (a layer) has wire type ${wire}, not a message`);
      else r.skip(wire);
    }
    if (sawV1 && !sawV2) net.format = "layers (V1)";
    if (net.layers.length === 0) r.fail("no layers (neither NetParameter.layer nor the legacy .layers)");
    return net;
  } finally {
    r.close();
  }
}

function emptyLayer(): CaffeLayer {
  return { name: "", type: "", bottom: [], top: [], blobs: [], params: {} };
}

function readLayer(r: WireReader, end: number, file: FileIdentity): CaffeLayer {
  const layer = emptyLayer();
  while (r.pos < end) {
    const [field, wire] = r.key(end);
    if (wire === WIRE_BYTES && field <= 4) {
      const s = r.string(r.length(end));
      if (field === 1) layer.name = s;
      else if (field === 2) layer.type = s;
      else if (field === 3) layer.bottom.push(s);
      else layer.top.push(s);
    } else if (field === 7 && wire === WIRE_BYTES) layer.blobs.push(readBlob(r, r.end(end), layer, file));
    else if (wire === WIRE_BYTES && (field === 117 || field === 131 || field === 139 || field === 142)) {
      const p = scalars(r, r.end(end));
      if (field === 117) (layer.params.innerProductAxis = p.get(5)), (layer.params.innerProductTranspose = p.has(6) ? p.get(6) !== 0 : undefined);
      if (field === 131 && p.has(2)) layer.params.preluChannelShared = p.get(2) !== 0;
      if (field === 139 && p.has(3)) layer.params.bnEps = p.get(3);
      if (field === 142 && p.has(4)) layer.params.scaleBiasTerm = p.get(4) !== 0;
    } else r.skip(wire, end);
  }
  if (r.pos !== end) r.fail(`layer \`${layer.name}\` overruns its length`);
  return layer;
}

function readV1Layer(r: WireReader, end: number, file: FileIdentity): CaffeLayer {
  const layer = emptyLayer();
  while (r.pos < end) {
    const at = r.pos;
    const [field, wire] = r.key(end);
    if (field === 1 && wire === WIRE_BYTES) r.fail("a V0 layer (NetParameter.layers[].layer); upgrade the model with Caffe's upgrade_net_proto_binary", at);
    if (wire === WIRE_BYTES && field >= 2 && field <= 4) {
      const s = r.string(r.length(end));
      if (field === 2) layer.bottom.push(s);
      else if (field === 3) layer.top.push(s);
      else layer.name = s;
    } else if (field === 5 && wire === WIRE_VARINT) {
      const t = r.varint(end);
      layer.type = V1_TYPES[t] ?? `V1 layer type ${t}`;
    } else if (field === 6 && wire === WIRE_BYTES) layer.blobs.push(readBlob(r, r.end(end), layer, file));
    else r.skip(wire, end);
  }
  return layer;
}

/** The varint and fixed32 (as float) fields of a small parameter message, last value wins. */
function scalars(r: WireReader, end: number): Map<number, number> {
  const out = new Map<number, number>();
  while (r.pos < end) {
    const [field, wire] = r.key(end);
    if (wire === WIRE_VARINT) out.set(field, r.varint(end));
    else if (wire === WIRE_FIXED32) out.set(field, r.float32(end));
    else r.skip(wire, end);
  }
  return out;
}

/** In-memory parts joined (in order) into one array. */
function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), (off += p.length);
  return out;
}

function readBlob(r: WireReader, end: number, layer: CaffeLayer, file: FileIdentity): CaffeBlob {
  const start = r.pos;
  const where = () => `blob ${layer.blobs.length} of layer \`${layer.name || "(unnamed)"}\``;
  const legacy = [0, 0, 0, 0];
  let hasLegacy = false;
  let shape: number[] | undefined;
  // the values in file order: packed runs stay in the file; unpacked and double values are collected
  const parts: FloatPart[] = [];
  let pending: number[] = [];
  const flush = () => {
    if (pending.length) parts.push(Float32Array.from(pending)), (pending = []);
  };
  let fromDouble = false;
  while (r.pos < end) {
    const [field, wire] = r.key(end);
    if (field >= 1 && field <= 4 && wire === WIRE_VARINT) {
      legacy[field - 1] = r.varint(end);
      hasLegacy = true;
    } else if (field === 5 && wire === WIRE_BYTES) {
      const n = r.length(end);
      if (n % 4 !== 0) r.fail(`${where()}: packed float data of ${n} bytes, not a multiple of 4`);
      flush();
      if (n > 0) parts.push({ offset: r.pos, bytes: n });
      r.advance(n, end);
    } else if (field === 5 && wire === WIRE_FIXED32) pending.push(r.float32(end));
    else if (field === 8 && wire === WIRE_BYTES) {
      const n = r.length(end);
      if (n % 8 !== 0) r.fail(`${where()}: packed double data of ${n} bytes, not a multiple of 8`);
      const stop = r.pos + n;
      while (r.pos < stop) pending.push(r.float64(stop));
      fromDouble = true;
    } else if (field === 8 && wire === WIRE_FIXED64) (pending.push(r.float64(end)), (fromDouble = true));
    else if (field === 7 && wire === WIRE_BYTES) shape = blobShape(r, r.end(end));
    else r.skip(wire, end);
  }
  flush();
  const inMemory = parts.every((p): p is Float32Array => p instanceof Float32Array);
  const data: Floats = inMemory ? concat(parts as Float32Array[]) : new FileFloats(file, parts);
  const dims = shape ?? (hasLegacy ? legacy : [data.length]);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) r.fail(`${where()} has shape [${dims.join(", ")}] (${count} values) but ${data.length} ${fromDouble ? "double" : "float"} values`, start);
  return { shape: dims, data };
}

function blobShape(r: WireReader, end: number): number[] {
  const dims: number[] = [];
  while (r.pos < end) {
    const [field, wire] = r.key(end);
    if (field === 1 && wire === WIRE_VARINT) dims.push(r.varint(end));
    else if (field === 1 && wire === WIRE_BYTES) {
      const stop = r.end(end);
      while (r.pos < stop) dims.push(r.varint(stop));
    } else r.skip(wire, end);
  }
  return dims;
}

