// 33 generated cases scored by a numpy transcription of pycocotools (see fixtures/README.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import { evaluateKeypoints, KEYPOINT_STAT_NAMES } from "../../runtime/eval/cocoeval.js";

interface Case {
  name: string;
  features: string[];
  gt: unknown;
  results: unknown;
  expected: number[];
}
const { cases } = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures/pycocotools-generated.json"), "utf8"),
) as {
  cases: Case[];
};

describe("generated pycocotools vectors", () => {
  it("cover every rule they were picked for", () => {
    const features = new Set(cases.flatMap((c) => c.features));
    for (const f of [
      "crowd",
      "zero_kpts",
      "no_labelled_bbox_oks",
      "over20",
      "two_categories",
      "result_bbox",
      "score_ties",
    ]) {
      expect(features.has(f), f).toBe(true);
    }
  });

  it.each(cases.map((c) => [`${c.name} (${c.features.join(", ")})`, c] as const))("%s", (_, c) => {
    const gt = parseCocoGroundTruth(c.gt, `${c.name}.gt`);
    const { detections } = parseCocoResults(c.results, `${c.name}.dt`, gt);
    const stats = evaluateKeypoints(gt, detections).stats;
    KEYPOINT_STAT_NAMES.forEach((name, i) => {
      if (c.expected[i] === -1) expect(stats[name], name).toBe(-1);
      else expect(Math.abs(stats[name] - c.expected[i]), name).toBeLessThanOrEqual(1e-12);
    });
  });
});
