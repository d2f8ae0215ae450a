// The COCO keypoint file format, defined once: the types of its entries, one JSON schema per entry kind
// (image, annotation, category, result) and the sentences that name a bad entry. Two readers use it with
// different needs: training (runtime/data/coco-dataset.ts) needs an image's file and size and may skip a bad
// entry (--skip-bad); evaluation (runtime/eval/coco-files.ts) needs every field pycocotools reads and
// refuses a file with any bad entry. Each use names the fields it requires; the shapes of the fields are
// the same for both.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

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

/** Number of keypoints per person in the COCO format (also the number of OKS sigmas). */
export const COCO_NUM_KEYPOINTS = 17;

/** Who reads the file decides which fields must be present. */
export type CocoUse = "training" | "evaluation";
const REQUIRED: Record<CocoUse, { top: string[]; image: string[]; annotation: string[] }> = {
  training: { top: ["images", "annotations"], image: ["id", "file_name", "width", "height"], annotation: ["image_id"] },
  evaluation: {
    top: ["images", "annotations", "categories"],
    image: ["id"],
    annotation: ["id", "image_id", "category_id", "iscrowd", "area", "bbox", "num_keypoints", "keypoints"],
  },
};

const number = { type: "number" };
const integer = { type: "integer" };
function keypointList(K: number) {
  return { type: "array", items: number, minItems: 3 * K, maxItems: 3 * K, description: `must have ${3 * K} numbers (three for each of the ${K} keypoints)` };
}

function schemas(K: number, use: CocoUse) {
  const required = REQUIRED[use];
  const topLevel = {
    type: "object",
    required: required.top,
    properties: {
      images: { type: "array", description: "must be a list of images" },
      annotations: { type: "array", description: "must be a list of annotations" },
      categories: { type: "array", description: "must be a list of categories" },
    },
  };
  const image = {
    type: "object",
    required: required.image,
    properties: {
      id: integer,
      file_name: { type: "string", minLength: 1 },
      width: { type: "integer", minimum: 1 },
      height: { type: "integer", minimum: 1 },
    },
  };
  const annotation = {
    type: "object",
    required: required.annotation,
    properties: {
      id: integer,
      image_id: integer,
      category_id: integer,
      iscrowd: { enum: [0, 1, true, false], description: "must be 0 or 1" },
      keypoints: keypointList(K),
      num_keypoints: { type: "number", minimum: 0 },
      area: number,
      bbox: { type: "array", items: number, minItems: 4, maxItems: 4, description: "must be [x, y, width, height]" },
      segmentation: {
        description: "must be a list of polygons [[x0, y0, x1, y1, ...], ...] or an RLE {counts, size: [height, width]}",
        anyOf: [
          { type: "array", items: { type: "array", items: number } },
          {
            type: "object",
            required: ["counts", "size"],
            properties: {
              counts: {
                description: "must be a compressed RLE string or a list of run lengths",
                anyOf: [{ type: "string" }, { type: "array", items: { type: "integer", minimum: 0 } }],
              },
              size: { type: "array", items: { type: "integer", minimum: 0 }, minItems: 2, maxItems: 2 },
            },
          },
        ],
      },
    },
  };
  const category = { type: "object", required: ["id"], properties: { id: integer } };
  const result = {
    type: "object",
    required: ["image_id", "category_id", "keypoints", "score"],
    properties: { image_id: integer, category_id: integer, keypoints: keypointList(K), score: number, bbox: { type: "array", items: number } },
  };
  return { topLevel, image, annotation, category, result };
}

export type CocoValidators = Record<keyof ReturnType<typeof schemas>, ValidateFunction>;

const cache = new Map<string, CocoValidators>();

/** Compiled validators for a keypoint count and a use (compiled once each; ajv compilation is the slow part). */
export function cocoValidators(keypointCount: number, use: CocoUse): CocoValidators {
  const key = `${keypointCount}/${use}`;
  let v = cache.get(key);
  if (!v) {
    // verbose: errors carry their schema node, whose `description` gives the sentence for that field
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: false });
    const s = schemas(keypointCount, use);
    v = Object.fromEntries(Object.entries(s).map(([name, schema]) => [name, ajv.compile(schema)])) as CocoValidators;
    cache.set(key, v);
  }
  return v;
}

/** `prefix` + JSON pointer -> "annotations[12].keypoints[5]". */
export function pointerToPath(prefix: string, pointer: string, root = "the file"): string {
  let path = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^\d+$/.test(seg) ? `[${seg}]` : path ? `.${seg}` : seg;
  }
  return path || root;
}

const typeNames: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  array: "a list",
  object: "an object",
  boolean: "true or false",
};

/** One sentence for the most useful of ajv's errors on the value at `prefix` ("annotations[3]"). */
export function describeAjvErrors(prefix: string, errors: ErrorObject[] | null | undefined, root = "the file"): string {
  if (!errors || errors.length === 0) return `${prefix || root} is invalid`;
  // anyOf reports each branch's failure and then itself; its description summarises them best
  const e = errors.find((x) => x.keyword === "anyOf") ?? errors[0];
  const path = pointerToPath(prefix, e.instancePath, root);
  const described = (e.parentSchema as { description?: string } | undefined)?.description;
  if (e.keyword === "required") {
    return `${path} is missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  }
  if (described) return `${path} ${described}`;
  switch (e.keyword) {
    case "type":
      return `${path} must be ${typeNames[String((e.params as { type: string }).type)] ?? (e.params as { type: string }).type}`;
    case "minimum":
      return `${path} must be at least ${(e.params as { limit: number }).limit}`;
    case "minLength":
      return `${path} must not be empty`;
    default:
      return `${path} ${e.message ?? "is invalid"}`;
  }
}

/** `annotations[3] (id 17, image_id 2)`: where an entry is, with the ids a user searches the file for. */
export function entryName(list: string, index: number, entry: unknown): string {
  const e = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
  const ids = ["id", "image_id"].filter((k) => typeof e[k] === "number").map((k) => `${k} ${e[k]}`);
  return `${list}[${index}]${ids.length ? ` (${ids.join(", ")})` : ""}`;
}

/**
 * The first bad entry of `list` against `validate`, as a sentence ("annotations[0] (id 5, image_id 1): the
 * entry is missing "num_keypoints""), or null when every entry is good.
 */
export function firstBadEntry(list: string, entries: unknown[], validate: ValidateFunction): string | null {
  for (let i = 0; i < entries.length; i++) {
    if (!validate(entries[i])) return `${entryName(list, i, entries[i])}: ${describeAjvErrors("", validate.errors, "the entry")}`;
  }
  return null;
}
