// Lightweight OpenPose's checkpoint naming (runtime/weights/map-lightweight.ts) onto
// models/lightweight_openpose.posenet. lightweight_ref.py is an independent PyTorch re-implementation of
// the authors' PoseEstimationWithMobileNet (its module structure gives their state-dict keys): seeded
// weights and random BatchNorm statistics, saved as their training script saves a checkpoint, with the keys
// in reverse order (a load by position would fail), and its own output on a seeded input; once more in
// torch.save's legacy (pre-1.6, not zip) format, as their released checkpoint is. posec imports
// the file: every tensor of the file loaded, none fresh, none ignored; posec's network (exported to ONNX,
// run by ONNX Runtime at 64x96: the input size is symbolic) equals PyTorch's refinement-stage maps.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import { modelParams } from "../../core/params/index.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { lightweightLabel } from "../../runtime/weights/map-lightweight.js";
import { compileIr } from "../helpers.js";
import { maxAbs, maxAbsDiff, PYTHON, removeTempDirs, runOrt, tempDir } from "../onnx/helpers.js";

afterAll(removeTempDirs);

const readFloats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe("Lightweight OpenPose checkpoints", () => {
  it("the convention's table: their module paths -> the spec's labels", () => {
    expect(lightweightLabel("model.7.0")).toBe("model_7_0");
    expect(lightweightLabel("cpm.align.0")).toBe("cpm_align_0");
    expect(lightweightLabel("cpm.trunk.2.2")).toBe("cpm_trunk_2_2");
    expect(lightweightLabel("initial_stage.heatmaps.1.0")).toBe("initial_stage_heatmaps_1_0");
    expect(lightweightLabel("refinement_stages.0.trunk.4.initial.0")).toBe("refinement_stages_0_trunk_4_initial_0");
    expect(lightweightLabel("refinement_stages.0.trunk.3.trunk.1.1")).toBe("refinement_stages_0_trunk_3_trunk_1_1");
    expect(lightweightLabel("refinement_stages.0.pafs.0.0")).toBe("refinement_stages_0_pafs_0_0");
    expect(lightweightLabel("fc")).toBeNull();
    expect(lightweightLabel("cpm.trunk")).toBeNull();
  });

  it("their output channels mean what the spec's schema says: coco18's limb k is their PAF channels 2k (x), 2k+1 (y)", () => {
    // their modules/keypoints.py: grouping step i joins joints BODY_PARTS_KPT_IDS[i] through PAF channels
    // BODY_PARTS_PAF_IDS[i] (x, then y); the 18 heatmaps are OpenPose's COCO order, the background last
    const KPT = [[1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [1, 8], [8, 9], [9, 10], [1, 11], [11, 12], [12, 13], [1, 0], [0, 14], [14, 16], [0, 15], [15, 17], [2, 16], [5, 17]];
    const PAF = [[12, 13], [20, 21], [14, 15], [16, 17], [22, 23], [24, 25], [0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11], [28, 29], [30, 31], [34, 35], [32, 33], [36, 37], [18, 19], [26, 27]];
    const k = compileIr("models/lightweight_openpose.posenet").keypoints!;
    expect(k.limbs.length).toBe(19);
    expect(k.pafChannels).toBe(38);
    for (const [i, [x, y]] of PAF.entries()) {
      expect(y, `step ${i}`).toBe(x + 1);
      const limb = k.limbs[x / 2];
      expect([limb.from, limb.to], `their step ${i}: channels ${x}, ${y}`).toEqual(KPT[i]);
    }
  });

  it("checkpoint_iter_370000.pth: every tensor loaded by name, and posec's maps equal PyTorch's", async () => {
    const dir = tempDir("lightweight");
    const [h, w] = [64, 96];
    execFileSync(PYTHON, [join(import.meta.dirname, "lightweight_ref.py"), dir, String(h), String(w), "17", "zip", "reversed"]);
    const ir = compileIr("models/lightweight_openpose.posenet");
    const { weights, report } = await loadForeignWeights(join(dir, "checkpoint_iter_370000.pth"), ir, 1);
    const keys = (JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as [string, number[]][]).filter(([k]) => !k.endsWith("num_batches_tracked"));
    expect(report.format).toBe("PyTorch state dict (Lightweight OpenPose naming)");
    expect(report.counts).toEqual({ loaded: modelParams(ir).length, fresh: 0, ignored: 0 });
    expect(keys.length).toBe(modelParams(ir).length);
    const loadedFrom = new Map(report.entries.map((e) => [e.source, e]));
    for (const [key, shape] of keys) {
      const entry = loadedFrom.get(key);
      expect(entry?.status, key).toBe("loaded");
      // the spec tensor's elements equal the file's: same count, and the layer is the table's row for the key
      expect(entry!.shape.reduce((a, b) => a * b, 1), key).toBe(shape.reduce((a, b) => a * b, 1));
      expect(entry!.tensor!.slice(0, entry!.tensor!.lastIndexOf("/")), key).toBe(lightweightLabel(key.slice(0, key.lastIndexOf("."))));
    }
    expect(report.notes[0]).toMatch(/num_batches_tracked/);

    // the same checkpoint in torch.save's legacy (pre-1.6) format, as their released file is: the same tensors
    const legacyDir = tempDir("lightweight-legacy");
    execFileSync(PYTHON, [join(import.meta.dirname, "lightweight_ref.py"), legacyDir, String(h), String(w), "17", "legacy", "reversed"]);
    expect(readFileSync(join(legacyDir, "checkpoint_iter_370000.pth")).readUInt32LE(0)).not.toBe(0x04034b50); // not a zip archive
    const legacy = await loadForeignWeights(join(legacyDir, "checkpoint_iter_370000.pth"), ir, 1);
    expect(legacy.report.counts).toEqual(report.counts);
    for (const [name, t] of weights) expect(Buffer.from(legacy.weights.get(name)!.data.buffer, legacy.weights.get(name)!.data.byteOffset, t.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name).toBe(true);
    // a truncated legacy file is an error naming the file, not a partial load
    const whole = readFileSync(join(legacyDir, "checkpoint_iter_370000.pth"));
    writeFileSync(join(legacyDir, "truncated.pth"), whole.subarray(0, whole.length - 1000));
    await expect(loadForeignWeights(join(legacyDir, "truncated.pth"), ir, 1)).rejects.toThrow(/truncated\.pth: storage \d+ claims \d+ float32 values, more than the \d+ bytes left \(truncated\)/);

    const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: "checkpoint_iter_370000.pth" } });
    expect(built.bytes, built.diagnostics.map((d) => d.message).join("; ")).toBeDefined();
    const onnxPath = join(dir, "lightweight.onnx");
    writeFileSync(onnxPath, built.bytes!);
    const shapes = JSON.parse(readFileSync(join(dir, "shapes.json"), "utf8")) as Record<string, number[]>;
    const got = await runOrt(onnxPath, readFloats(join(dir, "input.bin")), [1, 3, h, w]);
    for (const name of ["heatmaps", "pafs"]) {
      const want = readFloats(join(dir, `${name}.bin`));
      expect(got.get(name)!.dims).toEqual(shapes[name]);
      const scale = maxAbs(want);
      const diff = maxAbsDiff(got.get(name)!.data, want);
      console.log(`lightweight openpose ${name}: max |diff| ${diff.toExponential(2)}, relative ${(diff / scale).toExponential(2)} (max |value| ${scale.toExponential(2)})`);
      expect(scale).toBeGreaterThan(1e-2);
      expect(diff / scale).toBeLessThanOrEqual(1e-4);
    }
  }, 180_000);
});
