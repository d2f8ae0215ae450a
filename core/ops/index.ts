// The IR's ops: one entry each (core/ops/op.ts says what an entry holds). The IR types and JSON Schema,
// validation, shapes and costs, parameter layouts, the ONNX, tfjs and PyTorch lowerings and the language's
// layer catalog all read this table; adding an op is adding an entry here (and its tests).
import { elu, leakyrelu, prelu, relu, sigmoid, tanh } from "./activations.js";
import type { AttrSpec } from "./attrs.js";
import { bn } from "./bn.js";
import { conv } from "./conv.js";
import { dense } from "./dense.js";
import { add, concat, mul } from "./merge.js";
import type { OpDef } from "./op.js";
import { avgpool, gap, maxpool } from "./pool.js";
import { silu } from "./silu.js";
import { upsample } from "./upsample.js";

export const OP_TABLE = { conv, dense, bn, relu, leakyrelu, prelu, elu, sigmoid, tanh, silu, maxpool, avgpool, gap, upsample, add, mul, concat };

/** Each op's attributes, as the IR types them (core/ir/types.ts). */
export type OpAttrsOf<T> = { [K in keyof T]: T[K] extends { attrs: AttrSpec<infer A> } ? A : never };

/** An op of the IR (core/ir/types.ts calls it IrOp). */
export type OpName = keyof typeof OP_TABLE;

export const IR_OPS = Object.keys(OP_TABLE) as OpName[];

/** The ops usable as a layer's activation suffix, in table order. */
export const ACTIVATION_OPS = IR_OPS.filter((op) => OP_TABLE[op].activation);

export function isIrOp(op: string): op is OpName {
  return Object.prototype.hasOwnProperty.call(OP_TABLE, op);
}

/** An entry as a node of any op sees it: typed for the node's attributes (the IR schema ties them to its op). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpDef = OpDef<any>;

/** The entry of an op, or undefined for one posec does not know (an IR edited or written by something else). */
export function lookupOp(op: string): AnyOpDef | undefined {
  return isIrOp(op) ? (OP_TABLE[op] as AnyOpDef) : undefined;
}

/** The entry of a node's op; the node comes from a validated IR (see lookupOp otherwise). */
export function opOf<N extends { name: string; op: string; attrs: unknown }>(n: N): OpDef<N["attrs"]> {
  const def = lookupOp(n.op);
  if (!def) throw new Error(`posec has no op \`${n.op}\` (node \`${n.name}\`)`);
  return def;
}

export type { OpDef } from "./op.js";
