// The op table (core/ops/) is complete: every IR op has attributes (the IR schema's part comes from them),
// a shape and cost rule, parameter declarations consistent with its cost, and every target's lowering (ONNX
// nodes, a tfjs plan of real tfjs layers, a PyTorch module), and the language reaches it as a layer. The
// numbers each lowering computes are checked elsewhere against independent references (test/onnx,
// test/pytorch, test/tfjs-codegen, test/zoo); here: that nothing is missing, on a real node of every op.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { OPS, ACTIVATIONS } from "../../compiler/layer-catalog.js";
import { IR_SCHEMA } from "../../core/ir/schema.js";
import type { IrNode } from "../../core/ir/types.js";
import { ACTIVATION_OPS, IR_OPS, lookupOp, OP_TABLE, opOf } from "../../core/ops/index.js";
import { TFJS_CUSTOM_LAYERS, type OnnxCtx } from "../../core/ops/op.js";
import { inferShapes, type Shape } from "../../core/shapes.js";
import { compileFile, compileText } from "../helpers.js";

/** Specs that together use every op (a new op must appear in one of them, with its own tests). */
const FIXTURES = ["test/onnx/fixtures/every_op.posenet", "test/zoo/fixtures/new_ops.posenet", "test/zoo/fixtures/silu.posenet"];

/** One real node of each op, with its input shapes. */
function samples(): Map<string, { node: IrNode; ins: Shape[] }> {
  const out = new Map<string, { node: IrNode; ins: Shape[] }>();
  for (const path of FIXTURES) {
    const ir = compileFile(path).ir!;
    const shapes = inferShapes(ir, ir.input.height, ir.input.width).report!.shapes;
    for (const node of ir.nodes) if (!out.has(node.op)) out.set(node.op, { node, ins: node.inputs.map((t) => shapes[t]) });
  }
  return out;
}

/** An ONNX context that records what a lowering asks for. */
function recordingCtx(node: IrNode, inputShape: Shape) {
  const nodes: { opType: string; name: string; inputs: string[]; outputs: string[] }[] = [];
  const ctx: OnnxCtx = {
    name: node.name,
    inputs: node.inputs,
    output: node.name,
    inputShape,
    doc: "",
    param: (role) => `${node.name}/${role}`,
    constant: (name) => name,
    node: (opType, name, inputs, outputs) => void nodes.push({ opType, name, inputs, outputs }),
  };
  return { ctx, nodes };
}

describe("the op table", () => {
  const byOp = samples();

  it("has an entry for every op the IR schema allows, and the fixtures use every one", () => {
    const schemaOps = Object.keys(IR_SCHEMA.definitions).filter((k) => k.startsWith("attrs_")).map((k) => k.slice(6));
    expect(schemaOps.sort()).toEqual([...IR_OPS].sort());
    expect([...byOp.keys()].sort()).toEqual([...IR_OPS].sort());
    expect(IR_OPS).toContain("silu");
    expect(lookupOp("swish")).toBeUndefined();
    expect(lookupOp("toString")).toBeUndefined();
  });

  it.each(IR_OPS)("%s: attributes, shape, cost and parameters agree", (op) => {
    const def = OP_TABLE[op];
    const { node, ins } = byOp.get(op)!;
    expect(def.summary.length).toBeGreaterThan(5);
    expect(def.attrs.schema).toMatchObject({ type: "object", additionalProperties: false });
    expect(Object.keys(node.attrs).sort()).toEqual(Object.keys((def.attrs.schema as { properties: object }).properties).sort());
    expect(def.inputs === "many").toBe(node.inputs.length > 1);
    const rfs = ins.map(() => ({ size: [1, 1] as [number, number], stride: [1, 1] as [number, number] }));
    const shape = opOf(node).shape(node.attrs, ins, rfs);
    expect("shape" in shape).toBe(true);
    const out = (shape as { shape: Shape }).shape;
    expect(out[2]).toBe(opOf(node).channels(node.attrs, ins.map((s) => s[2])));
    // the parameters it declares are the ones its cost counts
    const cost = opOf(node).cost(node.attrs, ins[0], out);
    const params = opOf(node).params(node.attrs, ins[0]);
    const count = (trainable: boolean) => params.filter((p) => (p.trainable ?? true) === trainable).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    expect(count(true)).toBe(cost.params);
    expect(count(false)).toBe(cost.nonTrainable);
  });

  it.each(IR_OPS)("%s: lowers to ONNX nodes that write the node's output", (op) => {
    const { node, ins } = byOp.get(op)!;
    const { ctx, nodes } = recordingCtx(node, ins[0]);
    opOf(node).onnx(node.attrs, ctx);
    expect(nodes.length).toBeGreaterThan(0);
    expect(nodes.filter((n) => n.outputs.includes(node.name))).toHaveLength(1);
    for (const n of nodes) expect(n.opType).toMatch(/^[A-Z][A-Za-z]+$/);
  });

  it.each(IR_OPS)("%s: has a tfjs plan of tfjs layers or posec's own", (op) => {
    const { node, ins } = byOp.get(op)!;
    const plan = opOf(node).tfjs(node.attrs, { name: node.name, inChannels: ins[0][2] });
    // the sample grouped convolution has none; the runtime and model.ts then report why
    if ("unsupported" in plan) {
      expect(op).toBe("conv");
      expect(plan.help.length).toBeGreaterThan(0);
      return;
    }
    expect(plan.layers.length).toBeGreaterThan(0);
    expect(plan.layers.filter((l) => l.config.name === node.name)).toHaveLength(1);
    for (const l of plan.layers) {
      if (l.custom) expect(TFJS_CUSTOM_LAYERS).toContain(l.layer);
      else expect(typeof (tf.layers as unknown as Record<string, unknown>)[l.layer], l.layer).toBe("function");
    }
  });

  it.each(IR_OPS)("%s: has a PyTorch module", (op) => {
    const { node, ins } = byOp.get(op)!;
    const py = { float: (x: number) => `${x}.0`, str: JSON.stringify, pair: (p: readonly number[]) => `(${p.join(", ")})`, tuple: (p: readonly number[]) => `(${p.join(", ")})` };
    expect(opOf(node).torch.module(node.attrs, { cin: ins[0][2], denseIn: ins[0][0] * ins[0][1] * ins[0][2], py })).toMatch(/^(nn\.)?[A-Z][A-Za-z0-9]+\(.*\)$/);
  });

  it("every op is a layer of the language, and every activation op a layer's suffix", () => {
    for (const op of IR_OPS) expect(Object.keys(OPS), op).toContain(op);
    expect([...ACTIVATIONS]).toEqual(ACTIVATION_OPS);
    expect(ACTIVATIONS).toEqual(expect.arrayContaining(["relu", "leakyrelu", "prelu", "elu", "sigmoid", "tanh", "silu"]));
    const dir = mkdtempSync(join(tmpdir(), "posec-op-table-"));
    for (const act of ACTIVATIONS) {
      const ir = compileText(dir, `posenet 1\nmodel m\ninput image 8x8x3 scale=1 shift=0\nbackbone {\n  c: conv 1x1 4 ${act}\n}\n`, act);
      expect(ir.nodes.map((n) => [n.name, n.op])).toEqual([
        ["c", "conv"],
        [`c_${act}`, act],
      ]);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
