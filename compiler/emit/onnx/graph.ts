// IR -> ONNX graph (opset 17, NCHW). One lowering rule per IR op, in a table keyed by the op, so that
// supporting a new op is adding one entry; an op without a rule is reported at its spec line.
//
// Conventions (see also layout.ts for the parameter layouts):
// - The graph input is `image` [N, C, H, W], already normalised (the spec's scale/shift are metadata).
// - Node names are the IR's; helper nodes and values a rule adds are named `<ir node>/<role>`, which
//   cannot collide with IR names (those never contain a slash). Initializers keep posec's canonical
//   parameter names (`conv1/kernel`), so a parameter count over the initializers equals posec's.
// - Constants that are not parameters (Resize scales, Reshape shapes) are Constant nodes, not
//   initializers.
// - upsample -> Resize, matching posec's tfjs runtime (runtime/model/build.ts):
//   nearest: tfjs UpSampling2D (tf.image.resizeNearestNeighbor, alignCorners=false, halfPixelCenters=false):
//     source = floor(destination / factor) -> coordinate_transformation_mode=asymmetric, nearest_mode=floor;
//     the same as PyTorch's nn.Upsample(mode="nearest").
//   bilinear: the runtime's PosecResizeBilinear (tf.image.resizeBilinear with halfPixelCenters=true):
//     source = (destination + 0.5) / factor - 0.5, clamped to the edges -> half_pixel; the same as PyTorch's
//     nn.Upsample(mode="bilinear", align_corners=False). (tfjs's own UpSampling2D bilinear uses the legacy
//     asymmetric mapping, source = destination / factor; posec does not.)
// - Ceil-mode pools follow Caffe/PyTorch: a window that would start in the end padding is dropped. ONNX
//   Runtime computes the same; onnx's own shape inference agrees only from onnx 1.16 (onnx PR 5741) and
//   counts one more output row/column where a pool's end padding exceeds kernel - stride.
import { diag, type Diagnostic } from "../../../core/diagnostics.js";
import { spanText, type Ir, type IrNode, type IrNodeOf, type IrOp } from "../../../core/ir/types.js";
import type { Shape } from "../../../core/shapes.js";
import type { Tensor, WeightSet } from "../../../core/params/index.js";
import { convKernelToOihw, denseKernelToOutChw, foldBatchNorm, preluSlope } from "./layout.js";
import { attr, floatConstTensor, floatTensor, int64Tensor, node, type NodeProto, type TensorProto } from "./proto.js";

export interface GraphOptions {
  /** fold every batchnorm that directly follows a convolution (whose output nothing else reads) */
  foldBn: boolean;
}

export interface LoweredGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** IR tensor -> ONNX value name */
  values: Map<string, string>;
  diagnostics: Diagnostic[];
}

/** What a lowering rule sees: the node, its input shapes at the spec's size, and helpers. */
interface Ctx {
  /** ONNX value names of the node's inputs */
  inputs: string[];
  /** ONNX value name of the node's output */
  output: string;
  /** the node's input shape [H, W, C] at the spec's input size */
  inputShape: Shape;
  doc: string;
  /** the parameter `<node>/<role>`; reports and returns null when missing or misshapen */
  param(role: string, shape: number[]): Tensor | null;
  init(name: string, t: Tensor): string;
  emit(n: NodeProto): void;
  /** a Constant node; returns its output name */
  constant(name: string, t: TensorProto): string;
}

type Rule<K extends IrOp> = (n: IrNodeOf<K>, c: Ctx) => void;

const RULES: { [K in IrOp]: Rule<K> } = {
  conv(n, c) {
    const a = n.attrs;
    const k = c.param("kernel", [a.kernel[0], a.kernel[1], c.inputShape[2] / a.groups, a.filters]);
    const b = a.bias ? c.param("bias", [a.filters]) : null;
    if (!k || (a.bias && !b)) return;
    const inputs = [c.inputs[0], c.init(`${n.name}/kernel`, convKernelToOihw(k))];
    if (b) inputs.push(c.init(`${n.name}/bias`, b));
    c.emit(node("Conv", n.name, inputs, [c.output], convAttrs(n), c.doc));
  },
  dense(n, c) {
    const [h, w, ch] = c.inputShape;
    const k = c.param("kernel", [h * w * ch, n.attrs.units]);
    const b = n.attrs.bias ? c.param("bias", [n.attrs.units]) : null;
    if (!k || (n.attrs.bias && !b)) return;
    // posec's dense output is [1, 1, units]: Flatten + Gemm (transB=1, B = [units, in]), then back to rank 4
    // as [N, units, 1, 1] by a Reshape (0 keeps N). The form importers accept: OpenCV 4.6 refuses Gemm
    // without transB followed by a two-axis Unsqueeze.
    c.emit(node("Flatten", `${n.name}/flatten`, [c.inputs[0]], [`${n.name}/flat`], [attr.int("axis", 1)], c.doc));
    const gemmIn = [`${n.name}/flat`, c.init(`${n.name}/kernel`, denseKernelToOutChw(k, c.inputShape))];
    if (b) gemmIn.push(c.init(`${n.name}/bias`, b));
    c.emit(node("Gemm", n.name, gemmIn, [`${n.name}/gemm`], [attr.int("transB", 1)], c.doc));
    const shape = c.constant(`${n.name}/shape`, int64Tensor(`${n.name}/shape`, [4], [0, n.attrs.units, 1, 1]));
    c.emit(node("Reshape", `${n.name}/reshape`, [`${n.name}/gemm`, shape], [c.output], [], c.doc));
  },
  bn(n, c) {
    const ch = c.inputShape[2];
    const ts = (["gamma", "beta", "moving_mean", "moving_variance"] as const).map((r) => c.param(r, [ch]));
    if (ts.some((t) => !t)) return;
    const names = ts.map((t, i) => c.init(`${n.name}/${["gamma", "beta", "moving_mean", "moving_variance"][i]}`, t!));
    // ONNX's momentum has the Keras/tfjs meaning (fraction of the running statistic kept), as the IR's.
    c.emit(node("BatchNormalization", n.name, [c.inputs[0], ...names], [c.output], [attr.float("epsilon", n.attrs.eps), attr.float("momentum", n.attrs.momentum)], c.doc));
  },
  relu: (n, c) => c.emit(node("Relu", n.name, c.inputs, [c.output], [], c.doc)),
  elu: (n, c) => c.emit(node("Elu", n.name, c.inputs, [c.output], [attr.float("alpha", 1)], c.doc)),
  sigmoid: (n, c) => c.emit(node("Sigmoid", n.name, c.inputs, [c.output], [], c.doc)),
  tanh: (n, c) => c.emit(node("Tanh", n.name, c.inputs, [c.output], [], c.doc)),
  leakyrelu: (n, c) => c.emit(node("LeakyRelu", n.name, c.inputs, [c.output], [attr.float("alpha", n.attrs.alpha)], c.doc)),
  prelu(n, c) {
    const alpha = c.param("alpha", [c.inputShape[2]]);
    if (alpha) c.emit(node("PRelu", n.name, [c.inputs[0], c.init(`${n.name}/alpha`, preluSlope(alpha))], [c.output], [], c.doc));
  },
  maxpool: (n, c) => c.emit(node("MaxPool", n.name, c.inputs, [c.output], poolAttrs(n), poolDoc(n, c.doc))),
  avgpool: (n, c) => c.emit(node("AveragePool", n.name, c.inputs, [c.output], [...poolAttrs(n), attr.int("count_include_pad", n.attrs.countIncludePad ? 1 : 0)], poolDoc(n, c.doc))),
  gap: (n, c) => c.emit(node("GlobalAveragePool", n.name, c.inputs, [c.output], [], c.doc)),
  upsample(n, c) {
    const [fh, fw] = n.attrs.factor;
    const scales = c.constant(`${n.name}/scales`, floatConstTensor(`${n.name}/scales`, [4], [1, 1, fh, fw]));
    const attrs =
      n.attrs.mode === "nearest"
        ? [attr.string("coordinate_transformation_mode", "asymmetric"), attr.string("mode", "nearest"), attr.string("nearest_mode", "floor")]
        : [attr.string("coordinate_transformation_mode", "half_pixel"), attr.string("mode", "linear")];
    c.emit(node("Resize", n.name, [c.inputs[0], "", scales], [c.output], attrs, c.doc));
  },
  add: (n, c) => c.emit(node(c.inputs.length === 2 ? "Add" : "Sum", n.name, c.inputs, [c.output], [], c.doc)),
  mul(n, c) {
    // ONNX Mul is binary: a chain for three or more inputs (the IR's SE gate uses two).
    let acc = c.inputs[0];
    for (let i = 1; i < c.inputs.length; i++) {
      const last = i === c.inputs.length - 1;
      const out = last ? c.output : `${n.name}/product${i}`;
      c.emit(node("Mul", last ? n.name : `${n.name}/mul${i}`, [acc, c.inputs[i]], [out], [], c.doc));
      acc = out;
    }
  },
  concat: (n, c) => c.emit(node("Concat", n.name, c.inputs, [c.output], [attr.int("axis", 1)], c.doc)),
};

function convAttrs(n: IrNodeOf<"conv">) {
  const a = n.attrs;
  // IR pads are [top, left, bottom, right]; ONNX's are [x1_begin, x2_begin, x1_end, x2_end]: the same order.
  return [attr.ints("kernel_shape", a.kernel), attr.ints("strides", a.stride), attr.ints("pads", a.pad), attr.ints("dilations", a.dilation), attr.int("group", a.groups)];
}

function poolAttrs(n: IrNodeOf<"maxpool"> | IrNodeOf<"avgpool">) {
  const a = n.attrs;
  return [attr.ints("kernel_shape", a.kernel), attr.ints("strides", a.stride), attr.ints("pads", a.pad), attr.int("ceil_mode", a.ceil ? 1 : 0)];
}

/** Flags the ceil-mode pools whose size older onnx shape inference gets wrong (see the header). */
function poolDoc(n: IrNodeOf<"maxpool"> | IrNodeOf<"avgpool">, doc: string): string {
  const a = n.attrs;
  const dropsWindows = a.ceil && (a.pad[2] > a.kernel[0] - a.stride[0] || a.pad[3] > a.kernel[1] - a.stride[1]);
  return dropsWindows ? `${doc}; ceil_mode drops windows that would start in the end padding (Caffe, PyTorch, ONNX Runtime, onnx >= 1.16 shape inference)` : doc;
}

/** `file:line:col`, then the block call sites that led there, innermost first. */
export function nodeDoc(n: IrNode): string {
  const via = [...n.callers].reverse().map(spanText);
  return spanText(n.span) + (via.length ? ` (via ${via.join(", ")})` : "");
}

/** conv -> bn pairs to fold: the bn reads only the conv, and nothing else reads the conv's output. */
export function foldablePairs(ir: Ir): Map<string, IrNodeOf<"bn">> {
  const readers = new Map<string, number>();
  for (const n of ir.nodes) for (const t of n.inputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const outputs = new Set(Object.values(ir.outputs));
  const producer = new Map(ir.nodes.map((n) => [n.outputs[0], n]));
  const pairs = new Map<string, IrNodeOf<"bn">>();
  for (const n of ir.nodes) {
    if (n.op !== "bn") continue;
    const p = producer.get(n.inputs[0]);
    if (p?.op === "conv" && readers.get(p.outputs[0]) === 1 && !outputs.has(p.outputs[0])) pairs.set(p.name, n);
  }
  return pairs;
}

/**
 * Lowers every node. `values` must map every IR tensor to its ONNX value name; `shapes` are the
 * tensor shapes at the spec's input size (dense kernels and channel counts depend on them).
 */
export function lowerNodes(ir: Ir, weights: WeightSet, shapes: Record<string, Shape>, values: Map<string, string>, options: GraphOptions): LoweredGraph {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const diagnostics: Diagnostic[] = [];
  const folds = options.foldBn ? foldablePairs(ir) : new Map<string, IrNodeOf<"bn">>();
  const folded = new Set([...folds.values()].map((b) => b.name));
  const value = (t: string) => values.get(t) ?? t;
  for (const n of ir.nodes) {
    if (folded.has(n.name)) continue;
    const rule = (RULES as Record<string, Rule<IrOp> | undefined>)[n.op];
    if (!Object.prototype.hasOwnProperty.call(RULES, n.op) || !rule) {
      diagnostics.push(diag("PN4101", n.span, `the ONNX target cannot export \`${n.name}\`: unknown op \`${String(n.op)}\``, { help: `ops the ONNX target knows: ${Object.keys(RULES).join(", ")}` }));
      continue;
    }
    const param = (owner: IrNode) => (role: string, shape: number[]): Tensor | null => {
      const name = `${owner.name}/${role}`;
      const t = weights.get(name);
      const why = !t ? "is missing" : t.shape.join(",") !== shape.join(",") || t.data.length !== shape.reduce((a, b) => a * b, 1) ? `has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]` : null;
      if (why) {
        diagnostics.push(diag("PN5102", owner.span, `the weight \`${name}\` ${why}`));
        return null;
      }
      return t!;
    };
    const ctx: Ctx = {
      inputs: n.inputs.map(value),
      output: value(n.outputs[0]),
      inputShape: shapes[n.inputs[0]],
      doc: nodeDoc(n),
      param: param(n),
      init(name, t) {
        initializers.push(floatTensor(name, t));
        return name;
      },
      emit: (p) => nodes.push(p),
      constant(name, t) {
        nodes.push(node("Constant", name, [], [name], [attr.tensor("value", { ...t, name: "" })], ctx.doc));
        return name;
      },
    };
    const bn = folds.get(n.name);
    if (bn && n.op === "conv") {
      foldConv(n, bn, ctx, param(bn), value(bn.outputs[0]));
      continue;
    }
    rule(n, ctx);
  }
  return { nodes, initializers, values, diagnostics };
}

/** A convolution with the batchnorm after it folded in: one Conv that writes the batchnorm's output. */
function foldConv(n: IrNodeOf<"conv">, bn: IrNodeOf<"bn">, c: Ctx, bnParam: Ctx["param"], output: string): void {
  const a = n.attrs;
  const k = c.param("kernel", [a.kernel[0], a.kernel[1], c.inputShape[2] / a.groups, a.filters]);
  const b = a.bias ? c.param("bias", [a.filters]) : null;
  const [gamma, beta, mean, variance] = (["gamma", "beta", "moving_mean", "moving_variance"] as const).map((r) => bnParam(r, [a.filters]));
  if (!k || (a.bias && !b) || !gamma || !beta || !mean || !variance) return;
  const f = foldBatchNorm(convKernelToOihw(k), b, { gamma, beta, mean, variance, eps: bn.attrs.eps });
  const inputs = [c.inputs[0], c.init(`${n.name}/kernel`, f.kernel), c.init(`${n.name}/bias`, f.bias)];
  c.emit(node("Conv", n.name, inputs, [output], convAttrs(n), `${c.doc}; batchnorm \`${bn.name}\` folded in: ${nodeDoc(bn)}`));
}
