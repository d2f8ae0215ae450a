// `--init-from FILE` in the generated programs (one option of core/train-options.ts, offered by all three
// trainers):
// - PyTorch train.py: a state dict of the generated model (written here by PyTorch itself: the model's own
//   seeded weights, perturbed) loaded by key; after one step at lr 1e-30 the saved model.pt's convolution
//   weights are the file's; the report (loaded / missing / unexpected keys) is printed and saved; a tensor
//   of another shape is refused naming the key and both shapes.
// - tfjs train.ts: any weights source posec's runtime reads (here an ONNX export with seeded weights),
//   through `startingWeights` of the runtime package: the checkpoint after one step at lr 1e-30 holds the
//   file's kernels, weights-report.json lists every tensor loaded.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import type { Ir, PoseIr } from "../../core/ir/types.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { readCheckpointWeights } from "../../runtime/checkpoint/read.js";
import { synthesizeDataset } from "../../runtime/data/index.js";
import { compileText } from "../helpers.js";
import { PYTHON, python, tempDir, writePackage } from "../pytorch/helpers.js";
import { harness, run, tscBuild } from "../tfjs-codegen/helpers.js";
import { emitTfjs } from "../../compiler/emit/tfjs/index.js";
import { tinyPoseSpec } from "./tiny-pose.js";

const SPEC = tinyPoseSpec({
  model: "tiny_init",
  backbone: ["conv1: conv 3x3 8; bn1: bn; relu", "pool1: maxpool 2x2 stride=2", "conv2: conv 3x3 8 relu", "pool2: maxpool 2x2 stride=2", "conv3: conv 3x3 8 relu", "pool3: maxpool 2x2 stride=2"],
  trainLast: "seed 3",
});

const tmp = tempDir("gen-init-from");
afterAll(() => tmp.remove());
let ir: Ir;
beforeAll(() => {
  ir = compileText(tmp.dir, SPEC, "tiny_init");
});

describe("train.py --init-from (generated PyTorch program)", () => {
  it("loads a state dict of the model by key, reports it, and starts from its weights", async () => {
    const pkg = writePackage(ir, join(tmp.dir, "pkg"));
    const data = join(tmp.dir, "synth");
    await synthesizeDataset({ outDir: data, images: 4, size: 32, seed: 7 });
    // the file: the model's own seeded weights, perturbed, with one key dropped and one foreign key added
    python(
      `import torch
from model import Model
m = Model(seed=9)
torch.manual_seed(9)
sd = {k: (v + torch.randn_like(v) * 0.1) if v.is_floating_point() else v for k, v in m.state_dict().items()}
torch.save(sd, "full.pt")
partial = dict(sd)
del partial["conv2.bias"]
partial["classifier.weight"] = torch.zeros(3, 3)
torch.save({"model": partial, "step": 7}, "partial.pt")
bad = dict(sd)
bad["conv2.weight"] = torch.zeros(8, 8, 5, 5)
torch.save(bad, "bad.pt")
`,
      pkg,
    );
    const flags = ["train.py", "--data", data, "--steps", "1", "--batch", "2", "--threads", "1", "--lr", "1e-30"];
    const fullRun = run(PYTHON, [...flags, "--out", "run-full", "--init-from", "full.pt"], pkg);
    expect(fullRun.code, fullRun.stderr).toBe(0);
    const full = fullRun.stdout;
    const params = modelParams(ir).length;
    const buffers = ir.nodes.filter((n) => n.op === "bn").length; // num_batches_tracked
    expect(full).toContain(`weights from full.pt: ${params + buffers} tensors loaded, 0 missing (initialised as the spec says), 0 unexpected (ignored)`);
    const report = JSON.parse(readFileSync(join(pkg, "run-full", "weights-report.json"), "utf8"));
    expect(report.loaded).toContain("conv1.weight");
    expect(report.missing).toEqual([]);
    // after one step at lr 1e-30, every convolution weight is still the file's
    const same = python(
      `import torch
a, b = torch.load("full.pt"), torch.load("run-full/model.pt")
convs = [k for k in a if k.endswith(".weight") and a[k].dim() == 4]
print(len(convs), max(float((a[k] - b[k]).abs().max()) for k in convs))
`,
      pkg,
    ).trim();
    const [count, diff] = same.split(" ").map(Number);
    expect(count).toBe(ir.nodes.filter((n) => n.op === "conv").length);
    expect(diff).toBeLessThan(1e-12);

    const partialRun = run(PYTHON, [...flags, "--out", "run-partial", "--init-from", "partial.pt"], pkg);
    expect(partialRun.code, partialRun.stderr).toBe(0);
    const partial = partialRun.stdout;
    expect(partial).toMatch(/1 missing \(initialised as the spec says\), 1 unexpected \(ignored\)/);
    expect(partial).toContain("missing: conv2.bias");
    expect(partial).toContain("unexpected: classifier.weight");
  }, 300_000);

  it("refuses a tensor of another shape, naming the key and both shapes; --init-from with --resume is a usage error", () => {
    const pkg = join(tmp.dir, "pkg");
    const r = run(PYTHON, ["train.py", "--data", join(tmp.dir, "synth"), "--steps", "1", "--out", "run-bad", "--init-from", "bad.pt"], pkg);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("train.py: --init-from bad.pt does not fit tiny_init: conv2.weight in bad.pt is [8, 8, 5, 5], but the model's conv2.weight (Conv2d) is [8, 8, 3, 3]");
    const both = run(PYTHON, ["train.py", "--init-from", "full.pt", "--resume"], pkg);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give --init-from (start from weights) or --resume / --init, not both");
  }, 120_000);
});

describe("train.ts --init-from (generated tfjs program)", () => {
  const h = harness("gen-init-from-tfjs");
  afterAll(() => h.remove());

  it("starts from an ONNX file's weights through the runtime package, with the load report", async () => {
    const dir = join(h.dir, "tiny_init");
    const { files, diagnostics } = await emitTfjs(ir as PoseIr);
    expect(diagnostics).toEqual([]);
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.path), f.data);
    const built = tscBuild(h.dir, ["tiny_init"]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    const file = initialWeights(modelParams(ir), 21);
    const onnx = join(dir, "start.onnx");
    writeFileSync(onnx, buildOnnx(ir, file, { allStages: false, foldBn: false, weights: { kind: "initial", seed: 21 } }).bytes!);
    const flags = ["dist/train.js", "--steps", "1", "--batch", "2", "--backend", "cpu", "--lr", "1e-30", "--out", "run", "--init-from", "start.onnx"];
    const r = run(process.execPath, flags, dir);
    expect(r.code, r.stderr).toBe(0);
    const n = modelParams(ir).length;
    expect(r.stderr).toMatch(new RegExp(`weights from --init-from: start\\.onnx \\(ONNX initializers \\(posec names\\).*\\) -> tiny_init: ${n} tensors loaded, 0 initialised fresh, 0 ignored`));
    const report = JSON.parse(readFileSync(join(dir, "run", "weights-report.json"), "utf8"));
    expect(report.sources[0].report.counts).toEqual({ loaded: n, fresh: 0, ignored: 0 });
    const saved = readCheckpointWeights(join(dir, r.stdout.trim()));
    const own = initialWeights(modelParams(ir), 3);
    for (const p of modelParams(ir).filter((q) => q.role === "kernel")) {
      const got = saved.get(p.name)!.data;
      const want = file.get(p.name)!.data;
      let diff = 0;
      let fromOwn = 0;
      for (let i = 0; i < want.length; i++) (diff = Math.max(diff, Math.abs(got[i] - want[i]))), (fromOwn = Math.max(fromOwn, Math.abs(got[i] - own.get(p.name)!.data[i])));
      expect(diff, p.name).toBeLessThan(1e-12);
      expect(fromOwn, p.name).toBeGreaterThan(1e-3);
    }
    const both = run(process.execPath, ["dist/train.js", "--init-from", "start.onnx", "--resume"], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give --resume (continue a run) or --init-from (start a new one from weights), not both");
  }, 300_000);
});
