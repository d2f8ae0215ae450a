// The public pycocotools vectors: ten numbers, OKS matrices and matchings must agree with the official
// evaluator (numbers within 1e-12, -1 exactly; matchings exactly).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCocoGroundTruth, parseCocoResults } from "../../runtime/eval/coco-files.js";
import { evaluateKeypoints, KEYPOINT_STAT_NAMES } from "../../runtime/eval/cocoeval.js";

const dir = join(import.meta.dirname, "../fixtures/coco-eval");
const expected: Record<string, number[]> = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8"));

function load(name: string) {
  const gtFile = join(dir, "cases", `${name}.gt.json`);
  const dtFile = join(dir, "cases", `${name}.dt.json`);
  const gt = parseCocoGroundTruth(JSON.parse(readFileSync(gtFile, "utf8")), gtFile);
  const { detections } = parseCocoResults(JSON.parse(readFileSync(dtFile, "utf8")), dtFile, gt);
  return { gt, detections };
}

describe.each(Object.keys(expected))("pycocotools vector %s", (name) => {
  const { gt, detections } = load(name);
  const ev = evaluateKeypoints(gt, detections);
  const debug = JSON.parse(readFileSync(join(dir, "debug", `${name}.json`), "utf8"));

  it("reproduces the ten summary numbers", () => {
    KEYPOINT_STAT_NAMES.forEach((stat, i) => {
      const want = expected[name][i];
      if (want === -1) expect(ev.stats[stat], stat).toBe(-1);
      else expect(Math.abs(ev.stats[stat] - want), stat).toBeLessThanOrEqual(1e-12);
    });
  });

  it("uses the same OKS thresholds", () => {
    expect(ev.params.iouThrs).toEqual(debug.iouThrs);
  });

  it("reproduces the OKS matrices (rows by score, columns in file order)", () => {
    for (const img of debug.images) {
      const m = ev.oks.find((o) => o.imageId === img.image_id && o.categoryId === img.category_id)!;
      expect(m.dtIds).toEqual(img.oks_rows_dt_ids);
      expect(m.gtIds).toEqual(img.oks_cols_gt_ids);
      if (img.oks_cols_gt_ids.length === 0) {
        expect(m.oks).toEqual([]);
        continue;
      }
      img.oks.forEach((row: number[], i: number) =>
        row.forEach((want, j) => {
          // numpy's exp and V8's Math.exp may differ by an ulp
          expect(Math.abs(m.oks[i][j] - want)).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(want)));
        }),
      );
    }
  });

  it("reproduces the matching for area 'all'", () => {
    for (const img of debug.images) {
      const e = ev.evalImgs.find((x) => x && x.imageId === img.image_id && x.areaRange.label === "all")!;
      const want = img.eval_all;
      expect(e.dtIds).toEqual(want.dtIds);
      expect(e.gtIds).toEqual(want.gtIds);
      expect(e.dtScores).toEqual(want.dtScores);
      expect(e.gtIgnore.map(Number)).toEqual(want.gtIgnore);
      expect(e.dtMatches).toEqual(want.dtMatches);
      expect(e.gtMatches).toEqual(want.gtMatches);
      expect(e.dtIgnore.map((r) => r.map(Number))).toEqual(want.dtIgnore);
    }
  });
});
