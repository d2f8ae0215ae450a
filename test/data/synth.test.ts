// The synthetic dataset: byte-identical for a seed, readable by the COCO reader, consistent annotations.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCocoDataset } from "../../runtime/data/coco-dataset.js";
import { decodeImage } from "../../runtime/data/image.js";
import { synthesizeDataset } from "../../runtime/data/synth.js";
import { openDataset } from "../../runtime/data/index.js";
import { COCO18, TempDir } from "./helpers.js";

let dir: TempDir;
const opts = { images: 24, size: 64 };
const progress: number[] = [];

beforeAll(async () => {
  dir = new TempDir();
  await synthesizeDataset({ outDir: join(dir.path, "a"), seed: 5, ...opts, onProgress: (d) => progress.push(d) });
  await synthesizeDataset({ outDir: join(dir.path, "b"), seed: 5, ...opts });
  await synthesizeDataset({ outDir: join(dir.path, "c"), seed: 6, ...opts });
});
afterAll(() => dir.remove());

const files = (set: string) => [
  "annotations.json",
  ...readdirSync(join(dir.path, set, "images"))
    .sort()
    .map((f) => `images/${f}`),
];
const bytes = (set: string, f: string) => readFileSync(join(dir.path, set, f));

interface Ann {
  image_id: number;
  iscrowd: number;
  keypoints: number[];
  num_keypoints: number;
  area: number;
  bbox: number[];
  segmentation: number[][] | { counts: number[]; size: [number, number] };
}
const doc = () =>
  JSON.parse(bytes("a", "annotations.json").toString()) as { images: { id: number }[]; annotations: Ann[] };

describe("synthetic dataset", () => {
  it("writes the same bytes for the same seed, different bytes for another", () => {
    expect(files("a")).toHaveLength(1 + opts.images);
    expect(files("b")).toEqual(files("a"));
    for (const f of files("a")) expect(bytes("b", f).equals(bytes("a", f)), f).toBe(true);
    expect(bytes("c", "annotations.json").equals(bytes("a", "annotations.json"))).toBe(false);
    expect(bytes("c", "images/000001.png").equals(bytes("a", "images/000001.png"))).toBe(false);
    expect(progress.at(-1)).toBe(opts.images);
  });

  it("passes the COCO reader, with samples and nothing skipped", () => {
    const ds = readCocoDataset(join(dir.path, "a", "annotations.json"), join(dir.path, "a", "images"), COCO18, {
      minArea: 0,
    });
    expect(ds.images).toHaveLength(opts.images);
    expect(ds.skipped).toEqual([]);
    expect(ds.samples.length).toBeGreaterThanOrEqual(opts.images);
  });

  it("has PNGs of the stated size", async () => {
    const img = await decodeImage(join(dir.path, "a", "images", "000003.png"));
    expect([img.width, img.height]).toEqual([64, 64]);
  });

  it("has crowds (RLE), unlabelled people (polygons), occluded and unlabelled keypoints, 1-4 people per image", () => {
    const anns = doc().annotations;
    const crowds = anns.filter((a) => a.iscrowd === 1);
    expect(crowds.length).toBeGreaterThan(0);
    for (const c of crowds) expect(Array.isArray((c.segmentation as { counts: number[] }).counts)).toBe(true);
    expect(anns.filter((a) => a.iscrowd === 0 && a.num_keypoints === 0).length).toBeGreaterThan(0);
    const vis = anns.flatMap((a) => a.keypoints.filter((_, i) => i % 3 === 2));
    for (const v of [0, 1, 2]) expect(vis).toContain(v);
    for (const { id } of doc().images) {
      const people = anns.filter((a) => a.image_id === id && a.iscrowd === 0 && a.num_keypoints > 0).length;
      expect(people).toBeLessThanOrEqual(4);
    }
  });

  it("keeps keypoints, num_keypoints, area and bbox consistent with the segmentation", () => {
    for (const a of doc().annotations) {
      const labelled = a.keypoints.filter((v, i) => i % 3 === 2 && v > 0).length;
      expect(a.num_keypoints).toBe(labelled);
      for (let k = 0; k < 17; k++) {
        if (a.keypoints[3 * k + 2] === 0) continue;
        expect(a.keypoints[3 * k]).toBeGreaterThanOrEqual(0);
        expect(a.keypoints[3 * k]).toBeLessThan(64);
        expect(a.keypoints[3 * k + 1]).toBeLessThan(64);
      }
      if (Array.isArray(a.segmentation)) {
        // independent count: ray casting at every pixel centre
        const poly = a.segmentation[0];
        let area = 0;
        for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (insidePolygon(poly, x + 0.5, y + 0.5)) area++;
        expect(a.area).toBe(area);
        const xs = poly.filter((_, i) => i % 2 === 0);
        const ys = poly.filter((_, i) => i % 2 === 1);
        expect(a.bbox[0]).toBe(Math.min(...xs));
        expect(a.bbox[1]).toBe(Math.min(...ys));
        expect(a.bbox[2]).toBeCloseTo(Math.max(...xs) - Math.min(...xs), 6);
        expect(a.bbox[3]).toBeCloseTo(Math.max(...ys) - Math.min(...ys), 6);
      } else {
        // uncompressed RLE: area = sum of the odd runs; box from the column-major runs
        const { counts, size } = a.segmentation;
        expect(counts.reduce((s, c) => s + c, 0)).toBe(size[0] * size[1]);
        expect(a.area).toBe(counts.filter((_, i) => i % 2 === 1).reduce((s, c) => s + c, 0));
        let pos = 0;
        let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
        counts.forEach((c, i) => {
          for (let q = pos; i % 2 === 1 && q < pos + c; q++) {
            const [x, y] = [Math.floor(q / size[0]), q % size[0]];
            [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
          }
          pos += c;
        });
        expect(a.bbox).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
      }
    }
  });
});

describe("openDataset", () => {
  it("generates a synthetic set once into synthDir and reuses it", async () => {
    const data = { kind: "synth" as const, images: 3, size: 64, seed: 4 };
    const synthDir = join(dir.path, "cache");
    const first = await openDataset(data, COCO18, { synthDir });
    const stamp = statSync(join(synthDir, "annotations.json")).mtimeMs;
    const again = await openDataset(data, COCO18, { synthDir });
    expect(statSync(join(synthDir, "annotations.json")).mtimeMs).toBe(stamp);
    expect(again.samples).toEqual(first.samples);
    expect(first.images).toHaveLength(3);
  });

  it("reads a COCO folder relative to baseDir", async () => {
    const ds = await openDataset(
      { kind: "coco", root: "a", annotations: "annotations.json", images: "images" },
      COCO18,
      { baseDir: dir.path, minArea: 0 },
    );
    expect(ds.images).toHaveLength(opts.images);
  });
});

function insidePolygon(p: number[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = p.length / 2 - 1; i < p.length / 2; j = i++) {
    const [xi, yi, xj, yj] = [p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1]];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
