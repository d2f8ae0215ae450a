// Merges of two or more inputs: elementwise sum and product, and concatenation along channels.
import { NO_ATTRS } from "./attrs.js";
import { defineOp, type ReceptiveField, type Shape, type ShapeResult } from "./op.js";
import type { Pair } from "../ir/basic-types.js";

/** Inputs must agree in height and width; `gates` lets [1,1,C] inputs scale a map (squeeze-excitation). */
function mergeShape(ins: Shape[], rfs: ReceptiveField[], channels: number, gates: boolean): ShapeResult {
  const maps = ins.map((s, i) => ({ s, i })).filter(({ s }) => !(gates && s[0] === 1 && s[1] === 1));
  const ref = maps[0] ?? { s: ins[0], i: 0 };
  for (const m of maps) if (m.s[0] !== ref.s[0] || m.s[1] !== ref.s[1]) return { mismatch: [ref.i, m.i] };
  const sizes = rfs.map((x) => x.size);
  const size = sizes.some((x) => x === null) ? null : ([Math.max(...sizes.map((x) => x![0])), Math.max(...sizes.map((x) => x![1]))] as Pair);
  return { shape: [ref.s[0], ref.s[1], channels], rf: { size, stride: rfs[ref.i].stride } };
}

const widest = (ins: number[]) => Math.max(...ins);

export const add = defineOp({
  summary: "elementwise sum of equally shaped inputs",
  attrs: NO_ATTRS,
  inputs: "many",
  channels: (_a, ins) => widest(ins),
  shape: (_a, ins, rfs) => mergeShape(ins, rfs, widest(ins.map((s) => s[2])), false),
  onnx: (_a, c) => c.node(c.inputs.length === 2 ? "Add" : "Sum", c.name, c.inputs, [c.output]),
  tfjs: (_a, c) => ({ layers: [{ layer: "add", config: { name: c.name } }] }),
  torch: { module: () => "Add()" },
});

export const mul = defineOp({
  summary: "elementwise product; a [1,1,C] input broadcasts over [H,W,C] (squeeze-excitation)",
  attrs: NO_ATTRS,
  inputs: "many",
  channels: (_a, ins) => widest(ins),
  shape: (_a, ins, rfs) => mergeShape(ins, rfs, widest(ins.map((s) => s[2])), true),
  onnx(_a, c) {
    // ONNX Mul is binary: a chain for three or more inputs (the IR's SE gate uses two).
    let acc = c.inputs[0];
    for (let i = 1; i < c.inputs.length; i++) {
      const last = i === c.inputs.length - 1;
      const out = last ? c.output : `${c.name}/product${i}`;
      c.node("Mul", last ? c.name : `${c.name}/mul${i}`, [acc, c.inputs[i]], [out]);
      acc = out;
    }
  },
  tfjs: (_a, c) => ({ layers: [{ layer: "multiply", config: { name: c.name } }] }),
  torch: { module: () => "Mul()" },
});

export const concat = defineOp({
  summary: "concatenation along channels, in input order",
  attrs: NO_ATTRS,
  inputs: "many",
  channels: (_a, ins) => ins.reduce((a, b) => a + b, 0),
  shape: (_a, ins, rfs) => mergeShape(ins, rfs, ins.reduce((a, s) => a + s[2], 0), false),
  onnx: (_a, c) => c.node("Concat", c.name, c.inputs, [c.output], { axis: { int: 1 } }),
  tfjs: (_a, c) => ({ layers: [{ layer: "concatenate", config: { name: c.name } }] }),
  torch: { module: () => "Concat()" },
});
