// ONNX initializers as a weights source (runtime/weights/onnx.ts, map-onnx.ts).
// - posec's own export of test/onnx/fixtures/every_op.posenet (every op with weights: conv with and without
//   bias, grouped and depthwise, bn, prelu, a dense layer after a 6x4 map and one after another dense)
//   imported back: every tensor loaded bit for bit, and PyTorch running the IR on the imported weights
//   (test/onnx/torch_ref.py, float64) computes what ONNX Runtime computes on the file; and through the
//   CLI on a tiny pose spec: `import --strict`, `export --weights`, `train --init-from`.
// - a foreign ONNX written by torch.onnx.export from a PyTorch network whose attributes are the spec's
//   labels (test/weights/onnx_torch_ref.py): posec on the imported weights equals PyTorch's own output.
// - the refusals: a tensor of another shape (PN5311 naming the file's tensor and the spec's, with the
//   spec line), a model whose batch norms the exporter folded into the kernels (posec --fold-bn, torch's
//   eval-mode export).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx, onnxOutputs } from "../../compiler/emit/onnx/index.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { startingWeights } from "../../runtime/weights/start.js";
import { torchScopePath } from "../../runtime/weights/map-onnx.js";
import { posec } from "../cli/run.js";
import { compileText, posecErrorOfAsync } from "../helpers.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { exportSpec, maxAbs, maxAbsDiff, PYTHON, removeTempDirs, runOrt, runTfjs, runTorchRef, seededInput, tempDir, writeCheckpoint } from "../onnx/helpers.js";
import { tinyPoseSpec } from "./tiny-pose.js";

afterAll(removeTempDirs);


const POSE_SPEC = tinyPoseSpec({
  model: "tiny_onnx",
  backbone: ["conv1: conv 3x3 8; bn1: bn; prelu", "pool1: maxpool 2x2 stride=2", "conv2: conv 3x3 8 relu", "pool2: maxpool 2x2 stride=2", "conv3: conv 3x3 8 relu", "pool3: maxpool 2x2 stride=2"],
  trainLast: "checkpoint every=1",
});

const readFloats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe("posec's own ONNX export as a weights source", () => {
  const e = exportSpec("test/onnx/fixtures/every_op.posenet", {}, 11);

  it("loads every initializer back bit for bit; PyTorch on the imported weights computes what ONNX Runtime computes on the file", async () => {
    const { weights, report } = await loadForeignWeights(e.onnxPath, e.ir, 1);
    expect(report.format).toMatch(/^ONNX initializers \(posec names\)/);
    expect(report.counts).toEqual({ loaded: e.specs.length, fresh: 0, ignored: 0 });
    const bytes = (t: Float32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    for (const s of e.specs) {
      const got = weights.get(s.name)!;
      expect(got.shape, s.name).toEqual(s.shape);
      expect(bytes(got.data).equals(bytes(e.weights.get(s.name)!.data)), s.name).toBe(true);
    }
    // the reference runs the IR in PyTorch (float64, test/onnx/torch_ref.py) on the imported weights
    const imported = join(e.dir, "imported-checkpoint");
    writeCheckpoint(imported, weights);
    const shape = [1, 3, 23, 29];
    const input = seededInput(shape, 5);
    const outputs = onnxOutputs(e.ir, false);
    const torch = runTorchRef({ irPath: e.irPath, checkpoint: imported, dir: e.dir }, { outputs, inputs: [{ data: input, shape }] }).outputs[0];
    const ort = await runOrt(e.onnxPath, input, shape);
    for (const [name] of outputs) {
      const scale = maxAbs(ort.get(name)!.data);
      const diff = maxAbsDiff(torch.get(name)!.data, ort.get(name)!.data);
      console.log(`every_op via ONNX import: ${name} max |diff| ${diff.toExponential(2)} (max |value| ${scale.toExponential(2)})`);
      expect(scale).toBeGreaterThan(1e-2);
      expect(diff).toBeLessThanOrEqual(1e-4 * scale);
    }
  }, 120_000);

  it("a tensor of another shape is PN5311 naming the file's tensor, the spec's tensor and its line", async () => {
    const text = readFileSync("test/onnx/fixtures/every_op.posenet", "utf8").replace("logits: dense 5", "logits: dense 6");
    const ir = compileText(e.dir, text, "every_op_wider");
    const err = await posecErrorOfAsync(() => loadForeignWeights(e.onnxPath, ir, 1));
    expect(err.code).toBe("PN5311");
    expect(err.message).toMatch(/logits\/kernel in .*model\.onnx is \[5, 10\] \(\(out, in\), in flattened C,H,W, \[10, 5\] in posec's layout\), but `logits\/kernel` at .*every_op_wider\.posenet:\d+:\d+ needs \[10, 6\]/);
  });

  it("a truncated file is PN5310 naming it", async () => {
    const whole = readFileSync(e.onnxPath);
    const cut = join(e.dir, "cut.onnx");
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const err = await posecErrorOfAsync(() => loadForeignWeights(cut, e.ir, 1));
    expect(err.code).toBe("PN5310");
    expect(err.message).toMatch(/cut\.onnx: not a readable ONNX model/);
  });

  it("an export with --fold-bn is refused: its batch norms cannot be taken back out of the kernels", async () => {
    const built = buildOnnx(e.ir, e.weights, { allStages: false, foldBn: true, weights: { kind: "initial", seed: 11 } });
    const folded = join(e.dir, "folded.onnx");
    writeFileSync(folded, built.bytes!);
    const err = await posecErrorOfAsync(() => loadForeignWeights(folded, e.ir, 1));
    expect(err.code).toBe("PN5311");
    expect(err.message).toMatch(/folded into the convolutions \(posec export --fold-bn\)/);
  });

  it("posec import, export --weights and train --init-from take an .onnx file", () => {
    const dir = tempDir("onnx-cli");
    const spec = join(dir, "tiny_onnx.posenet");
    writeFileSync(spec, POSE_SPEC);
    const ir = compileText(dir, POSE_SPEC, "tiny_onnx");
    const onnx = join(dir, "tiny.onnx");
    writeFileSync(onnx, buildOnnx(ir, initialWeights(modelParams(ir), 21), { allStages: false, foldBn: false, weights: { kind: "initial", seed: 21 } }).bytes!);
    const n = modelParams(ir).length;
    const r = posec(["import", spec, onnx, "--out", join(dir, "imported"), "--strict"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`\\(ONNX initializers \\(posec names\\).*\\) -> tiny_onnx: ${n} tensors loaded, 0 initialised fresh, 0 ignored`));
    expect(JSON.parse(readFileSync(join(dir, "imported", "import-report.json"), "utf8")).counts.loaded).toBe(n);
    const x = posec(["export", spec, "--weights", onnx, "--strict", "--out", join(dir, "again.onnx")]);
    expect(x.code, x.stderr).toBe(0);
    const t = posec(["train", spec, "--init-from", onnx, "--out", join(dir, "run"), "--steps", "1", "--backend", "cpu"], { timeout: 300_000 });
    expect(t.code, t.stderr).toBe(0);
    const saved = JSON.parse(readFileSync(join(dir, "run", "weights-report.json"), "utf8"));
    expect(saved.sources[0].report.counts).toEqual({ loaded: n, fresh: 0, ignored: 0 });
  }, 400_000);

  it("`init from \"model.onnx\"` in a spec starts training from the file", async () => {
    const dir = tempDir("onnx-init-from");
    const ir = compileText(dir, POSE_SPEC, "tiny_onnx");
    const file = initialWeights(modelParams(ir), 21);
    writeFileSync(join(dir, "start.onnx"), buildOnnx(ir, file, { allStages: false, foldBn: false, weights: { kind: "initial", seed: 21 } }).bytes!);
    const withSource = compileText(dir, POSE_SPEC.replace("keypoints coco18\n", 'keypoints coco18\ninit from "start.onnx"\n'), "tiny_onnx_init");
    expect(withSource.weightSources?.map((w) => w.scope)).toEqual(["model"]);
    const { weights, loads } = await startingWeights(withSource, withSource.weightSources!, 1, join(dir, "run"), () => {});
    expect(loads[0].report.counts).toEqual({ loaded: modelParams(ir).length, fresh: 0, ignored: 0 });
    for (const [name, t] of file) expect(Array.from(weights.get(name)!.data), name).toEqual(Array.from(t.data));
  });
});

describe("a foreign ONNX model (torch.onnx.export) whose names are the spec's labels", () => {
  const SPEC = (fused: boolean) => `posenet 1
model torch_net
input image 16x16x3
init normal std=0.3
backbone {
  ${fused ? "conv1: conv 3x3 8; bn1: bn; relu" : "conv1: conv 3x3 8 relu\n  bn1: bn"}
  dw: conv 3x3 8 groups=8 bias=false
  act: prelu
  pool: maxpool 2x2 stride=2
  fc: dense 5
}
`;

  it("loads every tensor (PyTorch keys, a PReLU slope by its node's scope) and equals PyTorch's output", async () => {
    const dir = tempDir("torch-onnx");
    execFileSync(PYTHON, [join(import.meta.dirname, "onnx_torch_ref.py"), dir, "relu-between", "7"]);
    const ir = compileText(dir, SPEC(false), "torch_net");
    const { weights, report } = await loadForeignWeights(join(dir, "model.onnx"), ir, 1);
    expect(report.counts).toEqual({ loaded: 10, fresh: 0, ignored: 0 });
    expect(report.format).toMatch(/PyTorch keys/);
    expect(report.entries.find((x) => x.tensor === "act/alpha")).toMatchObject({ status: "loaded", source: expect.stringMatching(/^onnx::PRelu/) });
    const input = readFloats(join(dir, "input.bin"));
    const want = readFloats(join(dir, "output.bin"));
    const got = (await runTfjs(ir, weights, input, [1, 3, 16, 16], onnxOutputs(ir, false))).values().next().value!.data;
    const diff = maxAbsDiff(got, want);
    console.log(`torch.onnx.export -> posec: max |diff| ${diff.toExponential(2)} (max |value| ${maxAbs(want).toExponential(2)})`);
    expect(maxAbs(want)).toBeGreaterThan(1e-2);
    expect(diff).toBeLessThanOrEqual(1e-4 * maxAbs(want));
  }, 120_000);

  it("an eval-mode export that folded bn1 into conv1 is refused, naming both", async () => {
    const dir = tempDir("torch-onnx-fused");
    execFileSync(PYTHON, [join(import.meta.dirname, "onnx_torch_ref.py"), dir, "fused", "8"]);
    const ir = compileText(dir, SPEC(true), "torch_net_fused");
    const err = await posecErrorOfAsync(() => loadForeignWeights(join(dir, "model.onnx"), ir, 1));
    expect(err.code).toBe("PN5311");
    expect(err.message).toMatch(/folded into the kernels .*`bn1` \(.*torch_net_fused\.posenet:\d+:\d+\) into `conv1`/);
  }, 60_000);

  it("reads torch's node scopes as module paths", () => {
    expect(torchScopePath("/blk/c/c.0/Conv")).toBe("blk.c.0");
    expect(torchScopePath("/act/PRelu")).toBe("act");
    expect(torchScopePath("/Relu")).toBeNull();
    expect(torchScopePath("conv1")).toBeNull();
  });
});
