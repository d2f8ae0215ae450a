// Hand-reasoned cases for the pycocotools rules the public vectors do not exercise. Each expectation is
// derived in the comment next to it from the rules of cocoeval.py, not from running this code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CocoKeypointResult } from "../../runtime/coco/format.js";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import type { CocoGroundTruth } from "../../runtime/coco/format.js";
import { evaluateKeypoints } from "../../runtime/eval/cocoeval.js";
import { computeOks, PYCOCOTOOLS_KPT_OKS_SIGMAS } from "../../runtime/eval/oks.js";
import { groundTruth, gtAnn, result, shifted, stickPerson } from "./helpers.js";

const expected: Record<string, number[]> = JSON.parse(
  readFileSync(join(import.meta.dirname, "../fixtures/coco-eval/expected.json"), "utf8"),
);
// When every precision entry is 1/(1 + eps), pycocotools reports exactly these (see perfect_single).
const PERFECT_AP = expected.perfect_single[0];
const PERFECT_AP50 = expected.perfect_single[1];

function run(gt: CocoGroundTruth, results: CocoKeypointResult[]) {
  const parsedGt = parseCocoGroundTruth(structuredClone(gt), "gt.json");
  const { detections, warnings } = parseCocoResults(structuredClone(results), "results.json", parsedGt);
  return { ...evaluateKeypoints(parsedGt, detections), warnings };
}

const P = stickPerson(300, 240, 200); // a large person (area 20000 below)
const Q = stickPerson(100, 100, 60); // a medium one (area 2000 below)

describe("ground truth that is ignored", () => {
  it("a crowd region absorbs any number of detections without false positives", () => {
    // crowd: no keypoints, num_keypoints 0 -> OKS from the 3x-expanded bbox, = 1 for detections inside it.
    const crowd = gtAnn(1, stickPerson(500, 240, 100), 5000, {
      iscrowd: 1,
      num_keypoints: 0,
      keypoints: new Array(51).fill(0),
    });
    const gt = groundTruth([1], [gtAnn(1, P, 20000), crowd]);
    const inCrowd = stickPerson(500, 240, 90);
    const ev = run(gt, [result(1, inCrowd, 0.9), result(1, P, 0.5), result(1, shifted(inCrowd, 3), 0.8)]);
    // both crowd detections match the (ignored) crowd and are ignored; the only counted one is a TP.
    expect(ev.stats.AP).toBe(PERFECT_AP);
    expect(ev.stats.AR).toBe(1);
    const all = ev.evalImgs.find((e) => e && e.areaRange.label === "all")!;
    expect(all.dtIgnore[9]).toEqual([true, true, false]);
    expect(all.dtMatches[9]).toEqual([crowd.id, crowd.id, gt.annotations[0].id]);
  });

  it("without the crowd region the same detections are two false positives ranked first", () => {
    const gt = groundTruth([1], [gtAnn(1, P, 20000)]);
    const inCrowd = stickPerson(500, 240, 90);
    const ev = run(gt, [result(1, inCrowd, 0.9), result(1, P, 0.5), result(1, shifted(inCrowd, 3), 0.8)]);
    // order FP, FP, TP: precision 1/3 at recall 1 -> AP = 1/(3 + eps) everywhere
    expect(ev.stats.AP).toBeCloseTo(1 / 3, 12);
  });

  it("a non-crowd person with num_keypoints 0 is ignored, and so is the detection matched to it", () => {
    const empty = gtAnn(1, Q, 2000, { num_keypoints: 0 });
    const gt = groundTruth([1], [gtAnn(1, P, 20000), empty]);
    const ev = run(gt, [result(1, Q, 0.9), result(1, P, 0.5)]);
    expect(ev.stats.AP).toBe(PERFECT_AP);
    // the only gt in the medium range is ignored -> no ground truth there -> -1
    expect(ev.stats.APm).toBe(-1);
    expect(ev.stats.ARm).toBe(-1);
  });

  it("an image whose only person is ignored gives -1 everywhere", () => {
    const gt = groundTruth([1], [gtAnn(1, P, 20000, { iscrowd: 1 })]);
    const ev = run(gt, [result(1, P, 0.9)]);
    expect(Object.values(ev.stats)).toEqual(new Array(10).fill(-1));
  });

  it("a detection prefers a regular match over a better ignored one", () => {
    // regular gt at OKS ~0.7-0.9 and an ignored (crowd) copy of the detection at OKS 1: the loop visits the
    // regular gt first (ignored sort last) and breaks on reaching the ignored one -> TP at low thresholds.
    const crowdCopy = gtAnn(1, P, 20000, { iscrowd: 1 });
    const regular = gtAnn(1, shifted(P, 4), 20000);
    const gt = groundTruth([1], [crowdCopy, regular]);
    const ev = run(gt, [result(1, P, 0.9)]);
    const all = ev.evalImgs.find((e) => e && e.areaRange.label === "all")!;
    expect(all.gtIds).toEqual([regular.id, crowdCopy.id]);
    const oks = computeOks(result(1, P, 0).keypoints, regular, PYCOCOTOOLS_KPT_OKS_SIGMAS);
    all.dtMatches.forEach((row, t) => {
      const thr = ev.params.iouThrs[t];
      // matched to the regular gt where its OKS clears the threshold, otherwise to the crowd (ignored)
      expect(row[0]).toBe(oks >= thr ? regular.id : crowdCopy.id);
      expect(all.dtIgnore[t][0]).toBe(oks < thr);
    });
  });
});

describe("ordering and ties", () => {
  it("equal scores keep file order within an image (stable sort)", () => {
    const gt = groundTruth([1], [gtAnn(1, P, 20000)]);
    const far = stickPerson(550, 100, 100);
    // FP first then TP: precision [0, 1/2] -> envelope 1/2 -> AP = 1/(2 + eps) = 0.5 exactly (2 + eps == 2)
    expect(run(gt, [result(1, far, 0.5), result(1, P, 0.5)]).stats.AP).toBe(0.5);
    // TP first: precision 1/(1 + eps) at recall 1
    expect(run(gt, [result(1, P, 0.5), result(1, far, 0.5)]).stats.AP).toBe(PERFECT_AP);
  });

  it("equal scores across images follow image id order, not file order", () => {
    // images listed 5 then 3; accumulate() concatenates images by sorted id, so image 3 comes first
    const gt = groundTruth([5, 3], [gtAnn(5, P, 20000), gtAnn(3, P, 20000)]);
    const far = stickPerson(550, 100, 100);
    const fpOn3 = run(gt, [result(5, P, 0.5), result(5, far, 0.5), result(3, far, 0.5), result(3, P, 0.4)]);
    // order: img3 far (FP, 0.5), img5 P (TP), img5 far (FP), img3 P (TP, 0.4):
    // tp 0 1 1 2 / fp 1 1 2 2 -> precision 0, 1/2, 1/3, 1/2; envelope 1/2 1/2 1/2 1/2
    // recall 0, .5, .5, 1 -> AP50 = 1/2 at every recall point
    expect(fpOn3.stats.AP50).toBe(0.5);
  });

  it("two identical ground truths: the detection takes the later one", () => {
    const a = gtAnn(1, P, 20000);
    const b = gtAnn(1, P, 20000);
    const ev = run(groundTruth([1], [a, b]), [result(1, P, 0.9)]);
    const all = ev.evalImgs.find((e) => e && e.areaRange.label === "all")!;
    // `if ious < iou: continue` lets an equal OKS replace the current best
    expect(all.dtMatches.every((row) => row[0] === b.id)).toBe(true);
    expect(ev.stats.AR).toBe(0.5);
  });

  it("the higher-scored detection claims the person even when a lower-scored one fits better", () => {
    const gt = groundTruth([1], [gtAnn(1, P, 20000)]);
    const ev = run(gt, [result(1, P, 0.4), result(1, shifted(P, 6), 0.9)]);
    const all = ev.evalImgs.find((e) => e && e.areaRange.label === "all")!;
    expect(all.dtIds).toEqual([2, 1]);
    expect(all.dtMatches[0]).toEqual([gt.annotations[0].id, 0]);
  });
});

describe("the 20-detection cut", () => {
  const gt = groundTruth([1], [gtAnn(1, P, 20000)]);
  const fp = (i: number) => result(1, stickPerson(40 + 25 * i, 60, 40), 0.9);

  it("drops the 21st detection of an image even when it is the only true positive", () => {
    const ev = run(gt, [...Array.from({ length: 20 }, (_, i) => fp(i)), result(1, P, 0.1)]);
    expect(ev.stats.AP).toBe(0);
    expect(ev.stats.AR).toBe(0);
    expect(ev.oks[0].dtIds).toHaveLength(20);
  });

  it("keeps it as the 20th: precision 1/20 at recall 1", () => {
    const ev = run(gt, [...Array.from({ length: 19 }, (_, i) => fp(i)), result(1, P, 0.1)]);
    expect(ev.stats.AP).toBeCloseTo(1 / 20, 12);
    expect(ev.stats.AR).toBe(1);
  });

  it("cuts per image, not over the whole set", () => {
    const gt2 = groundTruth([1, 2], [gtAnn(1, P, 20000), gtAnn(2, P, 20000)]);
    const dts = [
      ...Array.from({ length: 19 }, (_, i) => fp(i)),
      result(1, P, 0.1),
      ...Array.from({ length: 19 }, (_, i) => ({ ...fp(i), image_id: 2 })),
      result(2, P, 0.1),
    ];
    expect(run(gt2, dts).stats.AR).toBe(1);
  });
});

describe("images without ground truth and area ranges", () => {
  it("a detection on an image without people is a false positive", () => {
    const gt = groundTruth([1, 2], [gtAnn(1, P, 20000)]);
    expect(run(gt, [result(1, P, 0.5), result(2, P, 0.9)]).stats.AP).toBe(0.5);
    expect(run(gt, [result(1, P, 0.5), result(2, P, 0.1)]).stats.AP).toBe(PERFECT_AP);
  });

  it("an unmatched detection outside an area range does not count against that range", () => {
    const gt = groundTruth([1, 2], [gtAnn(1, Q, 2000)]);
    // the FP on image 2 spans 0.44 x 0.96 of 100 px -> area 44 * 96 = 4224: a medium detection
    const fpMedium = result(2, stickPerson(300, 240, 100), 0.9);
    // the same FP with one joint missing at (0, 0): its box reaches the origin -> area > 96^2: not medium
    const fpWithMissing = structuredClone(fpMedium);
    fpWithMissing.keypoints.splice(0, 3, 0, 0, 0);
    const medium = run(gt, [result(1, Q, 0.5), fpMedium]);
    const stretched = run(gt, [result(1, Q, 0.5), fpWithMissing]);
    expect(medium.stats.APm).toBe(0.5);
    expect(stretched.stats.APm).toBe(PERFECT_AP);
    expect(stretched.stats.AP).toBe(0.5);
  });

  it("area bounds are inclusive: 32^2 and 96^2 are medium, 96^2 is also large", () => {
    const at = (area: number) => run(groundTruth([1], [gtAnn(1, P, area)]), [result(1, P, 0.9)]).stats;
    expect(at(1024).APm).toBe(PERFECT_AP);
    expect(at(1023).APm).toBe(-1);
    expect(at(9216).APm).toBe(PERFECT_AP);
    expect(at(9216).APl).toBe(PERFECT_AP);
    expect(at(9216.5).APm).toBe(-1);
  });

  it("AP50 only averages the 101 recall points of one threshold", () => {
    const ev = run(groundTruth([1], [gtAnn(1, P, 20000)]), [result(1, P, 0.9)]);
    expect(ev.stats.AP50).toBe(PERFECT_AP50);
  });
});

describe("OKS", () => {
  it("is 1 for an exact detection and follows the formula for a shifted one", () => {
    const g = gtAnn(1, P, 20000);
    expect(computeOks(result(1, P, 1).keypoints, g, PYCOCOTOOLS_KPT_OKS_SIGMAS)).toBe(1);
    // all 17 labelled, each 5 px off: mean of exp(-25 / (2 s_k)^2 / 20000 / 2)
    const want = PYCOCOTOOLS_KPT_OKS_SIGMAS.reduce((s, sk) => s + Math.exp(-25 / (4 * sk * sk) / 20000 / 2), 0) / 17;
    expect(computeOks(result(1, shifted(P, 5), 1).keypoints, g, PYCOCOTOOLS_KPT_OKS_SIGMAS)).toBeCloseTo(want, 14);
  });

  it("averages over labelled keypoints only", () => {
    const g = gtAnn(1, P, 20000);
    g.keypoints[2] = 0; // nose not labelled
    const det = result(1, P, 1);
    det.keypoints[0] += 100; // a wild nose does not matter
    expect(computeOks(det.keypoints, g, PYCOCOTOOLS_KPT_OKS_SIGMAS)).toBe(1);
  });

  it("measures to the 3x-expanded box when no keypoint is labelled", () => {
    const g = gtAnn(1, P, 20000, { keypoints: new Array(51).fill(0), bbox: [100, 100, 50, 80] });
    // box x in [50, 200], y in [20, 340]: a detection inside it scores 1
    const inside = result(1, stickPerson(125, 180, 100), 1);
    expect(computeOks(inside.keypoints, g, PYCOCOTOOLS_KPT_OKS_SIGMAS)).toBe(1);
    // every keypoint 10 px left of x0 = 50 (and inside in y): d = 10 for all 17
    const left = result(
      1,
      Array.from({ length: 17 }, () => [40, 100] as [number, number]),
      1,
    );
    const want = PYCOCOTOOLS_KPT_OKS_SIGMAS.reduce((s, sk) => s + Math.exp(-100 / (4 * sk * sk) / 20000 / 2), 0) / 17;
    expect(computeOks(left.keypoints, g, PYCOCOTOOLS_KPT_OKS_SIGMAS)).toBeCloseTo(want, 14);
  });

  it("uses pycocotools' sigmas (.26/10, not 0.026)", () => {
    expect(PYCOCOTOOLS_KPT_OKS_SIGMAS[0]).toBe(0.26 / 10);
    expect(PYCOCOTOOLS_KPT_OKS_SIGMAS[0]).not.toBe(0.026);
  });
});

describe("detection areas from loadRes", () => {
  it("come from the bbox when the first result has one", () => {
    const gt = groundTruth([1, 2], [gtAnn(1, Q, 2000)]);
    const fp = { ...result(2, stickPerson(300, 200, 60), 0.9), bbox: [0, 0, 200, 200] };
    const tp = { ...result(1, Q, 0.5), bbox: [0, 0, 40, 40] };
    // with bboxes, the FP's area is 40000: not medium -> ignored there
    expect(run(gt, [fp, tp]).stats.APm).toBe(PERFECT_AP);
    // without, its keypoint extent (~26 x 58) is 1500-ish: medium -> counted
    expect(run(gt, [result(2, stickPerson(300, 200, 60), 0.9), result(1, Q, 0.5)]).stats.APm).toBe(0.5);
  });
});
