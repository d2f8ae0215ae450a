// The built-in synthetic hands and faces: deterministic files, drawn layouts consistent with the schemas'
// flip pairs (so that a flipped sample is again a valid face), and targets that decode back to the labels
// (the oracle) with the schemas' OKS sigmas.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FACE70_FLIP_PAIRS } from "../../core/keypoints/face70.js";
import type { PoseIr } from "../../core/ir/types.js";
import { codecFor } from "../../core/ir/codec.js";
import { inferShapes } from "../../core/shapes.js";
import { openDataset } from "../../runtime/data/index.js";
import { facePoints, handPoints } from "../../runtime/data/part-templates.js";
import { synthesizePartsDataset } from "../../runtime/data/synth-parts.js";
import { evaluateOracle } from "../../runtime/infer/evaluate.js";
import { Rng } from "../../runtime/util/rng.js";
import { fixtureIr, schema } from "./fixtures.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("synthesizePartsDataset", () => {
  it("writes the same bytes for the same seed, one labelled instance per image", async () => {
    const names = schema("face70").dataset!.keypoints;
    const [a, b] = [0, 1].map(() => mkdtempSync(join(tmpdir(), "posec-parts-")));
    dirs.push(a, b);
    for (const d of [a, b]) await synthesizePartsDataset({ outDir: d, images: 3, size: 64, seed: 9, kind: "face70", keypointNames: names });
    expect(readFileSync(join(a, "annotations.json"))).toEqual(readFileSync(join(b, "annotations.json")));
    for (const f of readdirSync(join(a, "images"))) expect(readFileSync(join(a, "images", f))).toEqual(readFileSync(join(b, "images", f)));
    const doc = JSON.parse(readFileSync(join(a, "annotations.json"), "utf8"));
    expect(doc.annotations).toHaveLength(3);
    expect(doc.categories[0].keypoints).toEqual(names);
    for (const ann of doc.annotations) expect(ann.keypoints).toHaveLength(3 * 70);
  });
});

describe("the drawn layouts", () => {
  it("a face mirrors onto itself under FACE70_FLIP_PAIRS (the midline points at x = 0)", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const p = facePoints(new Rng(seed));
      expect(p).toHaveLength(70);
      for (const [a, b] of FACE70_FLIP_PAIRS) {
        if (a >= 68) continue; // the pupils move together with the gaze
        expect(p[a][0]).toBeCloseTo(-p[b][0], 9);
        expect(p[a][1]).toBeCloseTo(p[b][1], 9);
      }
      for (const k of [8, 27, 28, 29, 30, 33, 51, 57, 62, 66]) expect(p[k][0]).toBeCloseTo(0, 9);
    }
  });
  it("a hand has the wrist first and each finger's points moving away from it", () => {
    for (let seed = 1; seed <= 5; seed++) {
      const p = handPoints(new Rng(seed));
      expect(p).toHaveLength(21);
      const d = (k: number) => Math.hypot(p[k][0] - p[0][0], p[k][1] - p[0][1]);
      for (let f = 0; f < 5; f++) expect(d(1 + 4 * f)).toBeLessThan(d(4 + 4 * f));
    }
  });
});

describe.each([["tiny_hand.posenet"], ["tiny_face.posenet"]])("%s on its synthetic set", (file) => {
  it("the decoded targets (one instance per image) score AP > 0.6", async () => {
    const ir = fixtureIr(file);
    const resized: PoseIr = {
      ...ir,
      input: { ...ir.input, height: 160, width: 160 },
      train: { ...ir.train, targets: { ...ir.train.targets, sigma: 4 }, data: { kind: "synth", images: 8, size: 160, seed: 21 }, augment: { ...ir.train.augment, crop: [160, 160] } },
    };
    // the codec (label grid, sigma) follows the new input size and sigma, as the compiler computes it
    const grid = inferShapes(resized, 160, 160).report!.outputs.heatmaps;
    const big: PoseIr = { ...resized, codec: codecFor(resized, [grid[0], grid[1]])! };
    const dataset = await openDataset(big.train.data, big.keypoints, { minArea: 0 });
    const { run, results } = await evaluateOracle(big, dataset);
    expect(results).toHaveLength(8); // one instance per image
    expect(run.evaluation.stats.AP).toBeGreaterThan(0.6);
  }, 120_000);
});
