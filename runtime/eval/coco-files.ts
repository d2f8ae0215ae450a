// COCO keypoint ground truth and results: the types, ajv validation with messages that name the file and
// the entry, and the loading rules of pycocotools' COCO() / COCO.loadRes() that change the numbers
// (detection ids, detection areas). Parsing is pure; readJsonFile is the only function that touches disk.
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { PosecError } from "../errors.js";

export interface CocoImage {
  id: number;
  width?: number;
  height?: number;
  file_name?: string;
}
export interface CocoKeypointAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** truthy = crowd region: ignored, and may absorb any number of detections */
  iscrowd: number | boolean;
  area: number;
  bbox: [number, number, number, number];
  num_keypoints: number;
  /** [x, y, v] * K; v > 0 means labelled */
  keypoints: number[];
}
export interface CocoCategory {
  id: number;
  name?: string;
  keypoints?: string[];
}
export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoKeypointAnnotation[];
  categories: CocoCategory[];
}
/** One entry of a keypoint results file (what `posec infer` writes and the COCO server accepts). */
export interface CocoKeypointResult {
  image_id: number;
  category_id: number;
  /** [x, y, score] * K; the per-keypoint score is not used by the evaluator */
  keypoints: number[];
  score: number;
  /** optional; when the FIRST result has a non-empty bbox, loadRes takes the detection area from bboxes */
  bbox?: number[];
}

/** A detection as pycocotools' loadRes leaves it: numbered 1.. in file order, with a derived area. */
export interface LoadedDetection {
  id: number;
  image_id: number;
  category_id: number;
  keypoints: number[];
  score: number;
  area: number;
}

/** Number of keypoints per person in the COCO format (also the number of OKS sigmas). */
export const COCO_NUM_KEYPOINTS = 17;

const finite = { type: "number" };
const integer = { type: "integer" };
function numberArray(n: number) {
  return { type: "array", items: finite, minItems: n, maxItems: n };
}

/** The ground-truth and results schemas for K keypoints per person (COCO: 17; hand21: 21; face70: 70). */
function schemasFor(K: number) {
  const gtSchema = {
    type: "object",
    required: ["images", "annotations", "categories"],
    properties: {
      images: {
        type: "array",
        items: {
          type: "object",
          required: ["id"],
          properties: { id: integer },
        },
      },
      categories: {
        type: "array",
        items: {
          type: "object",
          required: ["id"],
          properties: { id: integer },
        },
      },
      annotations: {
        type: "array",
        items: {
          type: "object",
          required: ["id", "image_id", "category_id", "iscrowd", "area", "bbox", "num_keypoints", "keypoints"],
          properties: {
            id: integer,
            image_id: integer,
            category_id: integer,
            iscrowd: { type: ["number", "boolean"] },
            area: finite,
            bbox: numberArray(4),
            num_keypoints: finite,
            keypoints: numberArray(3 * K),
          },
        },
      },
    },
  };

  const resultsSchema = {
    type: "array",
    items: {
      type: "object",
      required: ["image_id", "category_id", "keypoints", "score"],
      properties: {
        image_id: integer,
        category_id: integer,
        keypoints: numberArray(3 * K),
        score: finite,
        bbox: { type: "array", items: finite },
      },
    },
  };
  return { gtSchema, resultsSchema };
}

const validators = new Map<number, { gt: ValidateFunction; results: ValidateFunction }>();
function getValidators(K: number) {
  let v = validators.get(K);
  if (!v) {
    const ajv = new Ajv({
      allErrors: false,
      strict: true,
      allowUnionTypes: true,
    });
    const { gtSchema, resultsSchema } = schemasFor(K);
    v = { gt: ajv.compile(gtSchema), results: ajv.compile(resultsSchema) };
    validators.set(K, v);
  }
  return v;
}

/** "annotations entry 3 (id 17): keypoints must have 51 numbers" style text for the first ajv error. */
function describeAjvError(err: ErrorObject, data: unknown, topLevelArray: string | null, K: number): string {
  const parts = err.instancePath.split("/").slice(1);
  let where = "";
  let rest = parts;
  let entry: unknown = null;
  if (topLevelArray === null && parts.length >= 2 && /^\d+$/.test(parts[1])) {
    // ground truth: /annotations/3/keypoints
    entry = (data as Record<string, unknown[]>)[parts[0]][Number(parts[1])];
    where = `${parts[0]} entry ${parts[1]}`;
    rest = parts.slice(2);
  } else if (topLevelArray !== null && parts.length >= 1 && /^\d+$/.test(parts[0])) {
    entry = (data as unknown[])[Number(parts[0])];
    where = `${topLevelArray} entry ${parts[0]}`;
    rest = parts.slice(1);
  } else {
    where = parts.length ? `field "${parts.join(".")}"` : "the top level";
    rest = [];
  }
  if (entry && typeof entry === "object") {
    const e = entry as Record<string, unknown>;
    const ids = ["id", "image_id"].filter((k) => typeof e[k] === "number").map((k) => `${k} ${e[k]}`);
    if (ids.length) where += ` (${ids.join(", ")})`;
  }
  const field = rest.length ? `field "${rest.join(".")}"` : "";
  let what: string;
  switch (err.keyword) {
    case "required":
      what = `is missing the required field "${(err.params as { missingProperty: string }).missingProperty}"`;
      break;
    case "minItems":
    case "maxItems":
      what = `${field} must have exactly ${(err.params as { limit: number }).limit} entries`;
      if (rest[rest.length - 1] === "keypoints")
        what +=
          K === COCO_NUM_KEYPOINTS
            ? ` (three numbers for each of the ${K} COCO keypoints)`
            : ` (three numbers for each of the ${K} keypoints)`;
      break;
    case "type":
      what = `${field || "value"} must be ${(err.params as { type: string }).type === "integer" ? "an integer" : `of type ${(err.params as { type: string }).type}`}`;
      break;
    default:
      what = `${field} ${err.message ?? "is invalid"}`.trim();
  }
  return `${where} ${what}`;
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
  const v = getValidators(keypointCount).gt;
  if (!v(data)) {
    throw new PosecError(
      `${file}: not a COCO keypoint ground truth: ${describeAjvError(v.errors![0], data, null, keypointCount)}`,
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
  const v = getValidators(keypointCount).results;
  if (!Array.isArray(data)) {
    throw new PosecError(
      `${file}: results must be a JSON array of {image_id, category_id, keypoints, score} objects`,
      "PN5603",
    );
  }
  if (!v(data)) {
    throw new PosecError(
      `${file}: malformed keypoint results: ${describeAjvError(v.errors![0], data, "results", keypointCount)}`,
      "PN5603",
    );
  }
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
