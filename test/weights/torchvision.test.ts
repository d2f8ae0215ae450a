// torchvision classifiers into the standard library's specs, by the written key convention
// (runtime/weights/map-torchvision.ts): torchvision_ref.py builds the model with seeded weights and random
// BatchNorm statistics, saves its state dict and its eval-mode output on a seeded input; posec reads the
// state dict, maps it onto models/reference/*.posenet, exports ONNX and runs ONNX Runtime. Outputs must
// agree within 1e-4 of the largest logit: both sides compute in float32 with different summation orders
// (ResNet-50: ~50 layers of up to 4608-term sums), which leaves differences around 1e-6 relative.
// ResNet-50 runs at 64x64 (global pooling makes the classifier size-independent); VGG-19's fc6 reads a
// 7x7x512 map, so it runs at 224x224, and checks torchvision's C, H, W flatten order.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import type { Ir } from "../../core/ir/types.js";
import { isPosecError } from "../../runtime/errors.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { compileIr, compileText } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const REF = join(import.meta.dirname, "torchvision_ref.py");
const work = mkdtempSync(join(tmpdir(), "posec-torchvision-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function reference(arch: string, size: number, seed: number): { dir: string; input: Float32Array; output: Float32Array } {
  const dir = mkdtempSync(join(work, `${arch}-`));
  execFileSync(PYTHON, [REF, arch, dir, String(size), String(seed)]);
  const read = (f: string) => {
    const b = readFileSync(join(dir, f));
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  return { dir, input: read("input.bin"), output: read("output.bin") };
}

async function posecLogits(ir: Ir, weights: Parameters<typeof buildOnnx>[1], input: Float32Array, size: number, dir: string): Promise<Float32Array> {
  const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: "state.pt" } });
  expect(built.bytes, built.diagnostics.map((d) => d.message).join("; ")).toBeDefined();
  const path = join(dir, "model.onnx");
  writeFileSync(path, built.bytes!);
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const out = await session.run({ image: new ort.Tensor("float32", input, [1, 3, size, size]) });
  await session.release();
  rmSync(path);
  return out[built.outputs[0]].data as Float32Array;
}

function maxRelative(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) (diff = Math.max(diff, Math.abs(actual[i] - expected[i]))), (scale = Math.max(scale, Math.abs(expected[i])));
  return diff / scale;
}


describe("torchvision state dicts", () => {
  it("resnet50 -> models/reference/resnet50.posenet: every tensor loaded, same logits", async () => {
    const ref = reference("resnet50", 64, 3);
    const ir = compileIr("models/reference/resnet50.posenet");
    const { weights, report } = await loadForeignWeights(join(ref.dir, "state.pt"), ir, 1);
    // the standard ResNets' layers sit at torchvision's paths: the file needs no renaming
    expect(report.format).toBe("PyTorch state dict (model.py / torchvision module paths)");
    expect(report.counts).toEqual({ loaded: 267, fresh: 0, ignored: 0 });
    expect(report.notes[0]).toMatch(/53 BatchNorm num_batches_tracked/);
    const diff = maxRelative(await posecLogits(ir, weights, ref.input, 64, ref.dir), ref.output);
    console.log(`resnet50 vs torchvision: max relative difference ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  }, 180_000);

  it("resnet50 into a spec cut at layer2: the rest of the file is ignored, with the reason", async () => {
    const ref = reference("resnet18", 32, 4);
    const ir = compileText(work, "posenet 1\nmodel r18_cut\ninput image 64x64x3\nbackbone resnet18 until layer2\n", "r18_cut");
    const { report } = await loadForeignWeights(join(ref.dir, "state.pt"), ir, 1);
    expect(report.counts.fresh).toBe(0);
    const ignored = report.entries.filter((e) => e.status === "ignored").map((e) => e.source!);
    expect(ignored).toContain("fc.weight");
    expect(ignored).toContain("layer3.0.downsample.0.weight");
    expect(ignored.some((k) => k.startsWith("layer2."))).toBe(false);
  }, 120_000);

  it("se_resnet50 (se_module, R=16): equal logits at R=16; at R=8 the SE layers start fresh and are reported", async () => {
    const ref = reference("se_resnet50", 64, 5);
    const r16 = compileIr("models/reference/se_resnet50_r16.posenet");
    const loaded = await loadForeignWeights(join(ref.dir, "state.pt"), r16, 1);
    expect(loaded.report.counts).toEqual({ loaded: 267 + 4 * 16, fresh: 0, ignored: 0 });
    const diff = maxRelative(await posecLogits(r16, loaded.weights, ref.input, 64, ref.dir), ref.output);
    console.log(`se_resnet50 vs PyTorch: max relative difference ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    const r8 = compileIr("models/reference/se_resnet50_r8.posenet");
    const { report } = await loadForeignWeights(join(ref.dir, "state.pt"), r8, 1);
    expect(report.counts).toEqual({ loaded: 267, fresh: 64, ignored: 64 });
    expect(report.entries.find((e) => e.tensor === "layer1_0_se_module_fc1/kernel")).toMatchObject({ status: "fresh", reason: expect.stringMatching(/another reduction ratio/) });
  }, 240_000);

  it("a tensor of the wrong shape is PN5311 naming the key, the spec tensor and its line", async () => {
    const ref = reference("resnet18", 32, 6);
    const ir = compileText(work, "posenet 1\nmodel r18_wide\ninput image 64x64x3\nbackbone resnet18 width=32\n", "r18_wide");
    try {
      await loadForeignWeights(join(ref.dir, "state.pt"), ir, 1);
      expect.unreachable();
    } catch (e) {
      expect(isPosecError(e) && e.code).toBe("PN5311");
      expect((e as Error).message).toMatch(/conv1\.weight in .* is \[64, 3, 7, 7\] \(OIHW, \[7, 7, 3, 64\] in posec's layout\), but `conv1\/kernel` at std\/resnet\.posenet:\d+:\d+ needs \[7, 7, 3, 32\]/);
    }
  }, 120_000);

  it("vgg19 -> models/reference/vgg19.posenet at 224x224 (fc6 in torchvision's C, H, W order): same logits", async () => {
    const ref = reference("vgg19", 224, 7);
    const ir = compileIr("models/reference/vgg19.posenet");
    const { weights, report } = await loadForeignWeights(join(ref.dir, "state.pt"), ir, 1);
    rmSync(join(ref.dir, "state.pt"));
    expect(report.counts).toEqual({ loaded: 38, fresh: 0, ignored: 0 });
    const diff = maxRelative(await posecLogits(ir, weights, ref.input, 224, ref.dir), ref.output);
    console.log(`vgg19 vs torchvision: max relative difference ${diff}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
  }, 300_000);
});
