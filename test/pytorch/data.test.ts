// The generated data.py against posec's TypeScript pipeline (the reference) on posec's synthetic set
// (PNG images with crowd RLEs and unlabelled people): the same samples, the same batch order, and the
// same images and targets, without augmentation, with an explicit augmentation handed to data.py's
// affine hook, and with data.py drawing the augmentation itself from posec's RNG.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PoseIr } from "../../core/ir/types.js";
import { batches, epochAugmentSeed, loadSample, readCocoDataset, sampleConfigFromIr, synthesizeDataset, type CocoDataset } from "../../runtime/data/index.js";
import { Rng, seedFor } from "../../runtime/util/rng.js";
import { compileIr, pythonJson, tempDir, writeFloats, writePackage } from "./helpers.js";

const SIZE = 288; // larger than the 128 input: letterboxing and large people shrink >= 2x (box prefilter)
const tmp = tempDir("torch-data");
let ir: PoseIr;
let pkg: string;
let dataset: CocoDataset;
const synth = join(tmp.dir, "synth");

beforeAll(async () => {
  ir = compileIr("models/small_resnet18_cmupose.posenet") as PoseIr;
  pkg = writePackage(ir, join(tmp.dir, "pkg"));
  await synthesizeDataset({ outDir: synth, images: 10, size: SIZE, seed: 4 });
  dataset = readCocoDataset(join(synth, "annotations.json"), join(synth, "images"), ir.keypoints, { minArea: (0.05 * SIZE) ** 2 });
}, 120_000);
afterAll(() => tmp.remove());

const PY_PRELUDE = `
import json
import numpy as np
from data import DistributedBatchSampler, PoseDataset
import transforms as T
import rng as R
d = ${JSON.stringify(tmp.dir)}
def dataset(augment):
    return PoseDataset(f"{d}/synth/annotations.json", f"{d}/synth/images", augment=augment, min_area=(0.05 * ${SIZE}) ** 2)
def ref(name, shape):
    return np.fromfile(f"{d}/ts/{name}.bin", dtype="<f4").reshape(shape)
def diffs(s, prefix, cfg):
    g = cfg["targets"]
    h, w = g["grid_height"], g["grid_width"]
    out = {}
    for key, shape in (("image", s["image"].shape), ("heatmaps", s["heatmaps"].shape), ("pafs", s["pafs"].shape), ("mask", s["mask"].shape)):
        out[key] = float(np.abs(s[key] - ref(f"{prefix}_{key}", shape)).max())
    out["image_pixels_off"] = int((np.abs(s["image"] - ref(f"{prefix}_image", s["image"].shape)) > 1e-6).any(axis=2).sum())
    return out
`;

describe("data.py against posec's data pipeline", () => {
  it("selects the same samples and batches (posec's RNG, epoch order, DDP split)", () => {
    const seed = 77;
    const got = pythonJson<{ samples: number[][]; rng: number[]; seeds: number[]; batches: number[][]; ranks: number[][][]; order: number[] }>(
      `${PY_PRELUDE}
ds = dataset(True)
r = R.Rng(123)
rng = [r.next_u32() for _ in range(5)] + [r.uniform(-2, 3), r.int(0, 9)]
s = DistributedBatchSampler(len(ds), 3, ${seed})
batches = [[i for i, _ in s.batch_at(step)] for step in range(7)]
ranks = [[[i for i, _ in DistributedBatchSampler(len(ds), 2, ${seed}, r, 2).batch_at(step)] for r in range(2)] for step in range(3)]
print(json.dumps({"samples": [list(x) for x in ds.coco["samples"]], "rng": rng,
                  "seeds": [R.seed_for(${seed}, i) for i in (0, 1, 99)] + [s.batch_at(0)[0][1]],
                  "batches": batches, "ranks": ranks, "order": R.epoch_order(len(ds), ${seed}, 1)}))
`,
      pkg,
    );
    expect(got.samples).toEqual(dataset.samples.map((s) => [s.image, s.person]));
    const r = new Rng(123);
    expect(got.rng).toEqual([...Array.from({ length: 5 }, () => r.nextU32()), r.uniform(-2, 3), r.int(0, 9)]);
    expect(got.seeds).toEqual([seedFor(seed, 0), seedFor(seed, 1), seedFor(seed, 99), epochAugmentSeed(seed, 0)]);
    return (async () => {
      const stream = batches({ dataset, config: sampleConfigFromIr(ir), batchSize: 3, seed, steps: 7, shuffle: true });
      const tsBatches: number[][] = [];
      for await (const b of stream) tsBatches.push(b.indices);
      expect(got.batches).toEqual(tsBatches);
      // two ranks of 2 split posec's batches of 4 in order
      const wide = batches({ dataset, config: sampleConfigFromIr(ir), batchSize: 4, seed, steps: 3 });
      let step = 0;
      for await (const b of wide) expect(got.ranks[step++].flat()).toEqual(b.indices);
    })();
  }, 120_000);

  it("makes the same images and targets: no augmentation, an explicit augmentation, its own draws", async () => {
    const seed = epochAugmentSeed(ir.train.seed, 0);
    const plain = sampleConfigFromIr(ir, { augment: false });
    const augmented = sampleConfigFromIr(ir);
    const indices = dataset.samples.map((_, i) => i);
    const affines: Record<string, { affine: number[]; flipped: boolean }> = {};
    let ignored = 0;
    for (const i of indices) {
      const record = dataset.images[dataset.samples[i].image];
      if (record.ignore.length) ignored++;
      for (const [mode, cfg] of [["plain", plain], ["aug", augmented]] as const) {
        const s = await loadSample(dataset, i, cfg, seed);
        for (const key of ["image", "heatmaps", "pafs", "mask"] as const) writeFloats(join(tmp.dir, "ts", `${mode}${i}_${key}.bin`), s[key]);
        if (mode === "aug") affines[i] = { affine: [s.affine.a, s.affine.b, s.affine.c, s.affine.d, s.affine.tx, s.affine.ty], flipped: s.flipped };
      }
    }
    expect(ignored).toBeGreaterThan(0); // crowd RLEs / unlabelled people: the miss mask is exercised
    expect(Object.values(affines).some((a) => a.flipped)).toBe(true);
    expect(Object.values(affines).some((a) => !a.flipped)).toBe(true);

    const got = pythonJson<{ plain: Record<string, number>[]; hook: Record<string, number>[]; own: Record<string, number>[]; affines: number[][]; flips: boolean[] }>(
      `${PY_PRELUDE}
given = json.loads(${JSON.stringify(JSON.stringify(affines))})
plain, aug = dataset(False), dataset(True)
out = {"plain": [], "hook": [], "own": [], "affines": [], "flips": []}
for i in ${JSON.stringify(indices)}:
    out["plain"].append(diffs(plain.load(i), f"plain{i}", plain.config))
    g = given[str(i)]
    out["hook"].append(diffs(aug.load(i, affine=g["affine"], flipped=g["flipped"]), f"aug{i}", aug.config))
    own = aug.load(i, ${seed})
    out["own"].append(diffs(own, f"aug{i}", aug.config))
    out["affines"].append(list(own["affine"]))
    out["flips"].append(bool(own["flipped"]))
print(json.dumps(out))
`,
      pkg,
      { timeout: 180_000 },
    );
    const worst = (rows: Record<string, number>[], key: string) => Math.max(...rows.map((r) => r[key]));
    const summary = Object.fromEntries(
      (["plain", "hook", "own"] as const).map((m) => [m, Object.fromEntries(["image", "heatmaps", "pafs", "mask", "image_pixels_off"].map((k) => [k, worst(got[m], k)]))]),
    );
    console.log(`data.py vs posec over ${indices.length} samples (max abs diff):`, JSON.stringify(summary));
    for (const m of ["plain", "hook", "own"] as const) {
      expect(summary[m].heatmaps, m).toBeLessThan(1e-5);
      expect(summary[m].pafs, m).toBeLessThan(1e-5);
      expect(summary[m].mask, m).toBeLessThan(1e-5);
      expect(summary[m].image, m).toBeLessThan(1e-5);
    }
    indices.forEach((i, k) => {
      expect(got.flips[k]).toBe(affines[i].flipped);
      got.affines[k].forEach((v, j) => expect(Math.abs(v - affines[i].affine[j])).toBeLessThan(1e-9));
    });
  }, 240_000);
});
