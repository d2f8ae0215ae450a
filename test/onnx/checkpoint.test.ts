// Checkpoints in the trainer's tfjs format read without tfjs (runtime/checkpoint/read.ts), the checker
// that names mismatching tensors, and the two commands: `posec export` (trained weights) and
// `posec build --target onnx` (seeded initial weights, byte-identical from run to run).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnnx, decodeModel } from "../../compiler/emit/onnx/index.js";
import { modelParams, type WeightSet } from "../../core/params/index.js";
import { describeMismatch, matchWeights, readCheckpointWeights } from "../../runtime/checkpoint/read.js";
import { posec } from "../cli/run.js";
import { posecErrorOf, REPO } from "../helpers.js";
import { compileIr, maxAbsDiff, perturbedWeights, runOrt, runTorchRef, seededInput, tempDir, writeCheckpoint, removeTempDirs } from "./helpers.js";
import { serializeIr } from "../../compiler/emit/ir.js";
import { onnxOutputs } from "../../compiler/emit/onnx/index.js";

afterAll(removeTempDirs);

const SMALL = "models/small_resnet18_cmupose.posenet";
const ir = compileIr(SMALL);
const specs = modelParams(ir);


describe("readCheckpointWeights", () => {
  let weights: WeightSet;
  let dir: string;
  beforeAll(() => {
    weights = perturbedWeights(specs, 4);
    dir = join(tempDir("ckpt"), "ok");
    writeCheckpoint(dir, weights);
  });

  it("reads back every tensor, in manifest order, bit for bit", () => {
    const back = readCheckpointWeights(dir);
    expect([...back.keys()]).toEqual([...weights.keys()]);
    for (const [name, t] of weights) {
      expect(back.get(name)!.shape, name).toEqual(t.shape);
      expect(Buffer.from(back.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
    }
    expect(matchWeights(specs, back).ok).toBe(true);
  });

  it("reads a group split over several files, concatenated in order", () => {
    const split = join(tempDir("ckpt"), "split");
    mkdirSync(split);
    const bytes = readFileSync(join(dir, "weights.bin"));
    writeFileSync(join(split, "group1-shard1of2.bin"), bytes.subarray(0, 1001));
    writeFileSync(join(split, "group1-shard2of2.bin"), bytes.subarray(1001));
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    json.weightsManifest[0].paths = ["group1-shard1of2.bin", "group1-shard2of2.bin"];
    writeFileSync(join(split, "model.json"), JSON.stringify(json));
    const back = readCheckpointWeights(split);
    expect(maxAbsDiff(back.get("stage3_paf_conv1/kernel")!.data, weights.get("stage3_paf_conv1/kernel")!.data)).toBe(0);
  });

  /** A copy of the good checkpoint with model.json or weights.bin changed. */
  function broken(name: string, edit: (json: { weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[] }) => unknown, bin?: (b: Buffer) => Buffer): string {
    const d = join(tempDir("ckpt"), name);
    mkdirSync(d);
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    const edited = edit(json) ?? json;
    writeFileSync(join(d, "model.json"), typeof edited === "string" ? edited : JSON.stringify(edited));
    const b = readFileSync(join(dir, "weights.bin"));
    writeFileSync(join(d, "weights.bin"), bin ? bin(b) : b);
    return d;
  }

  it.each([
    ["a folder without model.json", (d: string) => join(d, "nope"), /nope\/model\.json: cannot read the checkpoint \(ENOENT\)/],
    ["model.json that is not JSON", () => broken("notjson", () => "{ weightsManifest: "), /model\.json: not valid JSON/],
    ["a manifest without weightsManifest", () => broken("nomanifest", () => ({ format: "layers-model" })), /model\.json: the document must have required property 'weightsManifest'/],
    ["a weight that is not float32", () => broken("int32", (j) => void (j.weightsManifest[0].weights[2].dtype = "int32")), /model\.json: weightsManifest\.0\.weights\.2\.dtype is "int32", but posec reads float32 weights only/],
    ["a quantized weight", () => broken("quant", (j) => void (j.weightsManifest[0].weights[0].quantization = { dtype: "uint8" })), /weight `conv1\/kernel` is quantized/],
    ["a weights file that is too short", () => broken("short", () => undefined, (b) => b.subarray(0, b.length - 8)), /weights\.bin: holds \d+ bytes, but the manifest in .*model\.json lists \d+ \(\d+ float32 tensors\)/],
    ["a weights path outside the folder", () => broken("escape", (j) => void (j.weightsManifest[0].paths = ["../ok/weights.bin"])), /paths names `\.\.\/ok\/weights\.bin`, outside the checkpoint folder/],
    ["a missing weights file", () => broken("nofile", (j) => void (j.weightsManifest[0].paths = ["other.bin"])), /other\.bin: cannot read the weights file listed in .*model\.json \(ENOENT\)/],
    ["a name listed twice", () => broken("twice", (j) => void (j.weightsManifest[0].weights[1].name = j.weightsManifest[0].weights[0].name)), /weight `conv1\/kernel` appears twice/],
  ])("refuses %s with a PosecError naming the file", (_, make, message) => {
    const e = posecErrorOf(() => readCheckpointWeights(make(dir)));
    expect(e.code).toBe("PN5301");
    expect(e.message).toMatch(message);
  });

  it("brings tfjs's depthwise kernels and shared PReLU alphas back to posec's names and shapes", () => {
    const d = join(tempDir("ckpt"), "tfjs-names");
    const k = Float32Array.from({ length: 3 * 3 * 4 * 2 }, (_, i) => i);
    const a = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const tfjs: WeightSet = new Map([
      ["dw/depthwise_kernel", { shape: [3, 3, 4, 2], data: k }],
      ["act/alpha", { shape: [1, 1, 4], data: a }],
    ]);
    writeCheckpoint(d, tfjs);
    const back = readCheckpointWeights(d);
    expect([...back.keys()]).toEqual(["dw/kernel", "act/alpha"]);
    expect(back.get("dw/kernel")!.shape).toEqual([3, 3, 1, 8]);
    expect([...back.get("dw/kernel")!.data]).toEqual([...k]);
    expect(back.get("act/alpha")!.shape).toEqual([4]);
  });

  it("reads what tfjs itself saves (LayersModel.save, as the trainer does) as posec's weights", async () => {
    const d = tempDir("tfjs-save");
    const spec = join(d, "net.posenet");
    writeFileSync(spec, ["posenet 1", "model tfjs_saved", "input image 8x8x4 scale=1 shift=0 order=rgb", "backbone {", "  conv 3x3 4 groups=4; bn; prelu", "  conv 1x1 6 relu", "  dense 3", "}", ""].join("\n"));
    const net = compileIr(spec);
    const w = perturbedWeights(modelParams(net), 8);
    const tf = await import("@tensorflow/tfjs");
    await tf.setBackend("cpu");
    const { buildModel } = await import("../../runtime/model/build.js");
    const built = buildModel(net, w);
    let artifacts: import("@tensorflow/tfjs").io.ModelArtifacts | undefined;
    await built.model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" as const } })));
    mkdirSync(join(d, "ckpt"));
    writeFileSync(join(d, "ckpt", "model.json"), JSON.stringify({ format: "layers-model", modelTopology: artifacts!.modelTopology, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts!.weightSpecs }] }));
    writeFileSync(join(d, "ckpt", "weights.bin"), new Uint8Array(artifacts!.weightData as ArrayBuffer));
    built.model.dispose();
    const back = readCheckpointWeights(join(d, "ckpt"));
    expect(matchWeights(modelParams(net), back)).toMatchObject({ ok: true });
    for (const [name, t] of w) expect(maxAbsDiff(back.get(name)!.data, t.data), name).toBe(0);
  });

  it("matchWeights names missing, extra and misshapen tensors", () => {
    const w: WeightSet = new Map(weights);
    w.delete("conv1/kernel");
    w.set("stage9_paf_conv1/bias", { shape: [4], data: new Float32Array(4) });
    w.set("bn1/gamma", { shape: [7], data: new Float32Array(7) });
    const m = matchWeights(specs, w);
    expect(m.ok).toBe(false);
    expect(m.missing.map((x) => x.name)).toEqual(["conv1/kernel"]);
    expect(m.extra.map((x) => x.name)).toEqual(["stage9_paf_conv1/bias"]);
    expect(m.wrongShape).toEqual([{ name: "bn1/gamma", expected: specs.find((s) => s.name === "bn1/gamma")!.shape, actual: [7] }]);
    expect(describeMismatch(m)).toMatch(/^wrong shape: `bn1\/gamma` is \[7\], the spec needs \[\d+\]; missing: `conv1\/kernel` \[7, 7, 3, \d+\]; not in the spec: `stage9_paf_conv1\/bias` \[4\]$/);
  });
});

describe("posec export", () => {
  let dir: string;
  let weights: WeightSet;
  beforeAll(() => {
    dir = tempDir("export");
    weights = perturbedWeights(specs, 6);
    writeCheckpoint(join(dir, "ckpt"), weights);
  });

  it("writes the checkpoint's weights: ONNX Runtime equals the PyTorch reference on the same checkpoint", async () => {
    const out = join(dir, "model.onnx");
    const r = posec(["export", SMALL, "--checkpoint", join(dir, "ckpt"), "--out", out, "--all-stages"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}`);
    const m = decodeModel(readFileSync(out));
    expect(m.graph!.output!.map((o) => o.name)).toEqual(["heatmaps", "pafs", "stage1_heatmaps", "stage1_pafs", "stage2_heatmaps", "stage2_pafs", "stage3_heatmaps", "stage3_pafs"]);
    expect(JSON.parse(m.metadataProps!.find((p) => p.key === "posec.weights")!.value!)).toEqual({ source: "checkpoint", path: relative(REPO, join(dir, "ckpt")) });
    // the same bytes as exporting the in-memory weights: the checkpoint was read back bit for bit
    const direct = buildOnnx(ir, weights, { allStages: true, foldBn: false, weights: { kind: "checkpoint", path: relative(REPO, join(dir, "ckpt")) } });
    expect(Buffer.from(direct.bytes!).equals(readFileSync(out))).toBe(true);
    const irPath = join(dir, "model.ir.json");
    writeFileSync(irPath, serializeIr(ir));
    const x = seededInput([1, 3, 96, 128], 2);
    const ref = runTorchRef({ irPath, checkpoint: join(dir, "ckpt"), dir }, { outputs: onnxOutputs(ir, true), inputs: [{ data: x, shape: [1, 3, 96, 128] }] });
    const ort = await runOrt(out, x, [1, 3, 96, 128]);
    for (const [name, o] of ort) expect(maxAbsDiff(o.data, ref.outputs[0].get(name)!.data), name).toBeLessThan(1e-4);
  });

  it("refuses a checkpoint that does not fit the spec, naming the tensor, and writes nothing", () => {
    const bad = join(dir, "bad");
    const w: WeightSet = new Map(weights);
    const k = w.get("stage2_heatmap_conv1/kernel")!;
    w.set("stage2_heatmap_conv1/kernel", { shape: [k.shape[0], k.shape[1], k.shape[2] - 1, k.shape[3]], data: k.data.subarray(0, (k.data.length / k.shape[2]) * (k.shape[2] - 1)) });
    writeCheckpoint(bad, w);
    const out = join(dir, "refused", "model.onnx");
    const r = posec(["export", SMALL, "--checkpoint", bad, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^posec: error PN5302: checkpoint .*bad does not fit models\/small_resnet18_cmupose\.posenet: wrong shape: `stage2_heatmap_conv1\/kernel` is \[3, 3, \d+, \d+\], the spec needs \[3, 3, \d+, \d+\]/);
    expect(existsSync(join(dir, "refused"))).toBe(false);
  });

  it("without a spec, takes the network from the IR the trainer saves beside the weights", () => {
    writeFileSync(join(dir, "ckpt", "model.ir.json"), serializeIr(ir));
    const out = join(dir, "from-ir.onnx");
    const r = posec(["export", "--checkpoint", join(dir, "ckpt"), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const direct = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: relative(REPO, join(dir, "ckpt")) } });
    expect(Buffer.from(direct.bytes!).equals(readFileSync(out))).toBe(true);
    // the checkpoint's model.json stands for its folder (the generated programs' READMEs name it)
    const viaJson = join(dir, "via-model-json.onnx");
    expect(posec(["export", "--checkpoint", join(dir, "ckpt", "model.json"), "--out", viaJson]).code).toBe(0);
    expect(readFileSync(viaJson).equals(readFileSync(out))).toBe(true);
  });

  it("refuses a missing checkpoint folder by name, and needs --checkpoint", () => {
    const r = posec(["export", SMALL, "--checkpoint", join(dir, "nowhere"), "--out", join(dir, "x.onnx")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`posec: error PN5301: --checkpoint ${join(dir, "nowhere")}: no such file or folder`);
    expect(existsSync(join(dir, "x.onnx"))).toBe(false);
    expect(posec(["export", SMALL]).code).toBe(2);
    writeFileSync(join(dir, "state.pt"), "not read: the spec is missing");
    const noSpec = posec(["export", "--checkpoint", join(dir, "state.pt")]);
    expect(noSpec.code).toBe(2);
    expect(noSpec.stderr).toContain("give the spec");
  });
});

describe("posec build --target onnx", () => {
  it("writes model.onnx with seeded weights, byte-identical when built twice; another seed changes it", () => {
    const dir = tempDir("build");
    const builds = ["a", "b"].map((d) => {
      const r = posec(["build", SMALL, "--target", "onnx,ir", "--out", join(dir, d)]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(join(dir, d, "onnx", "model.onnx"));
    });
    expect(builds[0].equals(builds[1])).toBe(true);
    // several targets: one folder each
    expect(readdirSync(join(dir, "a")).sort()).toEqual(["ir", "onnx"]);
    expect(readdirSync(join(dir, "a", "ir"))).toEqual(["model.ir.json"]);
    const seeded = posec(["build", SMALL, "--target", "onnx", "--seed", "2", "--out", join(dir, "c")]);
    expect(seeded.code).toBe(0);
    expect(readFileSync(join(dir, "c", "model.onnx")).equals(builds[0])).toBe(false);
    const meta = decodeModel(builds[0]).metadataProps!.find((p) => p.key === "posec.weights")!.value!;
    expect(JSON.parse(meta)).toEqual({ source: "initial", seed: 1 });
  });

  it("passes --fold-bn and --all-stages through", () => {
    const dir = tempDir("build-flags");
    const r = posec(["build", SMALL, "--target", "onnx", "--fold-bn", "--all-stages", "--out", dir]);
    expect(r.code, r.stderr).toBe(0);
    const m = decodeModel(readFileSync(join(dir, "model.onnx")));
    expect(m.graph!.node!.some((n) => n.opType === "BatchNormalization")).toBe(false);
    expect(m.graph!.output).toHaveLength(8);
  });
});
