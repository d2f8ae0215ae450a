// Every op the ONNX target lowers, on small fixture specs (test/onnx/fixtures/): the checker, onnx's
// shapes against posec's, ONNX Runtime against the PyTorch float64 reference, batchnorm folding, the
// graph's conventions (names, doc strings, metadata) and the errors for what cannot be exported.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import coco18 from "../fixtures/reference/coco18.json" with { type: "json" };
import { buildOnnx, decodeModel, onnxEmitter, onnxOutputs } from "../../compiler/emit/onnx/index.js";
import type { Ir, IrNode } from "../../core/ir/types.js";
import { inferShapes } from "../../core/shapes.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { compileFile } from "../helpers.js";
import { compileIr, exportSpec, maxAbs, maxAbsDiff, onnxCheck, runOrt, runTorchRef, seededInput, type Exported, type Outputs, removeTempDirs } from "./helpers.js";

afterAll(removeTempDirs);

const TOLERANCE = 1e-4;

function expectClose(label: string, got: Outputs, want: Outputs): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, g] of got) {
    const w = want.get(name)!;
    expect(g.dims, `${label} ${name}`).toEqual(w.dims);
    const diff = maxAbsDiff(g.data, w.data);
    console.log(`${label} ${name} [${g.dims.join("x")}]: max |diff| ${diff.toExponential(2)} (max |value| ${maxAbs(w.data).toExponential(2)})`);
    expect(diff, `${label} ${name}`).toBeLessThan(TOLERANCE);
  }
}

async function ortVsTorch(e: Exported, sizes: [number, number][], allStages: boolean): Promise<void> {
  const inputs = sizes.map(([h, w], i) => ({ shape: [1, 3, h, w], data: seededInput([1, 3, h, w], 40 + i) }));
  const ref = runTorchRef(e, { outputs: onnxOutputs(e.ir, allStages), inputs });
  for (const [i, x] of inputs.entries()) expectClose(`${e.ir.model.name}${e.onnxPath.includes("fold") ? " (folded)" : ""} ${x.shape[2]}x${x.shape[3]}`, await runOrt(e.onnxPath, x.data, x.shape), ref.outputs[i]);
}

function opTypes(e: Exported): string[] {
  return decodeModel(e.bytes).graph!.node!.map((n) => n.opType!);
}

describe("every_op.posenet: every IR op, odd sizes, asymmetric pads, a dense layer after a 6x4 map", () => {
  const path = "test/onnx/fixtures/every_op.posenet";
  let plain: Exported;
  let folded: Exported;
  beforeAll(() => {
    plain = exportSpec(path);
    folded = exportSpec(path, { foldBn: true });
  });

  it("uses every IR op", () => {
    const ops = new Set(plain.ir.nodes.map((n) => n.op));
    expect([...ops].sort()).toEqual(["add", "avgpool", "bn", "concat", "conv", "dense", "gap", "leakyrelu", "maxpool", "mul", "prelu", "relu", "sigmoid", "tanh", "upsample"]);
  });

  it("passes the checker, and onnx's shapes equal posec's at the fixed size a dense layer needs", () => {
    const check = onnxCheck(plain.onnxPath, [[23, 29]]);
    expect(check.checker).toBe("ok");
    const posec = inferShapes(plain.ir, 23, 29).report!;
    for (const [tensor, [h, w, c]] of Object.entries(posec.shapes)) {
      if (tensor !== plain.ir.input.tensor) expect(check.shapes["23x29"][plain.renamed.get(tensor) ?? tensor], tensor).toEqual([1, c, h, w]);
    }
  });

  it("fixes H and W (the dense kernel depends on them) and keeps N symbolic", () => {
    const dims = decodeModel(plain.bytes).graph!.input![0].type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["N", 3, 23, 29]);
  });

  it("ONNX Runtime equals the PyTorch reference", async () => {
    await ortVsTorch(plain, [[23, 29]], false);
  });

  it("with --fold-bn: no BatchNormalization after a conv, the same outputs", async () => {
    const ops = opTypes(folded);
    // the one batchnorm after an upsample stays
    expect(ops.filter((o) => o === "BatchNormalization")).toHaveLength(1);
    expect(opTypes(plain).filter((o) => o === "BatchNormalization")).toHaveLength(4);
    await ortVsTorch(folded, [[23, 29]], false);
    const x = seededInput([1, 3, 23, 29], 7);
    expectClose("every_op folded vs unfolded", await runOrt(folded.onnxPath, x, [1, 3, 23, 29]), await runOrt(plain.onnxPath, x, [1, 3, 23, 29]));
  });
});

describe("tiny_pose.posenet: a pose model with Resize, PRelu and grouped convs at symbolic sizes", () => {
  const sizes: [number, number][] = [
    [48, 64],
    [40, 72],
  ];
  let e: Exported;
  beforeAll(() => {
    e = exportSpec("test/onnx/fixtures/tiny_pose.posenet", { allStages: true });
  });

  it("outputs heatmaps, pafs, then every stage's maps; a layer named like an output gets another value name", () => {
    expect(e.outputs).toEqual(["heatmaps", "pafs", "stage1_heatmaps", "stage1_pafs", "stage2_heatmaps", "stage2_pafs"]);
    const nodes = decodeModel(e.bytes).graph!.node!;
    expect(nodes.find((n) => n.name === "pafs")!.output).toEqual(["pafs_0"]);
    // the last stage's maps are both `heatmaps` and `stage2_heatmaps`: one of them is an Identity
    expect(nodes.filter((n) => n.opType === "Identity").map((n) => [n.input![0], n.output![0]])).toEqual([
      ["heatmaps", "stage2_heatmaps"],
      ["pafs", "stage2_pafs"],
    ]);
  });

  it("passes the checker; onnx's shapes equal posec's at two sizes", () => {
    const check = onnxCheck(e.onnxPath, sizes);
    expect(check.checker).toBe("ok");
    for (const [h, w] of sizes) {
      const posec = inferShapes(e.ir, h, w).report!;
      for (const [tensor, [th, tw, tc]] of Object.entries(posec.shapes)) {
        if (tensor !== e.ir.input.tensor) expect(check.shapes[`${h}x${w}`][e.renamed.get(tensor) ?? tensor], `${tensor} at ${h}x${w}`).toEqual([1, tc, th, tw]);
      }
      for (const o of e.outputs) expect(check.shapes[`${h}x${w}`][o]).not.toBeNull();
    }
  });

  it("ONNX Runtime equals the PyTorch reference at both sizes, every stage", async () => {
    await ortVsTorch(e, sizes, true);
  });

  it("upsample is Resize: nearest with asymmetric/floor, bilinear with half_pixel", () => {
    const resize = decodeModel(e.bytes).graph!.node!.filter((n) => n.opType === "Resize");
    const attrs = resize.map((n) => Object.fromEntries(n.attribute!.map((a) => [a.name, new TextDecoder().decode(a.s!)])));
    expect(attrs).toEqual([
      { coordinate_transformation_mode: "half_pixel", mode: "linear" },
      { coordinate_transformation_mode: "asymmetric", mode: "nearest", nearest_mode: "floor" },
    ]);
  });
});

describe("ceil_edge.posenet: ceil-mode pools whose last window would start in the end padding", () => {
  it("ONNX Runtime drops that window as posec (and Caffe, PyTorch) do, for max and average pooling", async () => {
    const e = exportSpec("test/onnx/fixtures/ceil_edge.posenet");
    await ortVsTorch(e, [[5, 6], [7, 9], [6, 6]], false);
    // onnx 1.12's shape inference counts the dropped window (fixed in onnx 1.16); the doc string says so.
    const doc = decodeModel(e.bytes).graph!.node!.find((n) => n.name === "a")!.docString!;
    expect(doc).toMatch(/ceil_mode drops windows/);
  });
});

describe("the small zoo model's graph", () => {
  let e: Exported;
  let folded: Exported;
  beforeAll(() => {
    e = exportSpec("models/small_resnet18_cmupose.posenet");
    folded = exportSpec("models/small_resnet18_cmupose.posenet", { foldBn: true });
  });

  it("is opset 17, IR version 8, input `image` [N, 3, H, W], outputs heatmaps and pafs", () => {
    const m = decodeModel(e.bytes);
    expect(m.opsetImport!.map((o) => [o.domain, Number(o.version)])).toEqual([["", 17]]);
    expect(Number(m.irVersion)).toBe(8);
    const input = m.graph!.input!;
    expect(input.map((i) => i.name)).toEqual(["image"]);
    expect(input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["N", 3, "H", "W"]);
    expect(m.graph!.output!.map((o) => o.name)).toEqual(["heatmaps", "pafs"]);
  });

  it("names nodes after the IR and points each at its spec line", () => {
    const nodes = decodeModel(e.bytes).graph!.node!;
    const byName = new Map(e.ir.nodes.map((n) => [n.name, n] as [string, IrNode]));
    for (const n of nodes) {
      const ir = byName.get(n.name!);
      expect(ir, `ONNX node ${n.name}`).toBeDefined();
      expect(n.docString!.startsWith(`${ir!.span.file}:${ir!.span.line}:${ir!.span.col}`)).toBe(true);
    }
    expect(nodes.map((n) => n.name)).toEqual(e.ir.nodes.map((n) => n.name));
    // conv1 comes from the standard library (resnet18 is an alias of the resnet block, so the chain of
    // call sites names the alias too), called from the spec's `backbone` line
    const doc = /^std\/resnet\.posenet:(\d+):(\d+) \(via (?:std\/resnet\.posenet:\d+:\d+, )?models\/small_resnet18_cmupose\.posenet:(\d+):1\)$/.exec(nodes.find((n) => n.name === "conv1")!.docString!);
    expect(doc).not.toBeNull();
    expect(readFileSync("models/std/resnet.posenet", "utf8").split("\n")[Number(doc![1]) - 1].slice(Number(doc![2]) - 1)).toMatch(/^conv1: conv 7x7/);
    expect(readFileSync("models/small_resnet18_cmupose.posenet", "utf8").split("\n")[Number(doc![3]) - 1]).toMatch(/^backbone resnet18/);
  });

  it("carries keypoints, limbs and the input normalisation in metadata_props", () => {
    const meta = Object.fromEntries(decodeModel(e.bytes).metadataProps!.map((p) => [p.key, JSON.parse(p.value!)]));
    expect(meta["posec.keypoints"].joints).toEqual(coco18.openpose18_order);
    expect(meta["posec.keypoints"].heatmap_channels).toBe(19);
    expect(meta["posec.keypoints"].flip_pairs).toEqual(coco18.flip_swap_pairs_0based);
    expect(meta["posec.limbs"].map((l: { joints: string[]; from: number; to: number; paf_channels: number[] }) => [l.from, l.to, ...l.joints, ...l.paf_channels])).toEqual(
      coco18.limbs_training_order.map((l) => [...l.joints, ...l.names, ...l.paf_channels_xy]),
    );
    expect(meta["posec.normalization"]).toMatchObject({ scale: 1 / 256, shift: -0.5, channel_order: "bgr", in_graph: false });
    expect(meta["posec.outputs"]).toEqual({ heatmaps: { channels: 19, stride: [8, 8], tensor: e.ir.outputs.heatmaps }, pafs: { channels: 38, stride: [8, 8], tensor: e.ir.outputs.pafs } });
    expect(meta["posec.weights"]).toEqual({ source: "checkpoint", path: "checkpoint" });
  });

  it("--fold-bn removes every batchnorm (each follows a conv) and keeps the outputs within 1e-4", async () => {
    expect(opTypes(folded)).not.toContain("BatchNormalization");
    const names = decodeModel(folded.bytes).graph!.initializer!.map((t) => t.name!);
    expect(names.some((n) => /moving_mean|moving_variance|gamma|beta/.test(n))).toBe(false);
    for (const [h, w] of [
      [128, 128],
      [96, 160],
    ]) {
      const x = seededInput([1, 3, h, w], h + w);
      expectClose(`small_resnet18_cmupose ${h}x${w} folded vs unfolded`, await runOrt(folded.onnxPath, x, [1, 3, h, w]), await runOrt(e.onnxPath, x, [1, 3, h, w]));
    }
  });
});

describe("a backbone-only spec (models/reference/resnet18.posenet)", () => {
  it("exports its `features` at symbolic sizes (the classifier follows a global pool) and runs like the reference", async () => {
    const e = exportSpec("models/reference/resnet18.posenet");
    expect(e.outputs).toEqual(["features"]);
    const dims = decodeModel(e.bytes).graph!.input![0].type!.tensorType!.shape!.dim!;
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["N", 3, "H", "W"]);
    await ortVsTorch(e, [[64, 64], [96, 128]], false);
  });
});

describe("what cannot be exported", () => {
  const ir = compileIr("models/small_resnet18_cmupose.posenet");

  it("an op the ONNX target does not know is an error at its spec line, and nothing is written", async () => {
    const bad: Ir = { ...ir, nodes: ir.nodes.map((n) => (n.name === "relu1" ? ({ ...n, op: "swish", attrs: {} } as unknown as IrNode) : n)) };
    const r = await onnxEmitter.emit(bad, { seed: 1, flags: {} });
    expect(r.files).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: "PN4101", severity: "error", span: ir.nodes.find((n) => n.name === "relu1")!.span });
    expect(r.diagnostics[0].message).toContain("`relu1`: unknown op `swish`");
  });

  it("a missing or misshapen weight is an error naming the tensor", () => {
    const w = initialWeights(modelParams(ir), 1);
    w.delete("conv1/kernel");
    w.set("bn1/gamma", { shape: [3], data: new Float32Array(3) });
    const r = buildOnnx(ir, w, { allStages: false, foldBn: false, weights: { kind: "initial", seed: 1 } });
    expect(r.bytes).toBeUndefined();
    const gamma = modelParams(ir).find((p) => p.name === "bn1/gamma")!.shape;
    expect(r.diagnostics.map((d) => d.message)).toEqual(["the weight `conv1/kernel` is missing", `the weight \`bn1/gamma\` has shape [3], expected [${gamma.join(", ")}]`]);
  });

  it("a spec with errors produces no IR to export", () => {
    expect(compileFile("test/fixtures/invalid/stride_mismatch_backbone_cut.posenet").ir).toBeUndefined();
  });
});
