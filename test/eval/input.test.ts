// Bad input gives a PosecError that names the file and the entry; an empty results list scores zeros.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PosecError } from "../../runtime/errors.js";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import { evaluateKeypointData, evaluateKeypointFiles } from "../../runtime/eval/index.js";
import { groundTruth, gtAnn, result, stickPerson } from "./helpers.js";

const P = stickPerson(300, 240, 200);
const gt = groundTruth([1, 2], [gtAnn(1, P, 20000)]);

function errorOf(f: () => unknown): PosecError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PosecError);
    return e as PosecError;
  }
  throw new Error("expected a PosecError");
}

describe("results that do not fit the ground truth", () => {
  it("an image id outside the ground truth is named", () => {
    const e = errorOf(() => parseCocoResults([result(1, P, 0.9), result(7, P, 0.5)], "res.json", gt));
    expect(e.message).toContain("res.json");
    expect(e.message).toContain("Results do not correspond to current coco set");
    expect(e.message).toContain("entry 1 has image_id 7");
  });

  it("an empty list scores as no detections, with a warning", () => {
    const run = evaluateKeypointData(gt, [], "gt.json", "empty.json");
    expect(run.warnings.join("\n")).toMatch(/empty\.json: the results list is empty/);
    // ground truth exists in 'all' and 'large' (area 20000): 0 there; none in 'medium': -1
    expect(run.evaluation.stats).toEqual({
      AP: 0,
      AP50: 0,
      AP75: 0,
      APm: -1,
      APl: 0,
      AR: 0,
      AR50: 0,
      AR75: 0,
      ARm: -1,
      ARl: 0,
    });
  });
});

describe("malformed files", () => {
  it("a results entry with too few keypoints", () => {
    const bad = [result(1, P, 0.9), { ...result(2, P, 0.5), keypoints: [1, 2, 3] }];
    const e = errorOf(() => parseCocoResults(bad, "res.json", gt));
    expect(e.message).toBe(
      'res.json: malformed keypoint results: results[1] (image_id 2): keypoints must have 51 numbers (three for each of the 17 keypoints)',
    );
  });

  it("a results entry without a score", () => {
    const { score: _, ...noScore } = result(1, P, 0.9);
    const e = errorOf(() => parseCocoResults([noScore], "res.json", gt));
    expect(e.message).toBe(
      'res.json: malformed keypoint results: results[0] (image_id 1): the entry is missing "score"',
    );
  });

  it("a results file that is not a list", () => {
    expect(errorOf(() => parseCocoResults({ annotations: [] }, "res.json", gt)).message).toMatch(
      /^res\.json: results must be a JSON array/,
    );
  });

  it("a string where a number belongs", () => {
    const e = errorOf(() => parseCocoResults([{ ...result(1, P, 0.9), image_id: "1" }], "res.json", gt));
    expect(e.message).toContain('results[0]: image_id must be an integer');
  });

  it("a ground-truth annotation without num_keypoints", () => {
    const g = structuredClone(gt) as unknown as { annotations: Record<string, unknown>[] };
    delete g.annotations[0].num_keypoints;
    const e = errorOf(() => parseCocoGroundTruth(g, "gt.json"));
    expect(e.message).toContain("gt.json");
    expect(e.message).toContain(
      `annotations[0] (id ${gt.annotations[0].id}, image_id 1): the entry is missing "num_keypoints"`,
    );
  });

  it("a ground truth without categories", () => {
    const { categories: _, ...g } = gt;
    expect(errorOf(() => parseCocoGroundTruth(g, "gt.json")).message).toContain(
      'the top level is missing "categories"',
    );
  });

  it("repeated annotation ids", () => {
    const g = groundTruth([1], [gtAnn(1, P, 20000, { id: 5 }), gtAnn(1, P, 20000, { id: 5 })]);
    expect(errorOf(() => parseCocoGroundTruth(g, "gt.json")).message).toContain("annotations entry 1 reuses id 5");
  });

  it("an unreadable file and a file that is not JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "posec-eval-"));
    writeFileSync(join(dir, "gt.json"), JSON.stringify(gt));
    writeFileSync(join(dir, "bad.json"), "[{");
    expect(errorOf(() => evaluateKeypointFiles(join(dir, "gt.json"), join(dir, "missing.json"))).message).toContain(
      `cannot read results ${join(dir, "missing.json")}`,
    );
    expect(errorOf(() => evaluateKeypointFiles(join(dir, "gt.json"), join(dir, "bad.json"))).message).toContain(
      `${join(dir, "bad.json")}: results is not valid JSON`,
    );
  });

  it("results of a category the ground truth lacks are reported and skipped", () => {
    const run = evaluateKeypointData(
      gt,
      [result(1, P, 0.9), { ...result(1, P, 0.8), category_id: 3 }],
      "gt.json",
      "res.json",
    );
    expect(run.warnings).toEqual([
      "res.json: 1 result(s) have a category_id that is not in the ground truth; they are not evaluated",
    ]);
    expect(run.evaluation.stats.AP).toBe(run.evaluation.stats.APl);
    expect(run.evaluation.stats.AR).toBe(1);
  });
});
