// Pooling: max and average pooling with explicit pads and Caffe's ceil rounding, and the global average pool.
import { attr, attrs, NO_ATTRS, type AttrsOf } from "./attrs.js";
import { defineOp, grow, pairOrOne, type OnnxAttr, type TfjsPlan } from "./op.js";

/** Caffe/PyTorch pooling: with ceil, the last window must still start inside the (left-padded) input. */
export function poolOut(size: number, k: number, s: number, before: number, after: number, ceil: boolean): number {
  const span = size + before + after - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + before) out--;
  return out;
}

const POOL_ATTRS = {
  kernel: attr.pair(),
  stride: attr.pair(),
  /** top, left, bottom, right */
  pad: attr.padding(),
  /** Caffe rounds the output size up; PyTorch/ONNX call this ceil_mode. */
  ceil: attr.bool(),
  /** avgpool only: whether padded cells count in the divisor (Caffe: yes). */
  countIncludePad: attr.bool(),
};
export type PoolAttrs = AttrsOf<typeof POOL_ATTRS>;

function onnxAttrs(a: PoolAttrs): Record<string, OnnxAttr> {
  return { kernel_shape: { ints: a.kernel }, strides: { ints: a.stride }, pads: { ints: a.pad }, ceil_mode: { int: a.ceil ? 1 : 0 } };
}

/** Flags the ceil-mode pools whose size older onnx shape inference gets wrong (compiler/emit/onnx/graph.ts). */
function onnxDoc(a: PoolAttrs, doc: string): string {
  const dropsWindows = a.ceil && (a.pad[2] > a.kernel[0] - a.stride[0] || a.pad[3] > a.kernel[1] - a.stride[1]);
  return dropsWindows ? `${doc}; ceil_mode drops windows that would start in the end padding (Caffe, PyTorch, ONNX Runtime, onnx >= 1.16 shape inference)` : doc;
}

function pool(op: "maxpool" | "avgpool") {
  const max = op === "maxpool";
  return defineOp({
    summary: `${max ? "max" : "average"} pooling; \`ceil\` rounds output sizes up as Caffe does`,
    attrs: attrs(POOL_ATTRS),
    shape: (a, [[h, w, c]], [rf]) => ({
      shape: [poolOut(h, a.kernel[0], a.stride[0], a.pad[0], a.pad[2], a.ceil), poolOut(w, a.kernel[1], a.stride[1], a.pad[1], a.pad[3], a.ceil), c],
      rf: grow(rf, a.kernel, a.stride),
    }),
    onnx: (a, c) =>
      c.node(max ? "MaxPool" : "AveragePool", c.name, c.inputs, [c.output], max ? onnxAttrs(a) : { ...onnxAttrs(a), count_include_pad: { int: a.countIncludePad ? 1 : 0 } }, onnxDoc(a, c.doc)),
    tfjs(a, c): TfjsPlan {
      if (a.pad.every((p) => p === 0) && !a.ceil) {
        return { layers: [{ layer: max ? "maxPooling2d" : "averagePooling2d", config: { name: c.name, poolSize: pairOrOne(a.kernel), strides: pairOrOne(a.stride) } }] };
      }
      // explicit or asymmetric pads, Caffe's ceil rounding: posec's own pooling layer
      const config = { kind: max ? "max" : "avg", kernel: a.kernel, stride: a.stride, pad: a.pad, ceil: a.ceil, countIncludePad: a.countIncludePad };
      return { layers: [{ layer: "PosecPool2D", custom: true, config: { name: c.name, config } }] };
    },
    torch: {
      module(a, c) {
        const native = a.pad[0] === a.pad[2] && a.pad[1] === a.pad[3] && a.pad[0] <= Math.floor(a.kernel[0] / 2) && a.pad[1] <= Math.floor(a.kernel[1] / 2);
        if (!native) {
          const cip = !max && !a.countIncludePad ? ", count_include_pad=False" : "";
          return `Pool2d(${c.py.str(max ? "max" : "avg")}, ${c.py.tuple(a.kernel)}, ${c.py.tuple(a.stride)}, ${c.py.tuple(a.pad)}, ${a.ceil ? "True" : "False"}${cip})`;
        }
        const args = [c.py.pair(a.kernel), `stride=${c.py.pair(a.stride)}`];
        if (a.pad[0] || a.pad[1]) args.push(`padding=${c.py.pair([a.pad[0], a.pad[1]])}`);
        if (a.ceil) args.push("ceil_mode=True");
        if (!max && !a.countIncludePad) args.push("count_include_pad=False");
        return `nn.${max ? "MaxPool2d" : "AvgPool2d"}(${args.join(", ")})`;
      },
    },
  });
}

export const maxpool = pool("maxpool");
export const avgpool = pool("avgpool");

export const gap = defineOp({
  summary: "global average pool: [H,W,C] -> [1,1,C]",
  attrs: NO_ATTRS,
  shape: (_a, [[, , c]], [rf]) => ({ shape: [1, 1, c], rf: { size: null, stride: rf.stride } }),
  onnx: (_a, c) => c.node("GlobalAveragePool", c.name, c.inputs, [c.output]),
  tfjs: (_a, c): TfjsPlan => ({
    layers: [
      { layer: "globalAveragePooling2d", config: { name: `${c.name}_pool` } },
      { layer: "reshape", config: { name: c.name, targetShape: [1, 1, c.inChannels] } },
    ],
  }),
  torch: { module: () => "nn.AdaptiveAvgPool2d(1)" },
});
