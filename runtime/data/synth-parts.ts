// The built-in synthetic sets of the heatmap-only schemas: one drawn hand (hand21) or face (face70) per
// image on synth.ts's blotchy background, written as a COCO-format keypoint file with the schema's dataset
// keypoints (category "hand" / "face"). The network finds one instance per image (no PAFs), so one is drawn.
// Each instance: the canonical layout of part-templates.ts, articulated, scaled to 35-75% of the image,
// rotated by up to 30 degrees and placed so that it stays inside; keypoints outside the image are v=0.
// bbox: the keypoints' extent (grown by 10%), area its w*h, segmentation that box. Image i is drawn from
// Rng(seedFor(seed, i)); same options -> byte-identical files, written atomically (annotations.json last).
import { join } from "node:path";
import { FACE_SKELETON } from "../../core/keypoints/face70.js";
import { HAND_SKELETON } from "../../core/keypoints/hand21.js";
import { Canvas, writePng, type Rgb } from "../render/canvas.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Rng, seedFor } from "../util/rng.js";
import { PosecError } from "../errors.js";
import { facePoints, handPoints, type Point } from "./part-templates.js";
import { synthBackground, synthPaths, type SynthOptions, type SynthResult } from "./synth.js";

export type PartKind = "hand21" | "face70";
export const PART_KINDS: readonly PartKind[] = ["hand21", "face70"];
export const SYNTH_PARTS_VERSION = 1;

export interface SynthPartsOptions extends SynthOptions {
  kind: PartKind;
  /** the dataset keypoint names written into the category */
  keypointNames: string[];
}

export async function synthesizePartsDataset(o: SynthPartsOptions): Promise<SynthResult> {
  if (!(Number.isInteger(o.images) && o.images >= 1)) throw new PosecError(`synth: images must be a positive integer, got ${o.images}`, "PN5005");
  if (!(Number.isInteger(o.size) && o.size >= 32)) throw new PosecError(`synth: size must be an integer >= 32, got ${o.size}`, "PN5005");
  const { annotationsFile, imagesDir } = synthPaths(o.outDir);
  const images: { id: number; file_name: string; width: number; height: number }[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (let i = 0; i < o.images; i++) {
    const id = i + 1;
    const fileName = `${String(id).padStart(6, "0")}.png`;
    const { canvas, keypoints, bbox } = partImage(new Rng(seedFor(o.seed, i)), o.size, o.kind);
    images.push({ id, file_name: fileName, width: o.size, height: o.size });
    const labelled = keypoints.filter((_, k) => k % 3 === 2 && keypoints[k] > 0).length;
    const [x, y, w, h] = bbox;
    annotations.push({ id, image_id: id, category_id: 1, iscrowd: 0, keypoints, num_keypoints: labelled, area: round2(w * h), bbox, segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h].map(round2)] });
    await writePng(canvas, join(imagesDir, fileName));
    o.onProgress?.(i + 1, o.images);
  }
  const name = o.kind === "hand21" ? "hand" : "face";
  const doc = {
    info: { description: `posec synthetic ${name}s`, kind: o.kind, version: SYNTH_PARTS_VERSION, images: o.images, size: o.size, seed: o.seed },
    images,
    annotations,
    categories: [{ id: 1, name, supercategory: name, keypoints: o.keypointNames }],
  };
  writeFileAtomic(annotationsFile, JSON.stringify(doc));
  return { annotationsFile, imagesDir, images: images.length, annotations: annotations.length };
}

/** One image: background, the drawn instance, its COCO keypoints ([x, y, v] * K) and bbox. */
export function partImage(rng: Rng, size: number, kind: PartKind): { canvas: Canvas; keypoints: number[]; bbox: number[] } {
  const canvas = synthBackground(rng, size);
  const unit = kind === "hand21" ? handPoints(rng) : facePoints(rng);
  // similarity transform: scale to a fraction of the image, rotate, centre the extent, jitter the position
  const scale = rng.uniform(0.35, 0.75) * size;
  const angle = (rng.uniform(-30, 30) * Math.PI) / 180;
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const turned = unit.map(([x, y]): Point => [scale * (c * x - s * y), scale * (s * x + c * y)]);
  const xs = turned.map((p) => p[0]);
  const ys = turned.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const slackX = Math.max(0, size - (x1 - x0)) / 2;
  const slackY = Math.max(0, size - (y1 - y0)) / 2;
  const dx = size / 2 - (x0 + x1) / 2 + rng.uniform(-0.8, 0.8) * slackX;
  const dy = size / 2 - (y0 + y1) / 2 + rng.uniform(-0.8, 0.8) * slackY;
  const pts = turned.map(([x, y]): Point => [x + dx, y + dy]);
  const skin: Rgb = [rng.int(150, 235), rng.int(100, 180), rng.int(70, 140)];
  if (kind === "hand21") drawHand(canvas, pts, scale, skin);
  else drawFace(canvas, pts, scale, skin, rng);
  const keypoints = pts.flatMap(([x, y]) => (x >= 0 && y >= 0 && x < size && y < size ? [round2(x), round2(y), 2] : [0, 0, 0]));
  const grow = 0.05 * Math.max(x1 - x0, y1 - y0);
  const bx0 = Math.max(0, x0 + dx - grow);
  const by0 = Math.max(0, y0 + dy - grow);
  const bx1 = Math.min(size, x1 + dx + grow);
  const by1 = Math.min(size, y1 + dy + grow);
  return { canvas, keypoints, bbox: [round2(bx0), round2(by0), round2(bx1 - bx0), round2(by1 - by0)] };
}

function drawHand(canvas: Canvas, p: Point[], scale: number, skin: Rgb): void {
  // palm: discs between the wrist and each finger's first point, then the fingers as capsules
  for (const k of [1, 5, 9, 13, 17]) {
    for (let t = 0; t <= 1; t += 0.25) canvas.disc(p[0][0] + t * (p[k][0] - p[0][0]), p[0][1] + t * (p[k][1] - p[0][1]), 0.09 * scale, skin);
  }
  const knuckle: Rgb = [skin[0] * 0.7, skin[1] * 0.7, skin[2] * 0.7];
  for (const [a, b] of HAND_SKELETON) canvas.line(p[a][0], p[a][1], p[b][0], p[b][1], skin, 0.07 * scale);
  for (let k = 1; k < p.length; k++) canvas.disc(p[k][0], p[k][1], 0.02 * scale, knuckle);
}

function drawFace(canvas: Canvas, p: Point[], scale: number, skin: Rgb, rng: Rng): void {
  // the head: an ellipse through the jaw's ends and chin, extended up over the forehead
  const cx = (p[0][0] + p[16][0]) / 2;
  const cy = (p[0][1] + p[16][1]) / 2;
  const rx = Math.hypot(p[16][0] - p[0][0], p[16][1] - p[0][1]) / 2;
  const ry = Math.hypot(p[8][0] - cx, p[8][1] - cy);
  const ux = (p[16][0] - p[0][0]) / (2 * rx);
  const uy = (p[16][1] - p[0][1]) / (2 * rx);
  for (let y = Math.floor(cy - 1.2 * ry); y <= Math.ceil(cy + 1.2 * ry); y++) {
    for (let x = Math.floor(cx - 1.2 * ry); x <= Math.ceil(cx + 1.2 * ry); x++) {
      const along = (x - cx) * ux + (y - cy) * uy;
      const across = -(x - cx) * uy + (y - cy) * ux;
      if ((along / (rx * 1.03)) ** 2 + (across / (ry * 1.03)) ** 2 <= 1) canvas.blend(x, y, skin);
    }
  }
  const ink: Rgb = [rng.int(20, 70), rng.int(10, 50), rng.int(10, 40)];
  for (const [a, b] of FACE_SKELETON) canvas.line(p[a][0], p[a][1], p[b][0], p[b][1], ink, Math.max(1, 0.012 * scale));
  for (const k of [68, 69]) canvas.disc(p[k][0], p[k][1], 0.025 * scale, ink);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
