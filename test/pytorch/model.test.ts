// The generated model.py of every zoo spec (and of a fixture with every IR op): it builds, counts the
// parameters `posec inspect` counts (trainable + BN running statistics), and with the same weights its
// outputs (every stage's PAFs and heatmaps) equal the tfjs model of runtime/model/build.ts on a seeded
// input (reference: tfjs, wasm backend, channels-last; the generated model runs NCHW in PyTorch).
// interchange.test.ts checks the same against ONNX Runtime, including grouped convolutions.
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ir } from "../../core/ir/types.js";
import { inspectReport } from "../../compiler/report/inspect.js";
import { inferShapes } from "../../core/shapes.js";
import { modelParams, type WeightSet } from "../../core/params/index.js";
import { buildModel } from "../../runtime/model/build.js";
import { Rng } from "../../runtime/util/rng.js";
import { ZOO } from "../helpers.js";
import { compileIr, maxAbs, maxAbsDiff, nhwcToNchw, pythonJson, readFloats, tempDir, writeFloats, writePackage, writeTfjsWeights } from "./helpers.js";

/** Test weights that keep activations near unit scale through deep stacks (He, drawn uniformly), with
 * non-trivial biases and BN statistics, so that a wrong layout or a swapped statistic shows. */
function testWeights(ir: Ir, seed: number): WeightSet {
  let x = seed >>> 0 || 1;
  const uniform = (lo: number, hi: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return lo + ((x >>> 0) / 4294967296) * (hi - lo);
  };
  const out: WeightSet = new Map();
  for (const s of modelParams(ir)) {
    const data = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    const [lo, hi] = {
      kernel: [-1, 1].map((v) => v * Math.sqrt(6 / s.fans.in)),
      bias: [-0.1, 0.1],
      beta: [-0.1, 0.1],
      moving_mean: [-0.1, 0.1],
      gamma: [0.6, 1.4],
      moving_variance: [0.6, 1.4],
      alpha: [0.1, 0.4],
    }[s.role];
    for (let i = 0; i < data.length; i++) data[i] = uniform(lo, hi);
    out.set(s.name, { shape: s.shape, data });
  }
  return out;
}

/** input sizes: the big models at 48x48 (6x6 label grid) and one image, to keep the test fast; the
 * op fixture at its own size (its dense layers fix it) */
const sizeOf = (ir: Ir) =>
  ir.model.name === "every_op" ? { H: 23, W: 29, BATCH: 3 } : ir.model.name.startsWith("small") ? { H: 64, W: 64, BATCH: 2 } : { H: 48, W: 48, BATCH: 1 };
const tmp = tempDir("torch-model");
afterAll(() => tmp.remove());
beforeAll(async () => {
  // wasm (one thread: test files run side by side) is several times faster than tfjs's cpu backend
  const { selectBackend } = await import("../../runtime/backends/select.js");
  await selectBackend({ prefer: "wasm", threads: 1 });
}, 60_000);

describe.each([...ZOO, "test/pytorch/fixtures/every_op.posenet"])("generated model.py of %s", (spec) => {
  const ir = compileIr(spec);
  const name = ir.model.name;
  const pkg = join(tmp.dir, name);
  const { H, W, BATCH } = sizeOf(ir);

  it(
    "counts posec inspect's parameters and equals the tfjs model within 1e-4",
    async () => {
      writePackage(ir, pkg);
      const weights = testWeights(ir, 11);
      const modelJson = writeTfjsWeights(weights, join(pkg, "weights"));
      const rng = new Rng(3);
      const x = Float32Array.from({ length: BATCH * H * W * 3 }, () => rng.uniform(-0.5, 0.5));
      writeFloats(join(pkg, "x.bin"), nhwcToNchw(x, [BATCH, H, W, 3]));

      const built = buildModel(ir, weights, [H, W]);
      const refs = tf.tidy(() => {
        const ys = [built.model.predict(tf.tensor4d(x, [BATCH, H, W, 3])) as tf.Tensor | tf.Tensor[]].flat();
        return ys.map((y) => ({ shape: y.shape, data: nhwcToNchw(y.dataSync() as Float32Array, y.shape) }));
      });
      built.model.dispose();

      const got = pythonJson<{ params: number; buffers: number; outputs: string[] }>(
        `
import json
import numpy as np
import torch
from model import Model, load_posec_weights, read_tfjs_weights
torch.set_num_threads(2)
m = Model()
params = sum(p.numel() for p in m.parameters())
buffers = sum(b.numel() for k, b in m.named_buffers() if not k.endswith("num_batches_tracked"))
load_posec_weights(m, read_tfjs_weights("weights/model.json"))
m.eval()
x = torch.from_numpy(np.fromfile("x.bin", dtype="<f4").reshape(${BATCH}, 3, ${H}, ${W}))
with torch.no_grad():
    out = m(x)
if isinstance(out, torch.Tensor):
    outs = [out]
else:
    # every stage's pafs then heatmaps, leaving out what a stage does not produce (the runtime's order)
    outs = [t for pair in out.stages for t in pair if t is not None]
    last = lambda i: next((pair[i] for pair in reversed(out.stages) if pair[i] is not None), None)
    assert out.pafs is last(0) and out.heatmaps is last(1)
files = []
for i, t in enumerate(outs):
    files.append(f"out{i}.bin")
    t.numpy().astype("<f4").tofile(files[-1])
print(json.dumps({"params": params, "buffers": buffers, "outputs": files}))
`,
        pkg,
        { timeout: 180_000 },
      );

      const report = inspectReport(ir, inferShapes(ir, ir.input.height, ir.input.width).report!);
      expect(got.params + got.buffers).toBe(report.params.total);
      expect(got.buffers).toBe(report.params.nonTrainable);
      expect(got.outputs.length).toBe(refs.length);
      const diffs = refs.map((r, i) => maxAbsDiff(readFloats(join(pkg, got.outputs[i])), r.data));
      const scale = Math.max(...refs.map((r) => maxAbs(r.data)));
      console.log(`${name}: ${got.params + got.buffers} parameters; max |torch - tfjs| over ${refs.length} outputs = ${Math.max(...diffs).toExponential(2)} (outputs up to ${scale.toFixed(2)})`);
      expect(scale).toBeGreaterThan(0.05); // the comparison is not between near-zero maps
      for (const d of diffs) expect(d).toBeLessThan(1e-4);
    },
    300_000,
  );
});
