// The target picture: layout, heat colour at a joint, PAF arrows, mask hatching, and the written PNG.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCocoDataset } from "../../runtime/data/coco-dataset.js";
import { decodeImage } from "../../runtime/data/image.js";
import { buildSample } from "../../runtime/data/sample.js";
import { synthesizeDataset } from "../../runtime/data/synth.js";
import { paletteColor } from "../../runtime/render/canvas.js";
import { drawTargets, renderTargets } from "../../runtime/render/targets.js";
import { Rng } from "../../runtime/util/rng.js";
import { COCO18, J, TempDir, cocoKeypoints, sampleConfig } from "./helpers.js";

let dir: TempDir;
beforeAll(() => {
  dir = new TempDir();
});
afterAll(() => dir.remove());

describe("target picture", () => {
  // grey 64x64 image; LShoulder on cell (4, 2) and LElbow on cell (6, 2); an ignore polygon over cells 0-1 x 6-7
  const data = new Uint8Array(64 * 64 * 3).fill(128);
  const record = {
    id: 1,
    fileName: "x.png",
    path: "x.png",
    width: 64,
    height: 64,
    people: [
      {
        annotation: 0,
        keypoints: cocoKeypoints({ 5: [35.5, 19.5, 2], 7: [51.5, 19.5, 2] }),
        numKeypoints: 2,
        bbox: [0, 0, 63, 63] as [number, number, number, number],
        area: 100,
      },
    ],
    ignore: [{ kind: "polygons" as const, polygons: [[0, 48, 16, 48, 16, 64, 0, 64]] }],
  };
  const cfg = sampleConfig();
  const sample = buildSample({ width: 64, height: 64, data }, record, 0, cfg, new Rng(1));
  const zoom = 2;
  const canvas = drawTargets(sample, cfg, zoom);
  const px = (x: number, y: number) =>
    Array.from(canvas.data.slice((y * canvas.width + x) * 3, (y * canvas.width + x) * 3 + 3));

  it("has two input-sized panels side by side", () => {
    expect([canvas.width, canvas.height]).toEqual([2 * 64 * zoom + 4, 64 * zoom]);
  });

  it("tints a joint's neighbourhood with that joint's colour, by its heat", () => {
    // display pixel (71, 45) at zoom 2 is input (35.25, 22.25), grid (3.96875, 2.34375); bilinear over the
    // LShoulder heat of cells (3,2) 0.52045, (4,2) 1, (3,3) 0.27087, (4,3) 0.52045 (exp(-d^2/98)):
    // 0.03125*0.65625*0.52045 + 0.96875*0.65625 + 0.03125*0.34375*0.27087 + 0.96875*0.34375*0.52045 = 0.82264
    const alpha = 0.7 * 0.82264;
    const color = paletteColor(J.LShoulder, 18);
    const grey = Math.round(128 * 0.55); // the dimmed background
    const got = px(71, 45);
    for (let c = 0; c < 3; c++)
      expect(Math.abs(got[c] - (grey * (1 - alpha) + color[c] * alpha))).toBeLessThanOrEqual(1);
  });

  it("draws PAF arrows in the right panel and hatches masked cells in both", () => {
    const right = 64 * zoom + 4;
    // LShoulder-LElbow runs along row 2 (centre y 19.5); its arrows are limb 11's colour
    const limbColor = paletteColor(11, 19);
    let found = false;
    for (let x = right + 30 * zoom; x < right + 56 * zoom && !found; x++) {
      const p = px(x, Math.round(19.5 * zoom) + 0);
      found = Math.abs(p[0] - limbColor[0]) + Math.abs(p[1] - limbColor[1]) + Math.abs(p[2] - limbColor[2]) < 30;
    }
    expect(found).toBe(true);
    // masked: cells (0..1, 6..7) -> display x < 32, y >= 96 in each panel; red stripes there, none elsewhere
    const redIn = (x0: number, y0: number) => {
      let n = 0;
      for (let y = y0; y < y0 + 16; y++) for (let x = x0; x < x0 + 16; x++) if (px(x, y)[0] > px(x, y)[1] + 60) n++;
      return n;
    };
    expect(redIn(4, 100)).toBeGreaterThan(40);
    expect(redIn(right + 4, 100)).toBeGreaterThan(40);
    expect(redIn(4, 4)).toBe(0);
  });

  it("renders a dataset sample to a PNG, augmented or not", async () => {
    const r = await synthesizeDataset({ outDir: join(dir.path, "set"), images: 2, size: 64, seed: 2 });
    const ds = readCocoDataset(r.annotationsFile, r.imagesDir, COCO18, { minArea: 0 });
    const out = join(dir.path, "t.png");
    const res = await renderTargets({
      dataset: ds,
      index: 0,
      config: sampleConfig({
        augment: { scale: [0.5, 1.1], targetDist: 0.6, rotate: 40, flip: 0.5, centerPerturb: 10 },
      }),
      seed: 1,
      out,
    });
    const img = await decodeImage(out);
    expect([img.width, img.height]).toEqual([res.width, res.height]);
    expect(res.width).toBe(2 * 64 * 6 + 4); // default zoom: ceil(368 / 64) = 6
    await renderTargets({ dataset: ds, index: 0, config: sampleConfig(), seed: 1, augment: false, zoom: 1, out });
    expect((await decodeImage(out)).width).toBe(2 * 64 + 4);
    await expect(renderTargets({ dataset: ds, index: 99, config: sampleConfig(), seed: 1, out })).rejects.toThrow(
      /out of range/,
    );
  });
});
