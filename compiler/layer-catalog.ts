// The language's primitive layers: each entry is a signature (checked by the shared argument binder) and
// a lowering to one IR node. Channel counts are computed here; spatial sizes are computed later by the
// shape pass for whatever input size is asked for. What an op computes, and how every target runs it, is
// its entry in the op table (core/ops/); an op without attributes (relu, gap, ...) is a layer without
// arguments from that entry alone, and an op marked `activation` there is also a layer's suffix.
import type { Span } from "../grammar/ast.js";
import type { IrOp, OpAttrs, Padding, Pair, WeightInit } from "../core/ir/types.js";
import { ACTIVATION_OPS, IR_OPS, OP_TABLE } from "../core/ops/index.js";
import type { ParamSpec, TypeSpec } from "./bind-args.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";

/** the ops a layer may name as its activation suffix (`conv 3x3 64 relu`), from the op table */
export const ACTIVATIONS: readonly IrOp[] = ACTIVATION_OPS;
export type Activation = IrOp;

export interface LowerCtx {
  inChannels: number;
  init: WeightInit;
  span: Span;
  diags: Diagnostic[];
}

export interface Lowered<K extends IrOp = IrOp> {
  op: K;
  attrs: OpAttrs[K];
  channels: number;
  /** an activation written as a suffix (`conv 3x3 64 relu`), emitted as its own node after this one */
  activation?: Activation;
}

export interface OpDef {
  summary: string;
  params: ParamSpec[];
  /** merge layers take two or more `{ ... }` branches fed with the same input */
  merge?: boolean;
  lower(v: Record<string, unknown>, ctx: LowerCtx, branchChannels: number[]): Lowered | undefined;
}

const INIT_SCHEMES = ["normal", "kaiming", "xavier", "zeros"] as const;
const positiveInt: TypeSpec = { kind: "int", min: 1, max: 1 << 20 };
const activationFlag: ParamSpec = { name: "activation", type: { kind: "choice", options: ACTIVATIONS }, flag: true, doc: "activation applied after the layer" };
const initParams: ParamSpec[] = [
  { name: "bias", type: { kind: "bool" }, default: true, namedOnly: true },
  { name: "init", type: { kind: "choice", options: INIT_SCHEMES }, namedOnly: true, doc: "weight initialisation (default: the enclosing `init`)" },
  { name: "std", type: { kind: "float", above: 0 }, namedOnly: true, doc: "standard deviation for init=normal" },
];

/** `init=` on a layer picks a scheme with its usual settings; `std=` tunes the normal scheme. */
function weightInit(v: Record<string, unknown>, inherited: WeightInit): WeightInit {
  const std = v.std as number | undefined;
  switch (v.init as string | undefined) {
    case "normal":
      return { kind: "normal", std: std ?? 0.01, mean: 0 };
    case "kaiming":
      return { kind: "kaiming", mode: "fan_out", distribution: "normal" };
    case "xavier":
      return { kind: "xavier", distribution: "uniform" };
    case "zeros":
      return { kind: "constant", value: 0 };
    default:
      return std !== undefined ? { kind: "normal", std, mean: 0 } : inherited;
  }
}

const ZERO: WeightInit = { kind: "constant", value: 0 };

/** Explicit pads from `same`/`valid`/numbers; `same` centres the kernel, the odd pixel going bottom/right. */
function resolvePad(pad: unknown, kernel: Pair, dilation: Pair): Padding {
  if (pad === "valid") return [0, 0, 0, 0];
  if (pad === "same") {
    const th = dilation[0] * (kernel[0] - 1);
    const tw = dilation[1] * (kernel[1] - 1);
    return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
  }
  return pad as Padding;
}

function poolDef(op: "maxpool" | "avgpool"): OpDef {
  return {
    summary: `${op === "maxpool" ? "max" : "average"} pooling; \`ceil\` rounds output sizes up as Caffe does`,
    params: [
      { name: "kernel", type: { kind: "pair", min: 1, max: 4096 }, required: true },
      { name: "stride", type: { kind: "pair", min: 1, max: 4096 }, doc: "default: the kernel size" },
      { name: "pad", type: { kind: "pad" }, default: "valid" },
      { name: "rounding", type: { kind: "choice", options: ["ceil", "floor"] }, flag: true, default: "floor" },
      { name: "count_include_pad", type: { kind: "bool" }, default: true, namedOnly: true },
    ],
    lower: (v, ctx) => {
      const kernel = v.kernel as Pair;
      const pad = resolvePad(v.pad, kernel, [1, 1]);
      if (pad[0] >= kernel[0] || pad[2] >= kernel[0] || pad[1] >= kernel[1] || pad[3] >= kernel[1]) {
        ctx.diags.push(diag("PN2004", ctx.span, `padding ${pad.join(",")} must be smaller than the ${kernel.join("x")} pooling window`));
        return undefined;
      }
      return {
        op,
        attrs: { kernel, stride: (v.stride as Pair | undefined) ?? kernel, pad, ceil: v.rounding === "ceil", countIncludePad: v.count_include_pad as boolean },
        channels: ctx.inChannels,
      };
    },
  };
}

/** A layer without arguments for each op of the table that has no attributes and is not a merge. */
function simpleLayers(): Record<string, OpDef> {
  const simple = IR_OPS.filter((op) => OP_TABLE[op].inputs === "one" && Object.keys((OP_TABLE[op].attrs.schema as { properties: object }).properties).length === 0);
  return Object.fromEntries(
    simple.map((op): [string, OpDef] => [op, { summary: OP_TABLE[op].summary, params: [], lower: (_v, ctx) => ({ op, attrs: {} as OpAttrs[typeof op], channels: ctx.inChannels }) }]),
  );
}

function mergeDef(op: "add" | "mul" | "concat", summary: string): OpDef {
  return {
    summary,
    merge: true,
    params: op === "concat" ? [] : [activationFlag],
    lower: (v, ctx, branches) => {
      if (op === "concat") return { op, attrs: {}, channels: branches.reduce((a, b) => a + b, 0) };
      // mul broadcasts a [1,1,C] gate; channels must agree in both cases
      const channels = Math.max(...branches);
      if (branches.some((c) => c !== channels)) {
        ctx.diags.push(diag("PN3006", ctx.span, `\`${op}\` needs branches with equal channel counts, got ${branches.join(" and ")}`));
        return undefined;
      }
      return { op, attrs: {}, channels, activation: v.activation as Activation | undefined };
    },
  };
}

export const OPS: Record<string, OpDef> = {
  conv: {
    summary: "2-D convolution: `conv KxK FILTERS [activation] stride= pad= dilation= groups= bias= init=`",
    params: [
      { name: "kernel", type: { kind: "pair", min: 1, max: 4096 }, required: true, doc: "kernel size like 3x3" },
      { name: "filters", type: positiveInt, required: true, doc: "output channels" },
      activationFlag,
      { name: "stride", type: { kind: "pair", min: 1, max: 4096 }, default: [1, 1], namedOnly: true },
      { name: "pad", type: { kind: "pad" }, default: "same", namedOnly: true },
      { name: "dilation", type: { kind: "pair", min: 1, max: 4096 }, default: [1, 1], namedOnly: true },
      { name: "groups", type: positiveInt, default: 1, namedOnly: true },
      ...initParams,
    ],
    lower: (v, ctx) => {
      const kernel = v.kernel as Pair;
      const dilation = v.dilation as Pair;
      const groups = v.groups as number;
      const filters = v.filters as number;
      if (ctx.inChannels % groups !== 0 || filters % groups !== 0) {
        ctx.diags.push(diag("PN3007", ctx.span, `groups=${groups} must divide both the input channels (${ctx.inChannels}) and the filters (${filters})`));
        return undefined;
      }
      return {
        op: "conv",
        attrs: {
          kernel,
          filters,
          stride: v.stride as Pair,
          dilation,
          pad: resolvePad(v.pad, kernel, dilation),
          groups,
          bias: v.bias as boolean,
          weightInit: weightInit(v, ctx.init),
          biasInit: ZERO,
        },
        channels: filters,
        activation: v.activation as Activation | undefined,
      };
    },
  },
  dense: {
    summary: "fully connected layer over the whole input (flattened): `dense UNITS [activation]`",
    params: [{ name: "units", type: positiveInt, required: true }, activationFlag, ...initParams],
    lower: (v, ctx) => ({
      op: "dense",
      attrs: { units: v.units as number, bias: v.bias as boolean, weightInit: weightInit(v, ctx.init), biasInit: ZERO },
      channels: v.units as number,
      activation: v.activation as Activation | undefined,
    }),
  },
  bn: {
    summary: "batch normalisation (momentum: fraction of the running statistics kept per step)",
    params: [
      { name: "eps", type: { kind: "float", above: 0 }, default: 1e-5 },
      { name: "momentum", type: { kind: "float", min: 0, max: 1 }, default: 0.9 },
    ],
    lower: (v, ctx) => ({ op: "bn", attrs: { eps: v.eps as number, momentum: v.momentum as number }, channels: ctx.inChannels }),
  },
  ...simpleLayers(),
  leakyrelu: {
    summary: "leaky ReLU",
    params: [{ name: "alpha", type: { kind: "float", min: 0, max: 1 }, default: 0.1 }],
    lower: (v, ctx) => ({ op: "leakyrelu", attrs: { alpha: v.alpha as number }, channels: ctx.inChannels }),
  },
  maxpool: poolDef("maxpool"),
  avgpool: poolDef("avgpool"),
  upsample: {
    summary: "upsampling by an integer factor: `upsample 2 mode=bilinear`",
    params: [
      { name: "factor", type: { kind: "pair", min: 1, max: 64 }, required: true },
      { name: "mode", type: { kind: "choice", options: ["nearest", "bilinear"] }, default: "nearest" },
    ],
    lower: (v, ctx) => ({ op: "upsample", attrs: { factor: v.factor as Pair, mode: v.mode as "nearest" | "bilinear" }, channels: ctx.inChannels }),
  },
  add: mergeDef("add", "sum of two or more branches: `add { main } { shortcut }` (an empty branch is the input itself)"),
  mul: mergeDef("mul", "product of branches; a [1,1,C] branch scales every pixel (squeeze-excitation)"),
  concat: mergeDef("concat", "concatenation of branches along channels, in order"),
};

/** Signatures of the `init` statement, per scheme. */
export const INIT_STATEMENT: Record<string, { params: ParamSpec[]; make(v: Record<string, unknown>): WeightInit }> = {
  normal: {
    params: [
      { name: "std", type: { kind: "float", above: 0 }, default: 0.01 },
      { name: "mean", type: { kind: "float" }, default: 0 },
    ],
    make: (v) => ({ kind: "normal", std: v.std as number, mean: v.mean as number }),
  },
  kaiming: {
    params: [
      { name: "mode", type: { kind: "choice", options: ["fan_in", "fan_out"] }, default: "fan_out" },
      { name: "distribution", type: { kind: "choice", options: ["normal", "uniform"] }, default: "normal" },
    ],
    make: (v) => ({ kind: "kaiming", mode: v.mode as "fan_in" | "fan_out", distribution: v.distribution as "normal" | "uniform" }),
  },
  xavier: {
    params: [{ name: "distribution", type: { kind: "choice", options: ["normal", "uniform"] }, default: "uniform" }],
    make: (v) => ({ kind: "xavier", distribution: v.distribution as "normal" | "uniform" }),
  },
  zeros: { params: [], make: () => ({ kind: "constant", value: 0 }) },
};

/** CMU-Pose's initialisation: Gaussian, std 0.01, biases 0. */
export const DEFAULT_INIT: WeightInit = { kind: "normal", std: 0.01, mean: 0 };
