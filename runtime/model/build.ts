// IR -> tfjs LayersModel. Never reads the AST: every layer comes from one IR node and takes its name.
// Layout is channels-last; weights come from a WeightSet (posec's canonical names and layouts, which are
// tfjs's) so that the same numbers can be given to ONNX Runtime or PyTorch. Errors raised by tfjs
// while wiring a node are reported at the node's spec line.
import * as tf from "@tensorflow/tfjs";
import { spanText, type Ir, type IrNode } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { tfjsConvLayer } from "../../core/tfjs-conv-layer.js";
import { PosecError } from "../errors.js";
import { PosecDilatedDepthwiseConv2D, PosecPool2D, PosecResizeBilinear } from "./layers.js";

export interface BuiltModel {
  model: tf.LayersModel;
  /**
   * model.outputs in order: for pose models every stage's pafs then heatmaps, stage 1 first, leaving out a
   * branch a stage does not produce (e.g. [stage1 pafs, stage2 heatmaps] for a PAF stage then a heatmap stage)
   */
  outputNames: string[];
  /** for pose models, the index in the outputs of each stage's pafs and heatmaps (null: not produced) */
  stages: { stage: number; pafs: number | null; heatmaps: number | null }[];
}


type Sym = tf.SymbolicTensor;

function apply(layer: tf.layers.Layer, input: Sym | Sym[]): Sym {
  return layer.apply(input) as Sym;
}

/** The layer(s) for one IR node, applied to its inputs. */
function lower(n: IrNode, ins: Sym[]): Sym {
  const name = n.name;
  switch (n.op) {
    case "conv": {
      const a = n.attrs;
      const cin = ins[0].shape[3]!;
      // tfjs's depthwise layer ignores dilation: a dilated depthwise conv (stride 1) is posec's own layer
      if (a.groups > 1 && a.groups === cin && a.filters === cin && a.dilation.some((d) => d > 1) && a.stride.every((s) => s === 1)) {
        const padded = a.pad.some((p) => p > 0) ? apply(tf.layers.zeroPadding2d({ padding: [[a.pad[0], a.pad[2]], [a.pad[1], a.pad[3]]], name: `${name}_pad` }), ins[0]) : ins[0];
        return apply(new PosecDilatedDepthwiseConv2D({ kernelSize: a.kernel, dilation: a.dilation, useBias: a.bias, name }), padded);
      }
      const rule = tfjsConvLayer(a, cin);
      if (rule.kind === "unsupported") throw new PosecError(`${spanText(n.span)}: \`${name}\`: ${rule.reason}`, "PN5101", rule.help);
      const depthwise = rule.kind === "depthwiseConv2d";
      let x = ins[0];
      if (rule.padding === "explicit") x = apply(tf.layers.zeroPadding2d({ padding: [[a.pad[0], a.pad[2]], [a.pad[1], a.pad[3]]], name: `${name}_pad` }), x);
      const padding = rule.padding === "same" ? "same" : "valid";
      const common = { kernelSize: a.kernel, strides: a.stride, dilationRate: a.dilation, padding, useBias: a.bias, name, kernelInitializer: "zeros", biasInitializer: "zeros" } as const;
      return apply(depthwise ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, depthwiseInitializer: "zeros" }) : tf.layers.conv2d({ ...common, filters: a.filters }), x);
    }
    case "dense": {
      const flat = apply(tf.layers.flatten({ name: `${name}_flatten` }), ins[0]);
      const d = apply(tf.layers.dense({ units: n.attrs.units, useBias: n.attrs.bias, name, kernelInitializer: "zeros" }), flat);
      return apply(tf.layers.reshape({ targetShape: [1, 1, n.attrs.units], name: `${name}_reshape` }), d);
    }
    case "bn":
      return apply(tf.layers.batchNormalization({ axis: -1, momentum: n.attrs.momentum, epsilon: n.attrs.eps, name }), ins[0]);
    case "relu":
      return apply(tf.layers.reLU({ name }), ins[0]);
    case "elu":
      return apply(tf.layers.elu({ alpha: 1, name }), ins[0]);
    case "leakyrelu":
      return apply(tf.layers.leakyReLU({ alpha: n.attrs.alpha, name }), ins[0]);
    case "prelu":
      return apply(tf.layers.prelu({ sharedAxes: [1, 2], name, alphaInitializer: tf.initializers.constant({ value: 0.25 }) }), ins[0]);
    case "sigmoid":
    case "tanh":
      return apply(tf.layers.activation({ activation: n.op, name }), ins[0]);
    case "maxpool":
    case "avgpool": {
      const a = n.attrs;
      const plain = a.pad.every((p) => p === 0) && !a.ceil;
      if (plain) {
        const args = { poolSize: a.kernel, strides: a.stride, padding: "valid" as const, name };
        return apply(n.op === "maxpool" ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args), ins[0]);
      }
      return apply(new PosecPool2D({ name, config: { kind: n.op === "maxpool" ? "max" : "avg", kernel: a.kernel, stride: a.stride, pad: a.pad, ceil: a.ceil, countIncludePad: a.countIncludePad } }), ins[0]);
    }
    case "gap": {
      const g = apply(tf.layers.globalAveragePooling2d({ name: `${name}_pool` }), ins[0]);
      return apply(tf.layers.reshape({ targetShape: [1, 1, ins[0].shape[3]!], name }), g);
    }
    case "upsample":
      return n.attrs.mode === "nearest"
        ? apply(tf.layers.upSampling2d({ size: n.attrs.factor, interpolation: "nearest", name }), ins[0])
        : apply(new PosecResizeBilinear({ factor: n.attrs.factor, name }), ins[0]);
    case "add":
      return apply(tf.layers.add({ name }), ins);
    case "mul":
      return apply(tf.layers.multiply({ name }), ins);
    case "concat":
      return apply(tf.layers.concatenate({ axis: -1, name }), ins);
  }
}

/** Maps tfjs weight names to posec's canonical ones (only depthwise kernels differ). */
export function canonicalWeightName(tfjsName: string): string {
  return tfjsName.replace(/\/depthwise_kernel$/, "/kernel");
}

/** Sets every weight of the model from a WeightSet; names and shapes must match exactly. */
export function setWeights(model: tf.LayersModel, weights: WeightSet): void {
  for (const layer of model.layers) {
    const vars = layer.weights;
    if (vars.length === 0) continue;
    const values = vars.map((v) => {
      const name = canonicalWeightName(v.originalName);
      const t = weights.get(name);
      if (!t) throw new PosecError(`no value for weight \`${name}\``, "PN5102");
      let shape = t.shape;
      // Canonical depthwise kernels are [kh, kw, 1, C]; tfjs wants [kh, kw, C, 1] (same element order).
      if (v.originalName.endsWith("/depthwise_kernel")) shape = [shape[0], shape[1], shape[3], shape[2]];
      // PReLU alphas are [C] canonically and [1, 1, C] in tfjs with shared spatial axes.
      if (v.originalName.endsWith("/alpha")) shape = v.shape as number[];
      if (shape.reduce((a, b) => a * b, 1) !== (v.shape as number[]).reduce((a, b) => a * b, 1)) {
        throw new PosecError(`weight \`${name}\` has shape [${t.shape}] but the model needs [${v.shape}]`, "PN5102");
      }
      return tf.tensor(t.data, v.shape as number[], "float32");
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Reads every weight back in canonical names and layouts. */
export function getWeights(model: tf.LayersModel): WeightSet {
  const out: WeightSet = new Map();
  for (const v of model.weights) {
    const name = canonicalWeightName(v.originalName);
    let shape = v.shape as number[];
    if (v.originalName.endsWith("/depthwise_kernel")) shape = [shape[0], shape[1], shape[3], shape[2]];
    if (v.originalName.endsWith("/alpha")) shape = [shape[shape.length - 1]];
    out.set(name, { shape, data: v.read().dataSync() as Float32Array });
  }
  return out;
}

/**
 * Builds the network for an input of [height, width] (default: the spec's; null for any size: every
 * layer here is size-agnostic except dense, whose kernel fixes the size).
 */
export function buildModel(ir: Ir, weights?: WeightSet, size: [number | null, number | null] = [ir.input.height, ir.input.width]): BuiltModel {
  const tensors = new Map<string, Sym>();
  const input = tf.input({ shape: [size[0], size[1], ir.input.channels], name: ir.input.tensor, dtype: "float32" });
  tensors.set(ir.input.tensor, input);
  for (const n of ir.nodes) {
    const ins = n.inputs.map((t) => tensors.get(t)!);
    try {
      tensors.set(n.name, lower(n, ins));
    } catch (e) {
      if (e instanceof PosecError) throw e;
      throw new PosecError(`${spanText(n.span)}: tfjs could not build \`${n.name}\` (${n.op}): ${(e as Error).message}`, "PN5100", "this is likely a bug in posec; please report it with the spec");
    }
  }
  const outputNames: string[] = [];
  const stages: BuiltModel["stages"] = [];
  if (ir.stages) {
    for (const s of ir.stages.outputs) {
      const index = (tensor: string | null) => (tensor === null ? null : outputNames.push(tensor) - 1);
      stages.push({ stage: s.stage, pafs: index(s.pafs), heatmaps: index(s.heatmaps) });
    }
  } else outputNames.push(...Object.values(ir.outputs));
  const model = tf.model({ inputs: input, outputs: outputNames.map((t) => tensors.get(t)!), name: ir.model.name });
  if (weights) setWeights(model, weights);
  return { model, outputNames, stages };
}
