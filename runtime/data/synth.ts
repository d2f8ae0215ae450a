// The built-in synthetic dataset: COCO person_keypoints annotations + PNG images of drawn figures.
//
// Each image (drawn from Rng(seedFor(seed, index)), so images do not depend on each other) has a noisy,
// blotchy background; with probability 0.2 a crowd (a cluster of 6-14 small figures, annotated iscrowd=1
// with an uncompressed RLE of the union of their outlines); with probability 0.3 an unlabelled person
// (num_keypoints 0, polygon segmentation); and 1-4 labelled people, drawn in order, so that later ones
// occlude earlier ones: a keypoint covered by a later figure is v=1 (occluded), one outside the image, a
// face keypoint of a figure seen from behind, or a random 3% of the non-torso keypoints are v=0 (unlabelled), the rest v=2.
// Every person's segmentation is its outline (convex hull of the drawing, clipped to the image), its area
// the number of pixels that outline fills (runtime/data/rle.ts fillPolygon) and its bbox the outline's extent.
// Same options -> byte-identical files; every file is written atomically, annotations.json last.
import { join } from "node:path";
import { Canvas, writePng, type Rgb } from "../render/canvas.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Rng, seedFor } from "../util/rng.js";
import { PosecError } from "../errors.js";
import { clipToRect, covers, drawFigure, figureOutline, randomFigure, type Figure } from "./figures.js";
import { fillPolygon, maskBbox, maskToRle, rleArea } from "./rle.js";
import { LABEL_SETS, type LabelSet, type SynthLabels } from "./synth-labels.js";

export const SYNTH_VERSION = 2;
export const DEFAULT_SPACING = 0.35;
/** COCO's person skeleton (1-based keypoint pairs), as in person_keypoints_*.json */
// prettier-ignore
const COCO_SKELETON = [
  [16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11],
  [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7],
];

export interface SynthOptions {
  outDir: string;
  images: number;
  /** square image side in pixels */
  size: number;
  seed: number;
  /** least horizontal distance between labelled people, as a fraction of the taller one's height (a few
   * tries are made, so people may still overlap); default 0.35 */
  spacing?: number;
  /** the keypoints the people are labelled with (default COCO's 17; "mpii16" for mpi15); the images are the same */
  labels?: SynthLabels;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthResult {
  annotationsFile: string;
  imagesDir: string;
  images: number;
  annotations: number;
}

export function synthPaths(outDir: string): { annotationsFile: string; imagesDir: string } {
  return { annotationsFile: join(outDir, "annotations.json"), imagesDir: join(outDir, "images") };
}

interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: 1;
  iscrowd: 0 | 1;
  keypoints: number[];
  num_keypoints: number;
  area: number;
  bbox: number[];
  segmentation: number[][] | { counts: number[]; size: [number, number] };
}

export async function synthesizeDataset(o: SynthOptions): Promise<SynthResult> {
  if (!(Number.isInteger(o.images) && o.images >= 1))
    throw new PosecError(`synth: images must be a positive integer, got ${o.images}`, "PN5005");
  if (!(Number.isInteger(o.size) && o.size >= 32))
    throw new PosecError(`synth: size must be an integer >= 32, got ${o.size}`, "PN5005");
  const { annotationsFile, imagesDir } = synthPaths(o.outDir);
  const labels = LABEL_SETS[o.labels ?? "coco17"];
  const images: { id: number; file_name: string; width: number; height: number }[] = [];
  const annotations: CocoAnnotation[] = [];
  const writes: Promise<void>[] = [];
  let done = 0;
  for (let i = 0; i < o.images; i++) {
    const id = i + 1;
    const fileName = `${String(id).padStart(6, "0")}.png`;
    const { canvas, anns } = synthImage(new Rng(seedFor(o.seed, i)), o.size, o.spacing ?? DEFAULT_SPACING, labels);
    images.push({ id, file_name: fileName, width: o.size, height: o.size });
    for (const a of anns) annotations.push({ ...a, id: annotations.length + 1, image_id: id });
    const write = writePng(canvas, join(imagesDir, fileName)).then(() => {
      done++;
      o.onProgress?.(done, o.images);
    });
    write.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
    writes.push(write);
    // a few encodes in flight: sharp encodes on its own threads while the next image is drawn
    if (writes.length >= 4) await writes.shift();
  }
  await Promise.all(writes);
  const doc = {
    info: {
      description: "posec synthetic figures",
      version: SYNTH_VERSION,
      images: o.images,
      size: o.size,
      seed: o.seed,
      spacing: o.spacing ?? DEFAULT_SPACING,
      ...(o.labels && o.labels !== "coco17" ? { labels: o.labels } : {}),
    },
    images,
    annotations,
    categories: [{ id: 1, name: "person", supercategory: "person", keypoints: [...labels.names], ...(labels === LABEL_SETS.coco17 ? { skeleton: COCO_SKELETON } : {}) }],
  };
  writeFileAtomic(annotationsFile, JSON.stringify(doc));
  return { annotationsFile, imagesDir, images: images.length, annotations: annotations.length };
}

type Draft = Omit<CocoAnnotation, "id" | "image_id">;

/** One image and its annotations (without ids). */
export function synthImage(rng: Rng, size: number, spacing: number, labels: LabelSet = LABEL_SETS.coco17): { canvas: Canvas; anns: Draft[] } {
  const canvas = synthBackground(rng, size);
  const anns: Draft[] = [];
  const zeros = () => new Array<number>(3 * labels.names.length).fill(0);

  if (rng.next() < 0.2) {
    const crowd = new Uint8Array(size * size);
    const cx = rng.uniform(0.2, 0.8) * size;
    const cy = rng.uniform(0.2, 0.8) * size;
    const spread = rng.uniform(0.1, 0.2) * size;
    const count = rng.int(6, 14);
    for (let k = 0; k < count; k++) {
      const h = rng.uniform(0.1, 0.18) * size;
      const f = randomFigure(rng, {
        height: h,
        x: cx + rng.uniform(-spread, spread),
        y: cy + rng.uniform(-spread, spread) * 0.5,
      });
      drawFigure(canvas, f);
      fillPolygon(clipToRect(figureOutline(f), size, size).flat(), size, size, crowd);
    }
    const rle = maskToRle(crowd, size, size);
    const area = rleArea(rle.counts);
    if (area > 0) {
      anns.push({
        category_id: 1,
        iscrowd: 1,
        keypoints: zeros(),
        num_keypoints: 0,
        area,
        bbox: maskBbox(crowd, size, size),
        segmentation: { counts: rle.counts, size: [size, size] },
      });
    }
  }

  if (rng.next() < 0.3) {
    const h = rng.uniform(0.25, 0.5) * size;
    const f = randomFigure(rng, { height: h, x: rng.uniform(0.1, 0.9) * size, y: rng.uniform(0.3, 0.8) * size });
    drawFigure(canvas, f);
    const outline = outlineAnnotation(f, size);
    if (outline) anns.push({ category_id: 1, iscrowd: 0, keypoints: zeros(), num_keypoints: 0, ...outline });
  }

  const n = rng.int(1, 4);
  const figures: Figure[] = [];
  const placed: { x: number; h: number }[] = [];
  for (let k = 0; k < n; k++) {
    const h = rng.uniform(n <= 2 ? 0.45 : 0.35, n <= 2 ? 0.9 : 0.7) * size;
    // People overlap, as in COCO, but rarely stand inside one another: a few tries for a horizontal
    // position at least `spacing` of the taller one's height away from everyone already placed.
    let x = rng.uniform(0.12, 0.88) * size;
    for (let t = 0; t < 8 && placed.some((p) => Math.abs(p.x - x) < spacing * Math.max(p.h, h)); t++) x = rng.uniform(0.12, 0.88) * size;
    placed.push({ x, h });
    const y = rng.uniform(0.45 * h, Math.max(0.45 * h, size - 0.4 * h));
    figures.push(randomFigure(rng, { height: h, x, y }));
  }
  figures.forEach((f) => drawFigure(canvas, f));
  figures.forEach((f, k) => {
    const keypoints: number[] = [];
    let labelled = 0;
    labels.points(f).forEach((p, j) => {
      const x = round2(p.x);
      const y = round2(p.y);
      // Annotators skip the odd wrist or ear, hardly ever a shoulder or hip: keep the torso labelled
      // (COCO-18's Neck needs both shoulders).
      const dropped = rng.next() < 0.03 && !labels.torso.has(j);
      if (p.hidden || dropped || !(x >= 0 && y >= 0 && x < size && y < size)) {
        keypoints.push(0, 0, 0);
        return;
      }
      const occluded = figures.slice(k + 1).some((g) => covers(g, p.x, p.y));
      keypoints.push(x, y, occluded ? 1 : 2);
      labelled++;
    });
    const outline = outlineAnnotation(f, size);
    if (outline)
      anns.push({
        category_id: 1,
        iscrowd: 0,
        keypoints: labelled ? keypoints : zeros(),
        num_keypoints: labelled,
        ...outline,
      });
  });
  return { canvas, anns };
}

/** A figure's polygon segmentation with its pixel area and the polygon's bounding box (null if off-image). */
function outlineAnnotation(f: Figure, size: number): { area: number; bbox: number[]; segmentation: number[][] } | null {
  const poly = clipToRect(figureOutline(f), size, size).flatMap(([x, y]) => [round2(x), round2(y)]);
  if (poly.length < 6) return null;
  const m = new Uint8Array(size * size);
  fillPolygon(poly, size, size, m);
  let area = 0;
  for (let i = 0; i < m.length; i++) area += m[i];
  if (area === 0) return null;
  const xs = poly.filter((_, i) => i % 2 === 0);
  const ys = poly.filter((_, i) => i % 2 === 1);
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  return { area, bbox: [x0, y0, round2(Math.max(...xs) - x0), round2(Math.max(...ys) - y0)], segmentation: [poly] };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Smooth colour blotches (bilinear over a coarse random grid), pixel noise and a few flat rectangles. */
export function synthBackground(rng: Rng, size: number): Canvas {
  const canvas = new Canvas(size, size);
  const g = 5;
  const base: Rgb = [rng.int(60, 190), rng.int(60, 190), rng.int(60, 190)];
  const grid: number[] = [];
  for (let i = 0; i < (g + 1) * (g + 1) * 3; i++) grid.push(base[i % 3] + rng.uniform(-45, 45));
  const d = canvas.data;
  for (let y = 0; y < size; y++) {
    const gy = (y / size) * g;
    const y0 = Math.min(g - 1, Math.floor(gy));
    const fy = gy - y0;
    for (let x = 0; x < size; x++) {
      const gx = (x / size) * g;
      const x0 = Math.min(g - 1, Math.floor(gx));
      const fx = gx - x0;
      const noise = rng.uniform(-12, 12);
      for (let c = 0; c < 3; c++) {
        const at = (xx: number, yy: number) => grid[(yy * (g + 1) + xx) * 3 + c];
        const v =
          (1 - fx) * (1 - fy) * at(x0, y0) +
          fx * (1 - fy) * at(x0 + 1, y0) +
          (1 - fx) * fy * at(x0, y0 + 1) +
          fx * fy * at(x0 + 1, y0 + 1);
        d[(y * size + x) * 3 + c] = v + noise;
      }
    }
  }
  const rects = rng.int(0, 3);
  for (let k = 0; k < rects; k++) {
    const w = rng.uniform(0.1, 0.4) * size;
    const h = rng.uniform(0.1, 0.4) * size;
    const grey = rng.int(50, 200);
    const color: Rgb = [grey + rng.int(-20, 20), grey + rng.int(-20, 20), grey + rng.int(-20, 20)];
    canvas.rect(rng.uniform(-0.1, 0.9) * size, rng.uniform(-0.1, 0.9) * size, w, h, color, 0.6);
  }
  return canvas;
}
