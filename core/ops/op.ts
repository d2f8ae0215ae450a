// What one IR op is, in one place: its attributes, its shape and cost rule, its parameter tensors, and its
// lowering to each target, as data or as small functions over a context the target supplies (so that core/
// depends on no target: the ONNX protobuf builders, the tfjs layers and the Python printer stay with their
// emitters, which look every node up here). core/ops/index.ts lists the ops.
import type { Pair, WeightInit } from "../ir/basic-types.js";
import type { AttrSpec } from "./attrs.js";

/** [height, width, channels] of one sample */
export type Shape = [number, number, number];

export interface ReceptiveField {
  /** in input pixels; null once a global pool or dense layer has seen the whole image */
  size: Pair | null;
  stride: Pair;
}

/** A node's output shape and receptive field, or the two inputs whose spatial sizes disagree. */
export type ShapeResult = { shape: Shape; rf: ReceptiveField } | { mismatch: [number, number] };

export interface Cost {
  params: number;
  nonTrainable: number;
  macs: number;
}

export type ParamRole = "kernel" | "bias" | "gamma" | "beta" | "moving_mean" | "moving_variance" | "alpha";

/**
 * One parameter tensor of a node, in posec's canonical channels-last layout (see core/params/params.ts):
 * it is named `<node>/<role>`.
 */
export interface ParamDecl {
  role: ParamRole;
  shape: number[];
  init: WeightInit;
  /** fan-in and fan-out of the layer, for Kaiming and Xavier (default 1, 1) */
  fans?: { in: number; out: number };
  /** default true; batch-norm statistics are not */
  trainable?: boolean;
}

// ---- ONNX (compiler/emit/onnx/graph.ts supplies the context) ----

export type OnnxAttr = { int: number } | { ints: number[] } | { float: number } | { string: string };
/** How a canonical parameter becomes an ONNX initializer (compiler/emit/onnx/layout.ts). */
export type OnnxLayout = "as-is" | "oihw" | "dense-gemm" | "prelu-slope";

export interface OnnxCtx {
  /** the IR node's name; helper nodes and values are named `<name>/<role>` (IR names never hold a slash) */
  name: string;
  /** ONNX value names of the node's inputs, and of its output */
  inputs: string[];
  output: string;
  /** the node's (first) input shape at the spec's input size */
  inputShape: Shape;
  /** the node's doc string (its spec line) */
  doc: string;
  /** the initializer for parameter `<name>/<role>`, converted; null (and reported) when missing or misshapen */
  param(role: ParamRole, shape: number[], layout?: OnnxLayout): string | null;
  /** a Constant node (not an initializer); returns its output name */
  constant(name: string, type: "float" | "int64", dims: number[], values: number[]): string;
  node(opType: string, name: string, inputs: string[], outputs: string[], attrs?: Record<string, OnnxAttr>, doc?: string): void;
}

// ---- tfjs (runtime/model/build.ts builds the plan; compiler/emit/tfjs/model-ts.ts prints it) ----

export type TfjsValue = number | string | boolean | readonly TfjsValue[] | { readonly [key: string]: TfjsValue };

/** posec's own tfjs layers (runtime/model/layers.ts), for what tfjs's layers cannot express */
export const TFJS_CUSTOM_LAYERS = ["PosecPool2D", "PosecResizeBilinear", "PosecDilatedDepthwiseConv2D"] as const;
export type TfjsCustomLayer = (typeof TFJS_CUSTOM_LAYERS)[number];

export type TfjsLayer = {
  /** the layer's config, `name` first; values at tfjs's defaults are left out */
  config: Record<string, TfjsValue>;
  /** kernel and bias start at zeros: the model's builder sets every weight once the graph stands */
  zeros?: true;
} & (
  | { /** a tf.layers factory: `conv2d`, `reLU`, ... */ layer: string; custom?: undefined }
  | { layer: TfjsCustomLayer; custom: true }
);

/** Layers applied in order, the first to the node's input (a list of inputs for merges); or why none fits. */
export type TfjsPlan = { layers: TfjsLayer[] } | { unsupported: string; help: string };

export interface TfjsCtx {
  name: string;
  /** channels of the (first) input */
  inChannels: number;
}

// ---- PyTorch (compiler/emit/pytorch/model.ts supplies the Python literal printer) ----

export interface PyFormat {
  float(x: number): string;
  str(s: string): string;
  /** `3` for (3, 3), else `(3, 2)` */
  pair(p: readonly number[]): string;
  tuple(xs: readonly number[]): string;
}

export interface TorchCtx {
  /** channels of the (first) input */
  cin: number;
  /** flattened input size (dense layers) */
  denseIn: number;
  py: PyFormat;
}

export type TorchInit = { param: "weight" | "bias"; init: WeightInit } | { reset: true };

export interface TorchLowering<A> {
  /** the module constructor, `nn.Conv2d(...)` or a helper of the generated layers.py */
  module(a: A, c: TorchCtx): string;
  /** forward: the call's arguments (default: the inputs) and a suffix applied to its result */
  forward?(a: A, ins: string[]): { args: string[]; suffix?: string };
  /** the initialisation `reset_parameters` applies (default: none) */
  init?(a: A): TorchInit[];
}

export interface OpDef<A> {
  /** what the op computes, for documentation and hover text */
  summary: string;
  attrs: AttrSpec<A>;
  /** one input, or two or more (merges) */
  inputs: "one" | "many";
  /** usable as a layer's activation suffix (`conv 3x3 64 relu`) */
  activation: boolean;
  /** what the IR must satisfy beyond the schema, given the input channel counts; null when fine */
  check(a: A, inChannels: number[]): string | null;
  /** output channels from the inputs' channels */
  channels(a: A, inChannels: number[]): number;
  shape(a: A, ins: Shape[], rfs: ReceptiveField[]): ShapeResult;
  cost(a: A, input: Shape, out: Shape): Cost;
  params(a: A, input: Shape): ParamDecl[];
  onnx(a: A, c: OnnxCtx): void;
  tfjs(a: A, c: TfjsCtx): TfjsPlan;
  torch: TorchLowering<A>;
}

type Defaulted = "inputs" | "activation" | "check" | "channels" | "shape" | "cost" | "params";

const NO_COST: Cost = { params: 0, nonTrainable: 0, macs: 0 };

/**
 * An op, with the defaults of an elementwise op of one input filled in: same shape and receptive field,
 * same channels, no parameters, no multiply-accumulates, not an activation suffix.
 */
export function defineOp<A>(def: Omit<OpDef<A>, Defaulted> & Partial<Pick<OpDef<A>, Defaulted>>): OpDef<A> {
  return {
    inputs: "one",
    activation: false,
    check: () => null,
    channels: (_a, ins) => ins[0],
    shape: (_a, ins, rfs) => ({ shape: ins[0], rf: rfs[0] }),
    cost: () => NO_COST,
    params: () => [],
    ...def,
  };
}

/** The receptive field after a window of `k` at stride `s` (dilation `d`) over a map with field `r`. */
export function grow(r: ReceptiveField, k: Pair, s: Pair, d: Pair = [1, 1]): ReceptiveField {
  return {
    size: r.size && [r.size[0] + d[0] * (k[0] - 1) * r.stride[0], r.size[1] + d[1] * (k[1] - 1) * r.stride[1]],
    stride: [r.stride[0] * s[0], r.stride[1] * s[1]],
  };
}

/** tfjs's size arguments: one number when both axes agree (`3` rather than `[3, 3]`). */
export function pairOrOne(p: Pair): number | Pair {
  return p[0] === p[1] ? p[0] : p;
}
