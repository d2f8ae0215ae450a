// Parameter specs agree with the shape pass's counts; initial weights follow their distributions and
// are reproducible.
import { describe, expect, it } from "vitest";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { elementCount } from "../../core/params/params.js";
import { compileFile, ZOO } from "../helpers.js";

describe("parameter specs", () => {
  it.each([...ZOO, "models/reference/resnet50.posenet", "models/reference/vgg19.posenet"])("%s: trainable and non-trainable totals equal inspect's", (path) => {
    const r = compileFile(path);
    const specs = modelParams(r.ir!);
    const count = (trainable: boolean) => specs.filter((s) => s.trainable === trainable).reduce((a, s) => a + elementCount(s.shape), 0);
    expect(count(true)).toBe(r.report!.totals.params);
    expect(count(false)).toBe(r.report!.totals.nonTrainable);
  });
});

describe("initial weights", () => {
  const ir = compileFile("models/small_resnet18_cmupose.posenet").ir!;
  const specs = modelParams(ir);
  const w = initialWeights(specs, 7);
  const stats = (a: Float32Array) => {
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    return { mean, std: Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length) };
  };
  it("Gaussian std 0.01 for the branch outputs, Kaiming fan_in for the hidden stage layers (the small spec's init)", () => {
    const out = w.get("stage2_paf_conv4/kernel")!;
    expect(out.shape).toEqual([1, 1, 64, 38]);
    const so = stats(out.data);
    expect(Math.abs(so.mean)).toBeLessThan(0.002);
    expect(so.std).toBeGreaterThan(0.0095);
    expect(so.std).toBeLessThan(0.0105);
    const hidden = w.get("stage2_paf_conv1/kernel")!;
    expect(hidden.shape).toEqual([3, 3, 121, 64]); // concat[PAFs 38, heatmaps 19, features 64]
    const expected = Math.sqrt(2 / (121 * 9));
    expect(stats(hidden.data).std / expected).toBeGreaterThan(0.97);
    expect(stats(hidden.data).std / expected).toBeLessThan(1.03);
  });
  it("Gaussian std 0.01 everywhere in CMU-Pose's stages", () => {
    const ir = compileFile("models/cmu_pose_vgg19.posenet").ir!;
    const cmu = initialWeights(modelParams(ir).filter((p) => p.node === "stage2_paf_conv1"), 3);
    const s = stats(cmu.get("stage2_paf_conv1/kernel")!.data);
    expect(s.std).toBeGreaterThan(0.0099);
    expect(s.std).toBeLessThan(0.0101);
  });
  it("Kaiming fan_out for the ResNet convolutions: std sqrt(2 / (filters * kh * kw))", () => {
    const k = w.get("conv1/kernel")!;
    expect(k.shape).toEqual([7, 7, 3, 32]); // resnet18 width=32
    const s = stats(k.data);
    const expected = Math.sqrt(2 / (32 * 49));
    expect(s.std / expected).toBeGreaterThan(0.95);
    expect(s.std / expected).toBeLessThan(1.05);
  });
  it("batch norm starts at gamma 1, beta 0, mean 0, variance 1; biases at 0", () => {
    expect([...w.get("bn1/gamma")!.data].every((x) => x === 1)).toBe(true);
    expect([...w.get("bn1/moving_variance")!.data].every((x) => x === 1)).toBe(true);
    expect([...w.get("stage1_heatmap_conv1/bias")!.data].every((x) => x === 0)).toBe(true);
  });
  it("the same seed gives the same numbers, another seed others, and a tensor's values do not depend on the others", () => {
    expect(initialWeights(specs, 7).get("stage3_paf_conv2/kernel")!.data).toEqual(w.get("stage3_paf_conv2/kernel")!.data);
    expect(initialWeights(specs, 8).get("stage3_paf_conv2/kernel")!.data).not.toEqual(w.get("stage3_paf_conv2/kernel")!.data);
    const alone = initialWeights(specs.filter((s) => s.name === "stage3_paf_conv2/kernel"), 7);
    expect(alone.get("stage3_paf_conv2/kernel")!.data).toEqual(w.get("stage3_paf_conv2/kernel")!.data);
  });
});
