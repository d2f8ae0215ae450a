// The prefetching batch iterator: deterministic order and content whatever the prefetch depth, worker
// count or resume point; epochs and steps; bad samples replaced deterministically with skipBad.
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batches, epochAugmentSeed, type Batch, type BatchOptions } from "../../runtime/data/batches.js";
import { readCocoDataset, type CocoDataset } from "../../runtime/data/coco-dataset.js";
import { DECODER_DEFAULTS } from "../../core/ir/codec.js";
import { sampleConfigFromIr } from "../../runtime/data/config.js";
import { loadSample } from "../../runtime/data/sample.js";
import { synthesizeDataset } from "../../runtime/data/synth.js";
import { PosecError } from "../../runtime/errors.js";
import { COCO18, SPAN, TempDir, expectSameFloats, sampleConfig } from "./helpers.js";
import { bundleDataWorker } from "../../testkit/data-worker-bundle.js";

let dir: TempDir;
let ds: CocoDataset;
let worker: { script: string; remove: () => void };
const cfg = sampleConfig({ augment: { scale: [0.5, 1.1], targetDist: 0.6, rotate: 40, flip: 0.5, centerPerturb: 10 } });

beforeAll(async () => {
  dir = new TempDir();
  const r = await synthesizeDataset({ outDir: dir.path, images: 8, size: 64, seed: 3 });
  ds = readCocoDataset(r.annotationsFile, r.imagesDir, COCO18, { minArea: 0 });
  worker = await bundleDataWorker();
});
afterAll(() => {
  dir.remove();
  worker.remove();
});

async function collect(o: Partial<BatchOptions>, dataset = ds): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches({ dataset, config: cfg, batchSize: 4, seed: 9, epochs: 2, ...o })) out.push(b);
  return out;
}

describe("batch iterator", () => {
  it("covers each epoch as a permutation, in fixed-shape batches", async () => {
    const N = ds.samples.length;
    const perEpoch = Math.floor(N / 4);
    const bs = await collect({});
    expect(bs).toHaveLength(2 * perEpoch);
    expect(bs.map((b) => b.step)).toEqual(bs.map((_, i) => i));
    for (const e of [0, 1]) {
      const seen = bs.filter((b) => b.epoch === e).flatMap((b) => b.indices);
      expect(new Set(seen).size).toBe(seen.length); // no repeats within an epoch
      expect(seen.every((i) => i >= 0 && i < N)).toBe(true);
    }
    const order0 = bs.filter((b) => b.epoch === 0).flatMap((b) => b.indices);
    const order1 = bs.filter((b) => b.epoch === 1).flatMap((b) => b.indices);
    expect(order1).not.toEqual(order0); // reshuffled
    const b = bs[0];
    expect(b.shapes).toEqual({
      images: [4, 64, 64, 3],
      heatmaps: [4, 8, 8, 19],
      pafs: [4, 8, 8, 38],
      masks: [4, 8, 8, 1],
    });
    expect(b.images.length).toBe(4 * 64 * 64 * 3);
    expect(b.heatmaps.length).toBe(4 * 8 * 8 * 19);
  });

  it("visits samples in index order without shuffling", async () => {
    const bs = await collect({ shuffle: false, epochs: 1 });
    expect(bs.flatMap((b) => b.indices)).toEqual(Array.from({ length: bs.length * 4 }, (_, i) => i));
  });

  it("holds, for each slot, exactly the sample loadSample makes for that epoch's seed", async () => {
    const bs = await collect({ epochs: 2, steps: 3 });
    const per = 64 * 64 * 3;
    for (const b of bs) {
      for (let i = 0; i < 4; i++) {
        const s = await loadSample(ds, b.indices[i], cfg, epochAugmentSeed(9, b.epoch));
        expectSameFloats(b.images.subarray(i * per, (i + 1) * per), s.image);
        expectSameFloats(b.heatmaps.subarray(i * s.heatmaps.length, (i + 1) * s.heatmaps.length), s.heatmaps);
        expectSameFloats(b.pafs.subarray(i * s.pafs.length, (i + 1) * s.pafs.length), s.pafs);
        expectSameFloats(b.masks.subarray(i * 64, (i + 1) * 64), s.mask);
      }
    }
  });

  it("yields the same batches whatever the prefetch depth, workers or seed repetition", async () => {
    const base = await collect({ prefetch: 1 });
    const deep = await collect({ prefetch: 5 });
    const threaded = await collect({ prefetch: 3, workers: 2, workerScript: worker.script });
    for (const other of [deep, threaded]) {
      expect(other.map((b) => b.indices)).toEqual(base.map((b) => b.indices));
      other.forEach((b, i) => {
        expectSameFloats(b.images, base[i].images);
        expectSameFloats(b.heatmaps, base[i].heatmaps);
        expectSameFloats(b.pafs, base[i].pafs);
        expectSameFloats(b.masks, base[i].masks);
      });
    }
    const otherSeed = await collect({ seed: 10 });
    expect(otherSeed.map((b) => b.indices)).not.toEqual(base.map((b) => b.indices));
  });

  it("resumes at a step without replaying, and stops after `steps`", async () => {
    const all = await collect({ epochs: 3 });
    const resumed = await collect({ epochs: 3, startStep: 3 });
    expect(resumed.map((b) => b.step)).toEqual(all.slice(3).map((b) => b.step));
    resumed.forEach((b, i) => {
      expect(b.indices).toEqual(all[3 + i].indices);
      expectSameFloats(b.heatmaps, all[3 + i].heatmaps);
    });
    expect(await collect({ epochs: null, steps: 5 })).toHaveLength(5);
  });

  it("wraps an epoch smaller than a batch", async () => {
    const small: CocoDataset = { ...ds, samples: ds.samples.slice(0, 3) };
    const bs = await collect({ epochs: 2, shuffle: false }, small);
    expect(bs.map((b) => b.indices)).toEqual([
      [0, 1, 2, 0],
      [0, 1, 2, 0],
    ]);
  });

  it("reports a worker script that cannot start as a PosecError, even with skipBad", async () => {
    const e = await collect({ workers: 1, workerScript: join(dir.path, "missing-worker.mjs"), skipBad: true }).catch(
      (x) => x,
    );
    expect(e).toBeInstanceOf(PosecError);
    expect(e.message).toMatch(/data worker failed/);
  });

  it("stops cleanly when the consumer breaks out early", async () => {
    const stream = batches({
      dataset: ds,
      config: cfg,
      batchSize: 4,
      seed: 1,
      workers: 1,
      workerScript: worker.script,
    });
    let n = 0;
    for await (const b of stream) {
      expect(b.step).toBe(n);
      if (++n === 2) break;
    }
    expect(n).toBe(2);
  });
});

describe("bad samples at load time", () => {
  let bad: CocoDataset;
  let copy: TempDir;
  beforeAll(() => {
    // the same set with image 2 replaced by garbage (it still exists, so only decoding finds out)
    copy = new TempDir();
    copyFileSync(ds.annotationsFile, join(copy.path, "annotations.json"));
    for (const im of ds.images) copyFileSync(im.path, join(copy.path, im.fileName));
    writeFileSync(join(copy.path, ds.images[1].fileName), "garbage");
    bad = readCocoDataset(join(copy.path, "annotations.json"), copy.path, COCO18, { minArea: 0 });
  });
  afterAll(() => copy.remove());
  const badIndices = () => bad.samples.map((s, i) => (s.image === 1 ? i : -1)).filter((i) => i >= 0);

  it("throws a PosecError naming the image without skipBad", async () => {
    const e = await collect({ shuffle: false, epochs: 1 }, bad).catch((x) => x);
    expect(e).toBeInstanceOf(PosecError);
    expect(e.message).toContain(`${bad.images[1].path}: cannot be decoded`);
  });

  it("replaces them by the next loadable sample in the epoch's order with skipBad, reporting each once", async () => {
    expect(badIndices().length).toBeGreaterThan(0);
    const reported: string[] = [];
    const bs = await collect({ shuffle: false, epochs: 2, skipBad: true, onBad: (b) => reported.push(b.file) }, bad);
    const next = (i: number): number => (badIndices().includes(i) ? next((i + 1) % bad.samples.length) : i);
    const expected = Array.from({ length: bs.length * 4 }, (_, k) => next(k % ((bs.length / 2) * 4)));
    expect(bs.flatMap((b) => b.indices)).toEqual(expected);
    expect(new Set(reported)).toEqual(new Set([bad.images[1].path]));
    expect(reported).toHaveLength(badIndices().length);
  });
});

describe("config from the IR", () => {
  it("takes stride, sigma, PAF width, augmentation and normalisation from the IR", () => {
    const c = sampleConfigFromIr({
      input: {
        tensor: "image",
        height: 368,
        width: 368,
        channels: 3,
        scale: 1 / 256,
        shift: -0.5,
        channelOrder: "bgr",
        span: SPAN,
      },
      keypoints: COCO18,
      train: {
        targets: { sigma: 7, pafWidth: 1 },
        augment: { scale: [0.5, 1.1], rotate: 40, flip: 0.5, crop: [368, 368], centerPerturb: 40 },
      } as never,
      codec: {
        stride: 8,
        grid: [46, 45],
        sigma: 7,
        pafWidth: 1,
        heatmapCombine: "max",
        pafCombine: "overwrite",
        pafConvention: "cmu",
        targetDist: 0.7,
        decoder: DECODER_DEFAULTS,
      },
    });
    // the label grid and target choices come from the codec, not re-derived from the input size
    expect(c.targets).toEqual({ stride: 8, gridHeight: 46, gridWidth: 45, sigma: 7, pafWidth: 1, heatmapCombine: "max", pafCombine: "overwrite", pafConvention: "cmu" });
    expect(c.augment).toEqual({ scale: [0.5, 1.1], targetDist: 0.7, rotate: 40, flip: 0.5, centerPerturb: 40 });
    expect(c.input).toEqual({ width: 368, height: 368, scale: 1 / 256, shift: -0.5, channelOrder: "bgr" });
  });
});
