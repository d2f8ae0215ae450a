// PyTorch -> ONNX without Python at export time, the way `posec export` does it with a state dict:
// a model trained (here: perturbed) in the generated PyTorch program is saved with torch.save, read by
// readTorchStateDict, mapped by torchToPosecWeights, written by the ONNX emitter and run by ONNX Runtime;
// every stage's outputs equal the PyTorch model's on the same input.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import { readTorchStateDict, torchToPosecWeights } from "../../runtime/checkpoint/torch.js";
import { Rng } from "../../runtime/util/rng.js";
import { posec } from "../cli/run.js";
import { compileIr, maxAbs, maxAbsDiff, python, readFloats, tempDir, writeFloats, writePackage } from "./helpers.js";

const tmp = tempDir("torch-onnx");
afterAll(() => tmp.remove());

describe.each([
  ["models/small_resnet18_cmupose.posenet", 64, 64],
  ["test/pytorch/fixtures/every_op.posenet", 23, 29],
  ["test/pytorch/fixtures/grouped.posenet", 20, 24],
])("a PyTorch state dict of %s exported to ONNX", (spec, H, W) => {
  it("runs in ONNX Runtime with the PyTorch model's outputs (plain and with BN folded)", async () => {
    const ir = compileIr(spec);
    const pkg = writePackage(ir, join(tmp.dir, ir.model.name));
    const rng = new Rng(8);
    const x = Float32Array.from({ length: 2 * 3 * H * W }, () => rng.uniform(-0.5, 0.5));
    writeFloats(join(pkg, "x.bin"), x);
    const names = python(
      `
import numpy as np
import torch
from model import Model
torch.manual_seed(0)
m = Model(seed=5)
with torch.no_grad():  # as if trained: non-trivial biases and BN statistics
    for name, t in m.state_dict().items():
        if name.endswith(("bias", "running_mean")):
            t.uniform_(-0.1, 0.1)
        elif name.endswith(("running_var", "bn1.weight")):
            t.uniform_(0.6, 1.4)
m.eval()
with open("model.pt", "wb") as f:
    torch.save(m.state_dict(), f)
x = torch.from_numpy(np.fromfile("x.bin", dtype="<f4").reshape(2, 3, ${H}, ${W}))
with torch.no_grad():
    out = m(x)
outs = [out] if isinstance(out, torch.Tensor) else [t for s in out.stages for t in s]
for i, t in enumerate(outs):
    t.numpy().astype("<f4").tofile(f"out{i}.bin")
print(len(outs))
`,
      pkg,
    );
    const weights = torchToPosecWeights(readTorchStateDict(join(pkg, "model.pt")), ir, "model.pt");
    // the same through the command line: posec export SPEC --checkpoint model.pt
    const cli = posec(["export", spec, "--checkpoint", join(pkg, "model.pt"), "--out", join(pkg, "cli.onnx")]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(existsSync(join(pkg, "cli.onnx"))).toBe(true);
    const ort = await import("onnxruntime-node");
    for (const foldBn of [false, true]) {
      const built = buildOnnx(ir, weights, { allStages: true, foldBn, weights: { kind: "checkpoint", path: "model.pt" } });
      expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const onnxPath = join(pkg, `model-${foldBn}.onnx`);
      writeFileSync(onnxPath, built.bytes!);
      const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
      const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x, [2, 3, H, W]) });
      await session.release();
      // PyTorch's order: stage 1 pafs, stage 1 heatmaps, ...; ONNX names them stage<N>_pafs / _heatmaps
      const wanted = ir.stages ? ir.stages.outputs.flatMap((s) => [`stage${s.stage}_pafs`, `stage${s.stage}_heatmaps`]) : [built.outputs[0]];
      expect(wanted.length).toBe(Number(names.trim()));
      const diffs = wanted.map((name, i) => maxAbsDiff(result[name].data as Float32Array, readFloats(join(pkg, `out${i}.bin`))));
      const scale = Math.max(...wanted.map((_, i) => maxAbs(readFloats(join(pkg, `out${i}.bin`)))));
      console.log(`${ir.model.name} torch.save -> ONNX (foldBn ${foldBn}): max |ORT - PyTorch| = ${Math.max(...diffs).toExponential(2)} (outputs up to ${scale.toFixed(3)})`);
      expect(scale).toBeGreaterThan(1e-3);
      for (const d of diffs) expect(d).toBeLessThan(1e-4 * Math.max(1, scale));
    }
  }, 120_000);
});
