import { it } from "vitest";
import { exportSpec, runOrt, runTorchRef, seededInput, maxAbsDiff, maxAbs } from "./helpers.js";
import { onnxOutputs } from "../../compiler/emit/onnx/index.js";
const CASES = JSON.parse(process.env.CASES!);
it("proto", async () => {
for (const [path, sizes, fold, all] of CASES) {
  let t0 = Date.now();
  const e = exportSpec(path, { foldBn: fold, allStages: all });
  console.log("export ms", Date.now() - t0);
  for (const [h, w] of sizes) {
    const shape = [1, 3, h, w];
    const x = seededInput(shape, 11);
    t0 = Date.now();
    const ort = await runOrt(e.onnxPath, x, shape);
    console.log("ort ms", Date.now() - t0); t0 = Date.now();
    const ref = runTorchRef(e, onnxOutputs(e.ir, all), x, shape);
    console.log("torch ms", Date.now() - t0);
    for (const [name, o] of ort) {
      const r = ref.get(name)!;
      console.log(path, fold, h, w, name, o.dims.join("x"), r.dims.join("x"), "diff", maxAbsDiff(o.data, r.data).toExponential(2), "max", maxAbs(r.data).toExponential(2));
    }
  }
}
}, 600000);
