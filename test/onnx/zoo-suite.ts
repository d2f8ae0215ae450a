// The checks every zoo model's ONNX export must pass, as one suite per model (one test file each, so
// that vitest runs the big models in parallel and each exports its model once):
// - onnx.checker.check_model(full_check=True) from Debian's onnx 1.12;
// - onnx's inferred shapes at two fixed input sizes equal posec's inferShapes, for every IR tensor;
// - ONNX Runtime's outputs equal the PyTorch float64 reference (test/onnx/torch_ref.py), and the tfjs
//   runtime's (runtime/model/build.ts on the cpu backend), within 1e-4, at two input sizes (tfjs: one for
//   the big models, as tfjs's cpu backend is slow), from a
//   perturbed checkpoint (PyTorch reads it from disk; checkpoint.test.ts shows that reading it back gives
//   the same weights, bit for bit);
// - the initializers hold exactly posec's parameters (names, and the count `posec inspect` reports).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeModel, onnxOutputs } from "../../compiler/emit/onnx/index.js";
import { inferShapes } from "../../core/shapes.js";
import { compileFile } from "../helpers.js";
import { exportSpec, maxAbs, maxAbsDiff, onnxCheck, runOrtMany, runTfjs, runTorchRef, seededInput, type CheckResult, type Exported, type Outputs, removeTempDirs } from "./helpers.js";

afterAll(removeTempDirs);

export const TOLERANCE = 1e-4;

export interface ZooCase {
  path: string;
  /** sizes for onnx's shape inference (the spec's own and a landscape one) */
  shapeSizes: [number, number][];
  /** sizes at which ORT runs against PyTorch (smaller for the big models: H and W are symbolic) */
  runSizes: [number, number][];
  /** the runSizes at which ORT also runs against tfjs (whose cpu backend takes ~6 s at 40x56 for a big model) */
  tfjsSizes: [number, number][];
}

function compare(label: string, got: Outputs, want: Outputs): void {
  for (const [name, g] of got) {
    const w = want.get(name);
    expect(w, `${label}: reference lacks ${name}`).toBeDefined();
    expect(g.dims, `${label} ${name}`).toEqual(w!.dims);
    const diff = maxAbsDiff(g.data, w!.data);
    console.log(`${label} ${name} [${g.dims.join("x")}]: max |diff| ${diff.toExponential(2)} (max |value| ${maxAbs(w!.data).toExponential(2)})`);
    expect(diff, `${label} ${name}`).toBeLessThan(TOLERANCE);
  }
}

export function zooSuite(c: ZooCase): void {
  describe(c.path, () => {
    let e: Exported;
    let check: CheckResult;
    let ort: Outputs[];
    const inputs = c.runSizes.map(([h, w], i) => ({ shape: [1, 3, h, w], data: seededInput([1, 3, h, w], 100 + i) }));

    beforeAll(async () => {
      e = exportSpec(c.path);
      check = onnxCheck(e.onnxPath, c.shapeSizes);
      ort = await runOrtMany(e.onnxPath, inputs);
    }, 300_000);

    it("passes onnx.checker.check_model with full_check", () => {
      expect(check.checker).toBe("ok");
    });

    it.each(c.shapeSizes)("onnx's inferred shapes at %dx%d equal posec's inferShapes for every tensor", (h, w) => {
      const posec = inferShapes(e.ir, h, w).report!;
      const onnx = check.shapes[`${h}x${w}`];
      let compared = 0;
      for (const [tensor, [th, tw, tc]] of Object.entries(posec.shapes)) {
        if (tensor === e.ir.input.tensor) continue;
        const value = e.renamed.get(tensor) ?? tensor;
        expect(onnx[value], `${tensor} (${value})`).toEqual([1, tc, th, tw]);
        compared++;
      }
      expect(compared).toBe(e.ir.nodes.length);
      for (const name of e.outputs) expect(onnx[name]).toEqual([1, ...posec.outputs[name].slice(2), ...posec.outputs[name].slice(0, 2)]);
    });

    it("ONNX Runtime's outputs equal the PyTorch float64 reference", () => {
      const ref = runTorchRef(e, { outputs: onnxOutputs(e.ir, false), inputs });
      inputs.forEach((x, i) => compare(`${e.ir.model.name} ${x.shape[2]}x${x.shape[3]} ORT vs PyTorch`, ort[i], ref.outputs[i]));
    }, 300_000);

    it("ONNX Runtime's outputs equal the tfjs runtime's (cpu backend)", async () => {
      for (const [i, x] of inputs.entries()) {
        if (!c.tfjsSizes.some(([h, w]) => h === x.shape[2] && w === x.shape[3])) continue;
        const tfjs = await runTfjs(e.ir, e.weights, x.data, x.shape, onnxOutputs(e.ir, false));
        compare(`${e.ir.model.name} ${x.shape[2]}x${x.shape[3]} ORT vs tfjs`, ort[i], tfjs);
      }
    }, 300_000);

    it("the initializers are posec's parameters: same names, and inspect's count", () => {
      const report = compileFile(c.path).report!;
      const model = decodeModel(e.bytes);
      const inits = model.graph!.initializer ?? [];
      const count = inits.reduce((a, t) => a + (t.dims ?? []).reduce((x: number, d) => x * Number(d), 1), 0);
      expect(count).toBe(report.totals.params + report.totals.nonTrainable);
      expect(inits.map((t) => t.name).sort()).toEqual(e.specs.map((s) => s.name).sort());
    });
  });
}
