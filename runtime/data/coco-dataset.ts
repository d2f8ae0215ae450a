// COCO person_keypoints reader: annotation JSON + image folder -> a validated, plain-data dataset
// (structured-cloneable, so that worker threads can receive it). Images are decoded later, per sample.
//
// Training samples follow CMU's genJSON.m: one sample per "main person" (num_keypoints >= 5, area >= 32^2,
// and not closer than 0.3 * max(w, h) of an earlier main person of the same image to that person's centre);
// every other labelled person of the image still gets targets. Crowd regions and unlabelled people
// (num_keypoints == 0) become ignore regions of the miss mask.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { KeypointsIR } from "../../core/ir/types.js";
import type { DiagnosticCode } from "../../core/diagnostics.js";
import { PosecError } from "../errors.js";
import { cocoValidators, describeAjvErrors } from "../coco/format.js";
import { decodeRleString, type Rle } from "./rle.js";

export type Region = { kind: "polygons"; polygons: number[][] } | { kind: "rle"; rle: Rle };

export interface CocoPerson {
  /** index into the file's annotations array (for messages) */
  annotation: number;
  /** raw COCO keypoints [x, y, v] * K */
  keypoints: number[];
  /** labelled keypoints (v > 0), counted from `keypoints` */
  numKeypoints: number;
  bbox: [number, number, number, number];
  area: number;
}

export interface CocoImage {
  id: number;
  fileName: string;
  path: string;
  width: number;
  height: number;
  /** labelled people (not crowd, at least one labelled keypoint), in annotation order */
  people: CocoPerson[];
  /** crowd regions and unlabelled people: masked out of the loss */
  ignore: Region[];
}

/** A training sample: an image and the person the crop is centred on. */
export interface SampleRef {
  image: number;
  person: number;
}

export interface BadSample {
  file: string;
  reason: string;
}

export interface CocoDataset {
  annotationsFile: string;
  imagesDir: string;
  keypointNames: string[];
  images: CocoImage[];
  samples: SampleRef[];
  /** what --skip-bad skipped (empty when skipBad is off: then the first problem throws) */
  skipped: BadSample[];
}

export interface ReadCocoOptions {
  skipBad?: boolean;
  /** main-person selection (CMU genJSON.m defaults: 5, 32*32, 0.3) */
  minKeypoints?: number;
  minArea?: number;
  minSeparation?: number;
  /** check that every image file exists (default true) */
  checkImageFiles?: boolean;
}

const HINT_SKIP = "fix the file, or pass --skip-bad to skip and count bad samples";

export function readCocoDataset(
  annotationsFile: string,
  imagesDir: string,
  schema: KeypointsIR,
  options: ReadCocoOptions = {},
): CocoDataset {
  const file = annotationsFile;
  const fail = (msg: string, code: DiagnosticCode = "PN5001"): never => {
    throw new PosecError(`${file}: ${msg}`, code, HINT_SKIP);
  };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") fail("no such annotation file");
    fail(err instanceof SyntaxError ? `not valid JSON (${err.message})` : `cannot be read (${err.message})`);
  }
  if (!existsSync(imagesDir) || !statSync(imagesDir).isDirectory()) {
    throw new PosecError(`${imagesDir}: image folder not found (annotations: ${file})`, "PN5002");
  }

  const doc = json as { images: Record<string, unknown>[]; annotations: Record<string, unknown>[]; categories?: unknown[] };
  const names = keypointNamesOf(doc, schema, file);
  const K = names.length;
  for (const j of schema.joints) {
    for (const k of j.from) {
      if (k >= K) fail(`joint ${j.name} reads keypoint ${k}, but the file has ${K} keypoints per person`);
    }
  }
  const v = cocoValidators(K, "training");
  if (!v.topLevel(doc)) fail(describeAjvErrors("", v.topLevel.errors));

  const skipBad = options.skipBad ?? false;
  const skipped: BadSample[] = [];
  const bad = (what: string, reason: string): void => {
    if (!skipBad) throw new PosecError(`${what}: ${reason}`, "PN5001", HINT_SKIP);
    skipped.push({ file: what, reason });
  };

  // images
  const images: CocoImage[] = [];
  const byId = new Map<number, number>();
  const badImages = new Set<number>();
  const invalidImageIds = new Set<unknown>(); // their annotations are dropped with them, not reported again
  doc.images.forEach((raw, i) => {
    const rawId = (raw as Record<string, unknown> | null)?.id;
    if (!v.image(raw)) {
      invalidImageIds.add(rawId);
      return bad(file, describeAjvErrors(`images[${i}]`, v.image.errors));
    }
    const id = raw.id as number;
    if (byId.has(id)) fail(`images[${i}].id ${id} is used twice`);
    const img: CocoImage = {
      id,
      fileName: raw.file_name as string,
      path: join(imagesDir, raw.file_name as string),
      width: raw.width as number,
      height: raw.height as number,
      people: [],
      ignore: [],
    };
    byId.set(id, images.length);
    images.push(img);
    if ((options.checkImageFiles ?? true) && !existsSync(img.path)) {
      badImages.add(images.length - 1);
      bad(img.path, `image file not found (images[${i}] of ${basename(file)})`);
    }
  });

  // annotations
  doc.annotations.forEach((raw, a) => {
    const where = `annotations[${a}]`;
    const imageIndex = typeof raw?.image_id === "number" ? byId.get(raw.image_id) : undefined;
    const markBad = (reason: string) => {
      if (imageIndex !== undefined) badImages.add(imageIndex);
      bad(file, reason);
    };
    if (!v.annotation(raw)) return markBad(describeAjvErrors(where, v.annotation.errors));
    if (imageIndex === undefined) {
      if (invalidImageIds.has(raw.image_id)) return;
      return markBad(`${where}.image_id ${raw.image_id} names no image`);
    }
    const img = images[imageIndex];
    const crowd = raw.iscrowd === 1 || raw.iscrowd === true;
    const kps = raw.keypoints as number[] | undefined;
    const seg = raw.segmentation as unknown;
    let region: Region | null = null;
    if (seg !== undefined) {
      const r = parseSegmentation(seg, img, `${where}.segmentation`);
      if (typeof r === "string") return markBad(r);
      region = r;
    }
    const labelled = kps ? countLabelled(kps) : 0;
    if (crowd || labelled === 0) {
      if (!crowd && kps === undefined) return markBad(`${where} is missing "keypoints"`);
      if (region) img.ignore.push(region);
      return;
    }
    const outside = firstOutside(kps!, img.width, img.height);
    if (outside >= 0) {
      const [x, y] = [kps![3 * outside], kps![3 * outside + 1]];
      return markBad(
        `${where}.keypoints: keypoint ${outside} (${names[outside]}) at (${x}, ${y}) lies outside ` +
          `${img.fileName} (${img.width}x${img.height})`,
      );
    }
    const bbox = (raw.bbox as [number, number, number, number] | undefined) ?? keypointBox(kps!);
    img.people.push({
      annotation: a,
      keypoints: kps!,
      numKeypoints: labelled,
      bbox: [bbox[0], bbox[1], bbox[2], bbox[3]],
      area: (raw.area as number | undefined) ?? bbox[2] * bbox[3],
    });
  });

  const samples = selectSamples(images, badImages, options);
  if (samples.length === 0) {
    const people = images.reduce((n, im) => n + im.people.length, 0);
    throw new PosecError(
      `${file}: no usable training samples (${images.length} images, ${people} labelled people; a sample needs a ` +
        `person with >= ${options.minKeypoints ?? 5} keypoints and area >= ${options.minArea ?? 1024})`,
      "PN5004",
    );
  }
  return { annotationsFile: file, imagesDir, keypointNames: names, images, samples, skipped };
}

/** `Right-ankle`, `right ankle` and `right_ankle` are one name. */
const sameKeypointName = (a: string, b: string) => a.toLowerCase().replace(/[^a-z0-9]+/g, "_") === b.toLowerCase().replace(/[^a-z0-9]+/g, "_");

function keypointNamesOf(doc: { categories?: unknown[] }, schema: KeypointsIR, file = "the annotation file"): string[] {
  const cat = (doc.categories ?? []).find((c) => Array.isArray((c as { keypoints?: unknown }).keypoints)) as
    | { keypoints: string[] }
    | undefined;
  if (schema.dataset) {
    // The file's own names (categories[].keypoints) must be the schema's dataset keypoints, in order (more
    // may follow, e.g. Human-Art's extra four): PoseTrack's head_bottom/head_top in COCO's eye slots
    // would silently train eyes on head points.
    const want = schema.dataset.keypoints;
    const have = cat?.keypoints.map(String);
    // an inline schema reading a dataset posec does not know names its keypoints kp0, kp1, ...: nothing to check
    const named = !want.every((n, i) => n === `kp${i}`);
    if (named && have && (have.length < want.length || want.some((n, i) => !sameKeypointName(n, have[i])))) {
      const differ = want.flatMap((n, i) => (have[i] !== undefined && sameKeypointName(n, have[i]) ? [] : [`${i}: ${have[i] ?? "(none)"} instead of ${n}`]));
      throw new PosecError(
        `${file}: its keypoints are not the ${schema.dataset.name} keypoints the schema reads (${differ.slice(0, 6).join("; ")}${differ.length > 6 ? `; and ${differ.length - 6} more` : ""})\n  the file's:   ${have.join(", ")}\n  the schema's: ${want.join(", ")}`,
        "PN5001",
        "train on data labelled with the schema's keypoints, or use a keypoint schema whose dataset matches the file",
      );
    }
    return want;
  }
  if (cat) return cat.keypoints.map(String);
  const n = Math.max(0, ...schema.joints.flatMap((j) => j.from)) + 1;
  return Array.from({ length: n }, (_, i) => `keypoint${i}`);
}

function parseSegmentation(seg: unknown, img: CocoImage, where: string): Region | string {
  if (Array.isArray(seg)) {
    const polygons = (seg as number[][]).filter((p) => p.length >= 6);
    return { kind: "polygons", polygons };
  }
  const { counts, size } = seg as { counts: string | number[]; size: [number, number] };
  if (size[0] !== img.height || size[1] !== img.width) {
    return `${where}.size [${size}] does not match ${img.fileName} (height ${img.height}, width ${img.width})`;
  }
  let runs: number[];
  try {
    runs = typeof counts === "string" ? decodeRleString(counts) : counts;
  } catch (e) {
    return `${where}.counts: ${(e as Error).message}`;
  }
  const total = runs.reduce((s, c) => s + c, 0);
  if (total !== img.width * img.height) {
    return `${where}.counts add up to ${total} pixels, the image has ${img.width * img.height}`;
  }
  return { kind: "rle", rle: { height: size[0], width: size[1], counts: runs } };
}

function countLabelled(kps: number[]): number {
  let n = 0;
  for (let k = 2; k < kps.length; k += 3) if (kps[k] > 0) n++;
  return n;
}

/** First labelled keypoint outside [0, width] x [0, height], or -1. */
function firstOutside(kps: number[], width: number, height: number): number {
  for (let k = 0; 3 * k < kps.length; k++) {
    if (kps[3 * k + 2] <= 0) continue;
    const x = kps[3 * k];
    const y = kps[3 * k + 1];
    if (!(x >= 0 && y >= 0 && x <= width && y <= height)) return k;
  }
  return -1;
}

function keypointBox(kps: number[]): [number, number, number, number] {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let k = 0; 3 * k < kps.length; k++) {
    if (kps[3 * k + 2] <= 0) continue;
    x0 = Math.min(x0, kps[3 * k]);
    x1 = Math.max(x1, kps[3 * k]);
    y0 = Math.min(y0, kps[3 * k + 1]);
    y1 = Math.max(y1, kps[3 * k + 1]);
  }
  return [x0, y0, x1 - x0, y1 - y0];
}

function selectSamples(images: CocoImage[], badImages: Set<number>, o: ReadCocoOptions): SampleRef[] {
  const minKeypoints = o.minKeypoints ?? 5;
  const minArea = o.minArea ?? 32 * 32;
  const minSeparation = o.minSeparation ?? 0.3;
  const samples: SampleRef[] = [];
  images.forEach((img, i) => {
    if (badImages.has(i)) return;
    const chosen: { cx: number; cy: number; size: number }[] = [];
    img.people.forEach((p, j) => {
      if (p.numKeypoints < minKeypoints || p.area < minArea) return;
      const cx = p.bbox[0] + p.bbox[2] / 2;
      const cy = p.bbox[1] + p.bbox[3] / 2;
      if (chosen.some((q) => Math.hypot(cx - q.cx, cy - q.cy) < minSeparation * q.size)) return;
      chosen.push({ cx, cy, size: Math.max(p.bbox[2], p.bbox[3]) });
      samples.push({ image: i, person: j });
    });
  });
  return samples;
}
