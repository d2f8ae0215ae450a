// IR -> tfjs LayersModel. Never reads the AST: every layer comes from one IR node and takes its name.
// Layout is channels-last; weights come from a WeightSet (posec's canonical names and layouts, which are
// tfjs's) so that the same numbers can be given to ONNX Runtime or PyTorch. Errors raised by tfjs
// while wiring a node are reported at the node's spec line.
import * as tf from "@tensorflow/tfjs";
import { spanText, type Ir, type IrNode } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { opOf } from "../../core/ops/index.js";
import type { TfjsCustomLayer, TfjsLayer } from "../../core/ops/op.js";
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

/** The runtime's own layers a plan may name (TfjsLayer.custom). */
const CUSTOM: Record<TfjsCustomLayer, new (config: never) => tf.layers.Layer> = { PosecPool2D, PosecResizeBilinear, PosecDilatedDepthwiseConv2D };
const ZEROS = { kernelInitializer: "zeros", biasInitializer: "zeros" } as const;

/** One layer of a plan; the same plan is printed as code by the tfjs target (compiler/emit/tfjs/model-ts.ts). */
export function planLayer(step: TfjsLayer): tf.layers.Layer {
  if (step.custom) {
    return new CUSTOM[step.layer](step.config as never);
  }
  const factory = (tf.layers as unknown as Record<string, ((config: object) => tf.layers.Layer) | undefined>)[step.layer];
  if (!factory) throw new Error(`tfjs has no layer \`${step.layer}\``);
  return factory(step.zeros ? { ...step.config, ...ZEROS } : step.config);
}

/** The layer(s) for one IR node (its op's tfjs plan, core/ops/), applied to its inputs. */
function lower(n: IrNode, ins: Sym[]): Sym {
  const op = opOf(n);
  const plan = op.tfjs(n.attrs, { name: n.name, inChannels: ins[0].shape[3]! });
  if ("unsupported" in plan) throw new PosecError(`${spanText(n.span)}: \`${n.name}\`: ${plan.unsupported}`, "PN5101", plan.help);
  let x: Sym | Sym[] = op.inputs === "many" ? ins : ins[0];
  for (const step of plan.layers) x = apply(planLayer(step), x);
  return x as Sym;
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
