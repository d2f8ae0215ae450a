// IR -> ONNX graph (opset 17, NCHW). Each op's lowering is in its entry of the op table (core/ops/); this
// module gives it a context (parameters in ONNX layouts, constants, nodes with the spec line as doc string)
// and folds batchnorms into convolutions. An op posec does not know is reported at its spec line.
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
import { spanText, type Ir, type IrNode, type IrNodeOf } from "../../../core/ir/types.js";
import { IR_OPS, lookupOp, OP_TABLE, opOf } from "../../../core/ops/index.js";
import type { OnnxAttr, OnnxCtx, OnnxLayout } from "../../../core/ops/op.js";
import type { Shape } from "../../../core/shapes.js";
import type { Tensor, WeightSet } from "../../../core/params/index.js";
import { convKernelToOihw, denseKernelToOutChw, foldBatchNorm, preluSlope } from "./layout.js";
import { attr, floatConstTensor, floatTensor, int64Tensor, node, type Attribute, type NodeProto, type TensorProto } from "./proto.js";

/** The one place where posec's canonical layouts become ONNX's (layout.ts). */
const LAYOUTS: Record<OnnxLayout, (t: Tensor, inputShape: Shape) => Tensor> = {
  "as-is": (t) => t,
  oihw: (t) => convKernelToOihw(t),
  "dense-gemm": (t, input) => denseKernelToOutChw(t, input),
  "prelu-slope": (t) => preluSlope(t),
};

function onnxAttribute(name: string, a: OnnxAttr): Attribute {
  if ("int" in a) return attr.int(name, a.int);
  if ("ints" in a) return attr.ints(name, a.ints);
  if ("float" in a) return attr.float(name, a.float);
  return attr.string(name, a.string);
}

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

/**
 * The nodes whose op posec does not know (an IR edited or written by something else), each reported at its
 * spec line; every op of the table has an ONNX lowering (test/core/op-table.test.ts).
 */
export function unknownOps(ir: Ir): Diagnostic[] {
  return ir.nodes
    .filter((n) => !lookupOp(n.op))
    .map((n) => diag("PN4101", n.span, `the ONNX target cannot export \`${n.name}\`: unknown op \`${String(n.op)}\``, { help: `ops the ONNX target knows: ${IR_OPS.join(", ")}` }));
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
    const op = opOf(n);
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
    const inputShape = shapes[n.inputs[0]];
    const init = (name: string, t: Tensor) => {
      initializers.push(floatTensor(name, t));
      return name;
    };
    const doc = nodeDoc(n);
    const ctx: OnnxCtx = {
      name: n.name,
      inputs: n.inputs.map(value),
      output: value(n.outputs[0]),
      inputShape,
      doc,
      param(role, shape, layout = "as-is") {
        const t = param(n)(role, shape);
        return t && init(`${n.name}/${role}`, LAYOUTS[layout](t, inputShape));
      },
      node(opType, name, inputs, outputs, attrs = {}, nodeDocString = doc) {
        nodes.push(node(opType, name, inputs, outputs, Object.entries(attrs).map(([k, a]) => onnxAttribute(k, a)), nodeDocString));
      },
      constant(name, type, dims, values) {
        const t = type === "float" ? floatConstTensor(name, dims, values) : int64Tensor(name, dims, values);
        nodes.push(node("Constant", name, [], [name], [attr.tensor("value", { ...t, name: "" })], doc));
        return name;
      },
    };
    const bn = folds.get(n.name);
    if (bn && n.op === "conv") {
      foldConv(n, bn, ctx, param(n), param(bn), init, value(bn.outputs[0]));
      continue;
    }
    op.onnx(n.attrs, ctx);
  }
  return { nodes, initializers, values, diagnostics };
}

/**
 * A convolution with the batchnorm after it folded in: the conv's own lowering, given the folded kernel and
 * bias, writing the batchnorm's output.
 */
function foldConv(n: IrNodeOf<"conv">, bn: IrNodeOf<"bn">, c: OnnxCtx, convParam: Param, bnParam: Param, init: (name: string, t: Tensor) => string, output: string): void {
  const a = n.attrs;
  const k = convParam("kernel", [a.kernel[0], a.kernel[1], c.inputShape[2] / a.groups, a.filters]);
  const b = a.bias ? convParam("bias", [a.filters]) : null;
  const [gamma, beta, mean, variance] = (["gamma", "beta", "moving_mean", "moving_variance"] as const).map((r) => bnParam(r, [a.filters]));
  if (!k || (a.bias && !b) || !gamma || !beta || !mean || !variance) return;
  const f = foldBatchNorm(convKernelToOihw(k), b, { gamma, beta, mean, variance, eps: bn.attrs.eps });
  const folded: OnnxCtx = {
    ...c,
    output,
    param: (role) => init(`${n.name}/${role}`, role === "kernel" ? f.kernel : f.bias),
    node: (opType, name, inputs, outputs, attrs) => c.node(opType, name, inputs, outputs, attrs, `${c.doc}; batchnorm \`${bn.name}\` folded in: ${nodeDoc(bn)}`),
  };
  OP_TABLE.conv.onnx({ ...a, bias: true }, folded);
}

type Param = (role: string, shape: number[]) => Tensor | null;
