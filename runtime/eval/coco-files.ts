// COCO keypoint ground truth and results as the evaluator reads them: validation against the one COCO
// format (runtime/coco/format.ts) with every field pycocotools reads required, and the loading rules of
// pycocotools' COCO() / COCO.loadRes() that change the numbers (detection ids, detection areas). Parsing is
// pure; readJsonFile is the only function that touches disk.
import { readFileSync } from "node:fs";
import { COCO_NUM_KEYPOINTS, cocoValidators, describeAjvErrors, firstBadEntry, type CocoGroundTruth, type CocoKeypointResult } from "../coco/format.js";
import { PosecError } from "../errors.js";

/** A detection as pycocotools' loadRes leaves it: numbered 1.. in file order, with a derived area. */
export interface LoadedDetection {
  id: number;
  image_id: number;
  category_id: number;
  keypoints: number[];
  score: number;
  area: number;
}

/** The first problem of a ground-truth document, or null. */
function groundTruthProblem(data: unknown, K: number): string | null {
  const v = cocoValidators(K, "evaluation");
  if (!v.topLevel(data)) return describeAjvErrors("", v.topLevel.errors, "the top level");
  const doc = data as Record<string, unknown[]>;
  return firstBadEntry("images", doc.images, v.image) ?? firstBadEntry("categories", doc.categories, v.category) ?? firstBadEntry("annotations", doc.annotations, v.annotation);
}

/** Reads and parses a JSON file, turning I/O and syntax failures into a PosecError naming the file. */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new PosecError(`cannot read ${what} ${path}: ${(e as Error).message}`, "PN5101");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PosecError(`${path}: ${what} is not valid JSON: ${(e as Error).message}`, "PN5102");
  }
}

/**
 * Validates a parsed COCO-format ground-truth object with `keypointCount` keypoints per person (COCO's 17
 * by default); `file` only names it in messages.
 */
export function parseCocoGroundTruth(data: unknown, file: string, keypointCount = COCO_NUM_KEYPOINTS): CocoGroundTruth {
  const problem = groundTruthProblem(data, keypointCount);
  if (problem) {
    throw new PosecError(
      `${file}: not a COCO keypoint ground truth: ${problem}`,
      "PN5601",
      "the file must have images, annotations (with keypoints, num_keypoints, area, bbox, iscrowd) and categories",
    );
  }
  const gt = data as CocoGroundTruth;
  const seen = new Map<number, number>();
  gt.annotations.forEach((a, i) => {
    const prev = seen.get(a.id);
    if (prev !== undefined) {
      // pycocotools indexes annotations by id, so a repeated id silently replaces the earlier annotation.
      throw new PosecError(
        `${file}: annotations entry ${i} reuses id ${a.id} (already used by entry ${prev}); annotation ids must be unique`,
        "PN5602",
      );
    }
    seen.set(a.id, i);
  });
  return gt;
}

export interface LoadedResults {
  detections: LoadedDetection[];
  warnings: string[];
}

/**
 * Validates a parsed results list against the ground truth and applies loadRes's rules: ids 1..N in file
 * order; area = (max x - min x) * (max y - min y) over ALL the keypoints (a missing joint at 0,0 stretches
 * the box to the origin, exactly as pycocotools does), unless the first result carries a non-empty bbox,
 * in which case loadRes takes its bbox branch and area = w * h of every result's bbox.
 * An empty list is accepted (pycocotools' loadRes crashes on it): it scores as "no detections" with a warning.
 */
export function parseCocoResults(
  data: unknown,
  file: string,
  gt: CocoGroundTruth,
  keypointCount = COCO_NUM_KEYPOINTS,
): LoadedResults {
  if (!Array.isArray(data)) {
    throw new PosecError(
      `${file}: results must be a JSON array of {image_id, category_id, keypoints, score} objects`,
      "PN5603",
    );
  }
  const problem = firstBadEntry("results", data, cocoValidators(keypointCount, "evaluation").result);
  if (problem) throw new PosecError(`${file}: malformed keypoint results: ${problem}`, "PN5603");
  const results = data as CocoKeypointResult[];
  const warnings: string[] = [];
  if (results.length === 0) {
    warnings.push(
      `${file}: the results list is empty (pycocotools' loadRes fails on an empty list); scored as no detections: AP and AR are 0 wherever there is ground truth`,
    );
    return { detections: [], warnings };
  }
  const imageIds = new Set(gt.images.map((im) => im.id));
  results.forEach((r, i) => {
    if (!imageIds.has(r.image_id)) {
      throw new PosecError(
        `${file}: results do not correspond to the ground truth (pycocotools: "Results do not correspond to current coco set"): entry ${i} has image_id ${r.image_id}, which is not an image of the ground truth`,
        "PN5604",
        "evaluate against the annotation file the results were produced for",
      );
    }
  });
  const useBbox = Array.isArray(results[0].bbox) && results[0].bbox.length > 0;
  const detections = results.map((r, i): LoadedDetection => {
    let area: number;
    if (useBbox) {
      const bb = r.bbox;
      if (!bb || bb.length < 4) {
        throw new PosecError(
          `${file}: entry ${i} (image_id ${r.image_id}) has no [x, y, w, h] bbox, but the first entry has one; pycocotools then takes every detection's area from its bbox`,
          "PN5603",
          "give every result a bbox, or none",
        );
      }
      area = bb[2] * bb[3];
    } else {
      let x0 = Infinity;
      let x1 = -Infinity;
      let y0 = Infinity;
      let y1 = -Infinity;
      for (let k = 0; k < r.keypoints.length; k += 3) {
        x0 = Math.min(x0, r.keypoints[k]);
        x1 = Math.max(x1, r.keypoints[k]);
        y0 = Math.min(y0, r.keypoints[k + 1]);
        y1 = Math.max(y1, r.keypoints[k + 1]);
      }
      area = (x1 - x0) * (y1 - y0);
    }
    return {
      id: i + 1,
      image_id: r.image_id,
      category_id: r.category_id,
      keypoints: r.keypoints,
      score: r.score,
      area,
    };
  });
  const catIds = new Set(gt.categories.map((c) => c.id));
  const foreign = detections.filter((d) => !catIds.has(d.category_id)).length;
  if (foreign > 0) {
    warnings.push(
      `${file}: ${foreign} result(s) have a category_id that is not in the ground truth; they are not evaluated`,
    );
  }
  return { detections, warnings };
}
