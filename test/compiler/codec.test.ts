// The IR's codec section: the label grid, the target generation and the decoder defaults, computed once by
// the compiler; checked against hand-computed grids, CMU's published demo thresholds (testing/python/config:
// thre1 0.1, thre2 0.05, mid_num 10; the demo drops people with fewer than 4 parts or a mean score below
// 0.4), and read back by the ONNX runner from the exported file's metadata.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import { serializeIr } from "../../compiler/emit/ir.js";
import { loadIr } from "../../core/ir/load.js";
import { isPoseIr, type PoseIr } from "../../core/ir/types.js";
import { validateIr } from "../../core/ir/validate.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { loadOnnxNetwork } from "../../runtime/infer/onnx-runner.js";
import { compileIr } from "../helpers.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function poseIr(path: string): PoseIr {
  const ir = compileIr(path);
  if (!isPoseIr(ir)) throw new Error(`${path} is not a pose model`);
  return ir;
}

describe("the codec of a compiled pose model", () => {
  it("holds the label grid at the input size, sigma, PAF width and the target choices", () => {
    // 368 / 8 = 46 cells; sigma=7 paf_width=1 in the spec
    const cmu = poseIr("models/cmu_pose_vgg19.posenet");
    expect(cmu.codec).toMatchObject({ stride: 8, grid: [46, 46], sigma: 7, pafWidth: 1, heatmapCombine: "sum-clip", pafCombine: "average", pafConvention: "centered", targetDist: 0.6 });
    // 32x32 input, three stride-2 layers: 4x4 cells; sigma=2
    const tiny = poseIr("test/fixtures/train/tiny.posenet");
    expect(tiny.codec).toMatchObject({ stride: 8, grid: [4, 4], sigma: 2, pafWidth: 1 });
  });

  it("holds CMU's decoder defaults", () => {
    const { decoder } = poseIr("models/cmu_pose_vgg19.posenet").codec;
    expect(decoder).toMatchObject({ peakThreshold: 0.1, pafThreshold: 0.05, pafSamples: 10, pafMinFraction: 0.8, minParts: 4, minMeanScore: 0.4 });
  });

  it("is null for a backbone without stages", () => {
    expect(compileIr("models/reference/resnet18.posenet").codec).toBeNull();
  });

  it("must agree with the stages and train sections it restates", () => {
    const ir = poseIr("test/fixtures/train/tiny.posenet");
    const bad = JSON.parse(serializeIr({ ...ir, codec: { ...ir.codec, stride: 4 } }));
    const checked = validateIr(bad, "bad.ir.json");
    expect(checked.ir).toBeUndefined();
    expect(checked.diagnostics.map((d) => d.message).join("\n")).toMatch(/codec's stride 4 differs from the stages' 8/);
    const badSigma = validateIr(JSON.parse(serializeIr({ ...ir, codec: { ...ir.codec, sigma: 3 } })), "bad.ir.json");
    expect(badSigma.diagnostics.map((d) => d.message).join("\n")).toMatch(/sigma and PAF width differ/);
  });

  it("an IR written before the codec existed is refused with a clear message", () => {
    const ir = poseIr("test/fixtures/train/tiny.posenet");
    const { codec: _codec, ...old } = ir;
    const r = loadIr(serializeIr(old), "old.ir.json");
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics[0].code).toBe("PN4002");
    expect(r.diagnostics[0].message).toMatch(/no codec section.*older posec.*compile the spec again/);
    // and a current one loads back unchanged
    expect(loadIr(serializeIr(ir), "new.ir.json").ir).toEqual(JSON.parse(serializeIr(ir)));
  });

  it("travels into the ONNX metadata, and the ONNX runner decodes with it", async () => {
    const ir = poseIr("test/fixtures/train/tiny.posenet");
    const custom: PoseIr = { ...ir, codec: { ...ir.codec, decoder: { ...ir.codec.decoder, peakThreshold: 0.3, minParts: 2, interpolation: "bilinear" } } };
    const built = buildOnnx(custom, initialWeights(modelParams(custom), 1), { allStages: false, foldBn: false, weights: { kind: "initial", seed: 1 } });
    expect(built.bytes).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "posec-codec-"));
    dirs.push(dir);
    const file = join(dir, "tiny.onnx");
    writeFileSync(file, built.bytes!);
    const net = await loadOnnxNetwork(file, { threads: 1 });
    try {
      expect(net.decoder).toEqual({ ...ir.codec.decoder, peakThreshold: 0.3, minParts: 2, interpolation: "bilinear" });
      expect(net.stride).toBe(8);
    } finally {
      net.dispose();
    }
  });
});
