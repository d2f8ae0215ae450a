// The IR's small value types, in a module of their own so that the op table (core/ops/), which the IR's
// node types are derived from, can use them without importing core/ir/types.ts back (core/ stays a DAG).
// core/ir/types.ts re-exports them: import them from there.

export type Pair = [number, number];
/** top, left, bottom, right */
export type Padding = [number, number, number, number];

export type WeightInit =
  | { kind: "normal"; std: number; mean: number }
  | { kind: "kaiming"; mode: "fan_in" | "fan_out"; distribution: "normal" | "uniform" }
  | { kind: "xavier"; distribution: "normal" | "uniform" }
  | { kind: "constant"; value: number };
