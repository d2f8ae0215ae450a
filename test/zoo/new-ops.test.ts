// The ops Lightweight OpenPose needs, end to end: ELU and dilated depthwise convolutions. posec's tfjs
// model (runtime/model/build.ts) must compute what ONNX Runtime computes from posec's ONNX export
// (ONNX's Elu and grouped, dilated Conv are the independent reference). Per-channel input normalisation
// (mean/std, as ImageNet backbones use) reaches the IR and the data pipeline.
import { afterAll, describe, expect, it } from "vitest";
import { onnxOutputs } from "../../compiler/emit/onnx/index.js";
import { normalise } from "../../runtime/data/sample.js";
import { compileFile } from "../helpers.js";
import { exportSpec, maxAbs, maxAbsDiff, removeTempDirs, runOrt, runTfjs, seededInput } from "../onnx/helpers.js";

afterAll(removeTempDirs);

describe("elu and dilated depthwise convolutions", () => {
  it("tfjs equals ONNX Runtime within 1e-5 at two input sizes", async () => {
    const e = exportSpec("test/zoo/fixtures/new_ops.posenet");
    expect(new Set(e.ir.nodes.map((n) => n.op))).toEqual(new Set(["conv", "elu", "relu"]));
    for (const [h, w] of [[17, 13], [24, 31]]) {
      const shape = [2, 3, h, w];
      const x = seededInput(shape, 7);
      const want = await runOrt(e.onnxPath, x, shape);
      const got = await runTfjs(e.ir, e.weights, x, shape, onnxOutputs(e.ir, false));
      for (const [name, g] of got) {
        const r = want.get(name)!;
        expect(g.dims).toEqual(r.dims);
        expect(maxAbs(r.data)).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(g.data, r.data), `${name} at ${h}x${w}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe("per-channel input normalisation", () => {
  it("lands in the IR: mean and std per channel, the uniform part as given", () => {
    const r = compileFile("test/zoo/fixtures/imagenet_input.posenet");
    expect(r.diagnostics).toEqual([]);
    expect(r.ir!.input).toMatchObject({ scale: 1 / 255, shift: 0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: "rgb" });
  });

  it("is applied per channel, in the network's channel order", () => {
    const rgb = Uint8Array.from([10, 128, 250]);
    const input = { width: 1, height: 1, scale: 1 / 255, shift: 0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    // (10/255 - 0.485)/0.229, (128/255 - 0.456)/0.224, (250/255 - 0.406)/0.225, computed with Python in float64
    const want = [-1.946656, 0.205182, 2.552854];
    const got = normalise(rgb, { ...input, channelOrder: "rgb" });
    want.forEach((w, c) => expect(got[c]).toBeCloseTo(w, 5));
    // BGR networks: channel 0 is blue, and mean/std are listed in that order too
    const bgr = normalise(rgb, { ...input, mean: [0.406, 0.456, 0.485], std: [0.225, 0.224, 0.229], channelOrder: "bgr" });
    [want[2], want[1], want[0]].forEach((w, c) => expect(bgr[c]).toBeCloseTo(w, 5));
  });
});
