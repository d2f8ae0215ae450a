// Evaluation of keypoint sets other than COCO's 17: the schema's dataset sigmas decide the count and the
// OKS; checked against OKS written out here with COCO-WholeBody's published hand sigmas.
import { describe, expect, it } from "vitest";
import { BUILTIN_KEYPOINTS } from "../../core/keypoints/builtin.js";
import { evaluateKeypointData, oksSigmasFor, PYCOCOTOOLS_KPT_OKS_SIGMAS } from "../../runtime/eval/index.js";
import { isPosecError } from "../../runtime/errors.js";

const SPAN = { file: "t", line: 1, col: 1, endLine: 1, endCol: 1 };
/** COCO-WholeBody's hand sigmas (jin-s13/COCO-WholeBody evaluation/myeval_wholebody.py, sigmas_righthand) */
const HAND = [0.029, 0.022, 0.035, 0.037, 0.047, 0.026, 0.025, 0.024, 0.035, 0.018, 0.024, 0.022, 0.026, 0.017, 0.021, 0.021, 0.032, 0.02, 0.019, 0.022, 0.031];

function handGt(K = 21) {
  const keypoints = Array.from({ length: K }, (_, k) => [100 + 3 * k, 50 + 2 * k, 2]).flat();
  return {
    images: [{ id: 1 }],
    categories: [{ id: 1, name: "hand" }],
    annotations: [{ id: 1, image_id: 1, category_id: 1, iscrowd: 0, area: 10000, bbox: [90, 40, 100, 100], num_keypoints: K, keypoints }],
  };
}

describe("hand21 evaluation", () => {
  it("uses the schema's 21 sigmas", () => {
    expect(oksSigmasFor(BUILTIN_KEYPOINTS.hand21(SPAN))).toEqual(HAND);
    expect(oksSigmasFor(BUILTIN_KEYPOINTS.body25(SPAN))).toBe(PYCOCOTOOLS_KPT_OKS_SIGMAS);
  });

  it("computes OKS over 21 keypoints with those sigmas", () => {
    const gt = handGt();
    const shifted = gt.annotations[0].keypoints.map((v, i) => (i % 3 === 0 ? v + 2 : i % 3 === 2 ? 1 : v));
    const run = evaluateKeypointData(gt, [{ image_id: 1, category_id: 1, keypoints: shifted, score: 1 }], "gt", "dt", HAND);
    // OKS = mean_k exp(-d^2 / (2 s^2 (2 sigma_k)^2)) with d = 2 px, s^2 = area (+ numpy's eps, negligible here)
    const expected = HAND.reduce((a, sg) => a + Math.exp(-4 / (2 * 10000 * (2 * sg) ** 2)), 0) / 21;
    expect(run.evaluation.oks[0].oks[0][0]).toBeCloseTo(expected, 12);
    expect(run.perJoint.joints).toHaveLength(21);
  });

  it("refuses a file with another keypoint count, naming it", () => {
    try {
      evaluateKeypointData(handGt(17), [], "hand-gt.json", "dt", HAND);
      throw new Error("no error");
    } catch (e) {
      if (!isPosecError(e)) throw e;
      expect(e.code).toBe("PN5601");
      expect(e.message).toMatch(/hand-gt\.json.*63 numbers.*21 keypoints/);
    }
  });
});
