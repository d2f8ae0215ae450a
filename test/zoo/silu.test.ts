// silu, added as one entry of the op table (core/ops/silu.ts): a layer and an activation suffix, lowered to
// ONNX (Sigmoid then Mul: opset 17 has no SiLU), to tfjs (the `swish` activation) and to PyTorch (nn.SiLU).
// Each lowering is checked against a reference that shares nothing with it: the formula x / (1 + e^-x) in
// float64, PyTorch's F.silu (test/onnx/torch_ref.py, float64), and ONNX Runtime for the other two targets.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, onnxOutputs } from "../../compiler/emit/onnx/index.js";
import { compileFile } from "../helpers.js";
import { exportSpec, maxAbs, maxAbsDiff, removeTempDirs, runOrt, runTfjs, runTorchRef, seededInput, type Exported } from "../onnx/helpers.js";
import { python, readFloats, tempDir, writeFloats, writePackage } from "../pytorch/helpers.js";

const tmp = tempDir("silu");
afterAll(() => {
  removeTempDirs();
  tmp.remove();
});

const SPEC = "test/zoo/fixtures/silu.posenet";
const SIZES: [number, number][] = [
  [17, 13],
  [24, 31],
];

describe("silu", () => {
  let e: Exported;
  beforeAll(() => {
    e = exportSpec(SPEC);
  });

  it("is a layer and an activation suffix (`conv 3x3 8 silu` adds a silu node after the conv)", () => {
    const r = compileFile(SPEC);
    expect(r.diagnostics).toEqual([]);
    const nodes = r.ir!.nodes;
    expect(nodes.map((n) => n.op)).toEqual(["conv", "silu", "bn", "silu", "conv", "silu"]);
    expect(nodes[1].inputs).toEqual([nodes[0].name]);
    expect(nodes[1].name).toBe(`${nodes[0].name}_silu`);
    expect(nodes[1].attrs).toEqual({});
  });

  it("ONNX: a Sigmoid and a Mul that equal x / (1 + exp(-x)) computed in float64", async () => {
    const only = exportSpec("test/zoo/fixtures/silu_only.posenet");
    const graph = decodeModel(only.bytes).graph!;
    expect(graph.node!.map((n) => n.opType)).toEqual(["Sigmoid", "Mul"]);
    expect(graph.initializer).toEqual([]);
    const x = Float32Array.from([-20, -8, -3, -1.5, -1, -0.5, -0.25, -1e-3, 0, 1e-3, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 20, -6, -4, -2, 0.75]);
    const got = (await runOrt(only.onnxPath, x, [1, 3, 2, 4])).get("features")!;
    expect(got.dims).toEqual([1, 3, 2, 4]);
    const want = Array.from(x, (v) => v / (1 + Math.exp(-v)));
    // spot values: silu(1) = 0.7310585786, silu(-1) = -0.2689414214, silu(0) = 0
    expect(want[12]).toBeCloseTo(0.7310585786, 9);
    expect(want[4]).toBeCloseTo(-0.2689414214, 9);
    expect(maxAbsDiff(got.data, Float32Array.from(want))).toBeLessThan(2e-6);
  });

  it("ONNX Runtime equals PyTorch's F.silu (float64 reference) at two sizes", async () => {
    const inputs = SIZES.map(([h, w], i) => ({ shape: [2, 3, h, w], data: seededInput([2, 3, h, w], 30 + i) }));
    const ref = runTorchRef(e, { outputs: onnxOutputs(e.ir, false), inputs });
    for (const [i, x] of inputs.entries()) {
      const got = await runOrt(e.onnxPath, x.data, x.shape);
      for (const [name, g] of got) {
        const r = ref.outputs[i].get(name)!;
        expect(g.dims).toEqual(r.dims);
        expect(maxAbs(r.data)).toBeGreaterThan(1e-2);
        expect(maxAbsDiff(g.data, r.data), `${name} at ${x.shape.join("x")}`).toBeLessThan(1e-4);
      }
    }
  });

  it("the tfjs runtime (activation `swish`) equals ONNX Runtime within 1e-5", async () => {
    for (const [h, w] of SIZES) {
      const shape = [2, 3, h, w];
      const x = seededInput(shape, 9);
      const want = await runOrt(e.onnxPath, x, shape);
      const got = await runTfjs(e.ir, e.weights, x, shape, onnxOutputs(e.ir, false));
      for (const [name, g] of got) {
        const r = want.get(name)!;
        expect(g.dims).toEqual(r.dims);
        expect(maxAbsDiff(g.data, r.data), `${name} at ${h}x${w}`).toBeLessThan(1e-5);
      }
    }
  });

  it("the generated model.py (nn.SiLU) equals ONNX Runtime within 1e-5", async () => {
    const pkg = writePackage(e.ir, join(tmp.dir, "silu_ops"));
    const [h, w] = SIZES[1];
    const shape = [2, 3, h, w];
    const x = seededInput(shape, 5);
    writeFloats(join(pkg, "x.bin"), x);
    const out = python(
      `
import numpy as np
import torch
from model import Model, load_posec_weights, read_tfjs_weights
m = Model()
assert sum(isinstance(mod, torch.nn.SiLU) for mod in m.modules()) == 3
load_posec_weights(m, read_tfjs_weights(${JSON.stringify(join(e.checkpoint, "model.json"))}))
m.eval()
with torch.no_grad():
    y = m(torch.from_numpy(np.fromfile("x.bin", dtype="<f4").reshape(${shape.join(", ")})))
y.numpy().astype("<f4").tofile("y.bin")
print(list(y.shape))
`,
      pkg,
    );
    const want = (await runOrt(e.onnxPath, x, shape)).get("features")!;
    expect(JSON.parse(out.trim())).toEqual(want.dims);
    expect(maxAbsDiff(readFloats(join(pkg, "y.bin")), want.data)).toBeLessThan(1e-5);
  });
});
