// The `posec inspect` report: a JSON document (schema below, validated before it is printed) and a
// Keras-summary-like table rendered from it.
import type { Ir } from "../../core/ir/types.js";
import type { PartCost, ShapeReport } from "../../core/shapes.js";

export interface InspectReport {
  model: string;
  input: { height: number; width: number; channels: number };
  params: { trainable: number; nonTrainable: number; total: number };
  macs: { total: number; byPart: Record<string, number> };
  activationBytes: number;
  parts: Record<string, PartCost>;
  outputs: Record<string, { tensor: string; shape: number[]; stride: number[]; receptiveField: number[] | null }>;
  layers: { name: string; op: string; part: string; shape: number[]; params: number; nonTrainable: number; macs: number; source: string }[];
}

const count = { type: "integer", minimum: 0 };
const partCost = { type: "object", required: ["params", "nonTrainable", "macs", "activationBytes"], properties: { params: count, nonTrainable: count, macs: count, activationBytes: count }, additionalProperties: false };
export const INSPECT_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  required: ["model", "input", "params", "macs", "activationBytes", "parts", "outputs", "layers"],
  additionalProperties: false,
  properties: {
    model: { type: "string" },
    input: { type: "object", required: ["height", "width", "channels"], properties: { height: count, width: count, channels: count }, additionalProperties: false },
    params: { type: "object", required: ["trainable", "nonTrainable", "total"], properties: { trainable: count, nonTrainable: count, total: count }, additionalProperties: false },
    macs: { type: "object", required: ["total", "byPart"], properties: { total: count, byPart: { type: "object", additionalProperties: count } }, additionalProperties: false },
    activationBytes: count,
    parts: { type: "object", additionalProperties: partCost },
    outputs: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["tensor", "shape", "stride", "receptiveField"],
        additionalProperties: false,
        properties: { tensor: { type: "string" }, shape: { type: "array", items: count }, stride: { type: "array", items: { type: "number" } }, receptiveField: { oneOf: [{ type: "null" }, { type: "array", items: { type: "number" } }] } },
      },
    },
    layers: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "op", "part", "shape", "params", "nonTrainable", "macs", "source"],
        additionalProperties: false,
        properties: { name: { type: "string" }, op: { type: "string" }, part: { type: "string" }, shape: { type: "array", items: count }, params: count, nonTrainable: count, macs: count, source: { type: "string" } },
      },
    },
  },
} as const;

export function inspectReport(ir: Ir, shapes: ShapeReport): InspectReport {
  const spans = new Map(ir.nodes.map((n) => [n.name, n.span]));
  const outputs: InspectReport["outputs"] = {};
  for (const [name, tensor] of Object.entries(ir.outputs)) {
    const rf = shapes.receptiveFields[tensor];
    outputs[name] = { tensor, shape: shapes.shapes[tensor], stride: rf.stride, receptiveField: rf.size };
  }
  const byPart: Record<string, number> = {};
  for (const [k, p] of Object.entries(shapes.parts)) byPart[k] = p.macs;
  return {
    model: ir.model.name,
    input: { height: shapes.input[0], width: shapes.input[1], channels: shapes.input[2] },
    params: { trainable: shapes.totals.params, nonTrainable: shapes.totals.nonTrainable, total: shapes.totals.params + shapes.totals.nonTrainable },
    macs: { total: shapes.totals.macs, byPart },
    activationBytes: shapes.totals.activationBytes,
    parts: shapes.parts,
    outputs,
    layers: shapes.nodes.map((n) => {
      const s = spans.get(n.name)!;
      return { name: n.name, op: n.op, part: n.part, shape: n.shape, params: n.params, nonTrainable: n.nonTrainable, macs: n.macs, source: `${s.file}:${s.line}:${s.col}` };
    }),
  };
}

const num = (n: number) => n.toLocaleString("en-US");
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const shape = (s: number[]) => s.join("×");

export function renderInspect(r: InspectReport, options: { layers: boolean }): string {
  const out: string[] = [];
  out.push(`Model: ${r.model}    input ${r.input.height}×${r.input.width}×${r.input.channels}`);
  if (options.layers) {
    const rows = r.layers.map((l) => [`${l.name} (${l.op})`, shape(l.shape), num(l.params), num(l.macs), l.source]);
    const head = ["Layer (op)", "Output shape", "Params", "MACs", "Spec"];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 3 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
    const rule = "─".repeat(w.reduce((a, b) => a + b + 2, -2));
    out.push(rule, line(head), rule);
    let part = "";
    for (const [i, row] of rows.entries()) {
      const p = r.layers[i].part;
      if (p !== part) {
        out.push(`[${p}]`);
        part = p;
      }
      out.push(line(row));
    }
    out.push(rule);
  }
  const partRows = Object.entries(r.parts).map(([k, p]) => [k, num(p.params), num(p.nonTrainable), num(p.macs), mib(p.activationBytes)]);
  const head = ["Part", "Trainable", "Non-trainable", "MACs", "Activations"];
  const all = [head, ...partRows, ["total", num(r.params.trainable), num(r.params.nonTrainable), num(r.macs.total), mib(r.activationBytes)]];
  const w = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  for (const [i, row] of all.entries()) {
    out.push(row.map((c, j) => (j === 0 ? (row[0].includes(".") ? "  " + c : c).padEnd(w[0] + 2) : c.padStart(w[j]))).join("  "));
    if (i === 0 || i === all.length - 2) out.push("─".repeat(w.reduce((a, b) => a + b + 2, 0)));
  }
  out.push("");
  out.push(`Trainable parameters: ${num(r.params.trainable)}    non-trainable: ${num(r.params.nonTrainable)}    MACs: ${num(r.macs.total)}`);
  for (const [name, o] of Object.entries(r.outputs)) {
    out.push(`Output ${name}: ${shape(o.shape)} (stride ${o.stride.join("x")}, receptive field ${o.receptiveField ? o.receptiveField.join("x") + " px" : "the whole image"})`);
  }
  return out.join("\n");
}
