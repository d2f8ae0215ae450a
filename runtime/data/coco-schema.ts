// JSON schemas (ajv 8) for the parts of a COCO person_keypoints file that posec reads, and the mapping of
// ajv's errors to sentences that name the offending entry ("annotations[12].keypoints must have 51 numbers").
// The file is validated in pieces (the top level, then each image and each annotation) so that a bad entry
// can be skipped and counted (--skip-bad) instead of rejecting the whole file.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

const topLevelSchema = {
  type: "object",
  required: ["images", "annotations"],
  properties: {
    images: { type: "array", description: "must be a list of images" },
    annotations: { type: "array", description: "must be a list of annotations" },
    categories: { type: "array" },
  },
};

const imageSchema = {
  type: "object",
  required: ["id", "file_name", "width", "height"],
  properties: {
    id: { type: "integer" },
    file_name: { type: "string", minLength: 1 },
    width: { type: "integer", minimum: 1 },
    height: { type: "integer", minimum: 1 },
  },
};

function annotationSchema(keypointCount: number) {
  const n = 3 * keypointCount;
  const number = { type: "number" };
  return {
    type: "object",
    required: ["image_id"],
    properties: {
      id: { type: "integer" },
      image_id: { type: "integer" },
      category_id: { type: "integer" },
      iscrowd: { enum: [0, 1, true, false], description: "must be 0 or 1" },
      keypoints: { type: "array", items: number, minItems: n, maxItems: n, description: `must have ${n} numbers` },
      num_keypoints: { type: "integer", minimum: 0 },
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
}

export interface CocoValidators {
  topLevel: ValidateFunction;
  image: ValidateFunction;
  annotation: ValidateFunction;
}

const cache = new Map<number, CocoValidators>();

/** Compiled validators for a keypoint count (compiled once per count; ajv compilation is the slow part). */
export function cocoValidators(keypointCount: number): CocoValidators {
  let v = cache.get(keypointCount);
  if (!v) {
    // verbose: errors carry their schema node, whose `description` gives the sentence for that field
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: false });
    v = {
      topLevel: ajv.compile(topLevelSchema),
      image: ajv.compile(imageSchema),
      annotation: ajv.compile(annotationSchema(keypointCount)),
    };
    cache.set(keypointCount, v);
  }
  return v;
}

/** `prefix` + JSON pointer -> "annotations[12].keypoints[5]". */
export function pointerToPath(prefix: string, pointer: string): string {
  let path = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^\d+$/.test(seg) ? `[${seg}]` : path ? `.${seg}` : seg;
  }
  return path || "the file";
}

const typeNames: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  array: "a list",
  object: "an object",
  boolean: "true or false",
};

/** One sentence for the most useful of ajv's errors. */
export function describeAjvErrors(prefix: string, errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return `${prefix || "the file"} is invalid`;
  // anyOf reports each branch's failure and then itself; its description summarises them best
  const e = errors.find((x) => x.keyword === "anyOf") ?? errors[0];
  const path = pointerToPath(prefix, e.instancePath);
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
