// Resampling to image pixels and peak finding, against scipy / PyTorch reference values
// (fixtures/resample-reference.json) and against whole-image reference computations.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ImageMaps, gridToImage, imageToGrid, type NetworkOutput, type Placement } from "../../runtime/infer/maps.js";
import { findJointPeaks, findPeaksFull, gaussianKernel, gaussianSmooth } from "../../runtime/infer/peaks.js";
import { Rng } from "../../runtime/util/rng.js";

const ref = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/resample-reference.json"), "utf8"));

/** A one-channel output (heatmaps only; one zero PAF pair so the shapes are valid). */
function single(
  values: ArrayLike<number>,
  width: number,
  height: number,
  placement: Placement,
  stride = 8,
): NetworkOutput {
  return {
    width,
    height,
    stride,
    heatmaps: Float32Array.from(values),
    pafs: new Float32Array(width * height * 2),
    heatmapChannels: 1,
    pafChannels: 2,
    placement,
  };
}
const ID: Placement = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };

describe("map to image coordinates", () => {
  it("puts grid cell g at input pixel 8g + 3.5 (the training Gaussians' centres)", () => {
    expect(imageToGrid(3.5, 1, 0, 8)).toBe(0);
    expect(imageToGrid(11.5, 1, 0, 8)).toBe(1);
    // image resized by 2 and padded 16 px on the left: image pixel x is input pixel 16 + 2x + 0.5
    expect(imageToGrid(0, 2, 16, 8)).toBe((16 + 1) / 8 - 0.5);
    expect(gridToImage(imageToGrid(123.25, 1.84, -7, 8), 1.84, -7, 8)).toBeCloseTo(123.25, 12);
  });
});

describe("resampling", () => {
  const { height: h, width: w, values } = ref.map;
  for (const mode of ["bicubic", "bilinear"] as const) {
    it(`x8 ${mode} upsampling equals PyTorch's F.interpolate(align_corners=False)`, () => {
      // a W x H image at scale 1 on a stride-8 grid is exactly an x8 half-pixel-centre upsampling
      const maps = new ImageMaps([single(values, w, h, ID)], { width: 8 * w, height: 8 * h }, mode);
      const got = maps.heatmap(0);
      const want: number[] = ref.map[mode];
      // the input is float32 in our maps; compare at float32 precision
      want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(2e-6));
      // regions and single samples agree with the full resample
      const box = { x0: 5, y0: 3, x1: 30, y1: 21 };
      const part = maps.heatmapRegion(0, box);
      for (let y = box.y0; y <= box.y1; y++) {
        for (let x = box.x0; x <= box.x1; x++) expect(part[(y - box.y0) * 26 + (x - box.x0)]).toBe(got[y * 8 * w + x]);
      }
    });
  }

  it("averages scales at image resolution", () => {
    const a = single([1, 1, 1, 1], 2, 2, ID);
    const b = single([3, 3, 3, 3, 3, 3, 3, 3, 3], 3, 3, { scaleX: 1.5, scaleY: 1.5, offsetX: 0, offsetY: 0 });
    const maps = new ImageMaps([a, b], { width: 16, height: 16 });
    expect(Array.from(maps.heatmap(0)).every((v) => Math.abs(v - 2) < 1e-6)).toBe(true);
  });

  it("candidate boxes allow for bicubic overshoot above every grid value", () => {
    // 4 x 4 cells 0.09 * p(y) * p(x), p = [-1, 1, 1, -1]: midway between the middle cells the bicubic
    // weights [-0.09375, 0.59375, 0.59375, -0.09375] give 0.09 * 1.375^2 ~= 0.17 > 0.1, though no |cell| > 0.09
    const p = [-1, 1, 1, -1];
    const v = p.flatMap((a) => p.map((b) => 0.09 * a * b));
    const maps = new ImageMaps([single(v, 4, 4, ID)], { width: 32, height: 32 });
    const full = maps.heatmap(0);
    expect(Math.max(...full)).toBeGreaterThan(0.1);
    expect(Math.max(...v.map(Math.abs))).toBeLessThan(0.1);
    expect(maps.candidateBoxes(0, 0.1).length).toBeGreaterThan(0);
  });

  it("candidate boxes hold every pixel above the threshold (random maps, several scales, negative values)", () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const outputs = [1, 0.75].map((scale) => {
        const w = Math.ceil((60 * scale) / 8) + 1;
        const h = Math.ceil((44 * scale) / 8) + 1;
        const v = Array.from({ length: w * h }, () =>
          rng.bernoulli(0.15) ? rng.uniform(-0.6, 0.9) : rng.uniform(-0.04, 0.04),
        );
        return single(v, w, h, {
          scaleX: scale,
          scaleY: scale,
          offsetX: rng.uniform(-4, 4),
          offsetY: rng.uniform(-4, 4),
        });
      });
      for (const mode of ["bicubic", "bilinear"] as const) {
        const maps = new ImageMaps(outputs, { width: 60, height: 44 }, mode);
        const full = maps.heatmap(0);
        const boxes = maps.candidateBoxes(0, 0.1);
        for (let y = 0; y < 44; y++) {
          for (let x = 0; x < 60; x++) {
            if (full[y * 60 + x] <= 0.1) continue;
            expect(boxes.some((b) => x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1)).toBe(true);
          }
        }
      }
    }
  });
});

describe("peaks", () => {
  it("smooths exactly like scipy.ndimage.gaussian_filter(sigma=3)", () => {
    const { height, width, input, output } = ref.gaussian;
    expect(gaussianKernel(3)).toHaveLength(25);
    const got = gaussianSmooth(Float32Array.from(input), width, height, 3);
    // input rounded to float32 first
    output.forEach((v: number, i: number) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6));
  });

  it("finds a bump's centre and scores it by the unsmoothed value", () => {
    const W = 40;
    const H = 30;
    const map = new Float32Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) map[y * W + x] = 0.8 * Math.exp(-((x - 12) ** 2 + (y - 20) ** 2) / 50);
    expect(findPeaksFull(map, W, H, { threshold: 0.1, sigma: 3 })).toEqual([
      { x: 12, y: 20, score: map[20 * W + 12], id: 0 },
    ]);
  });

  it("the region-restricted search finds exactly the peaks of the whole-image search", () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 12; trial++) {
      const w = 30;
      const h = 24;
      const blobs = Array.from({ length: rng.int(0, 6) }, () => [
        rng.uniform(-1, w),
        rng.uniform(-1, h),
        rng.uniform(0.05, 1),
      ]);
      const v = new Float32Array(w * h);
      for (let gy = 0; gy < h; gy++) {
        for (let gx = 0; gx < w; gx++) {
          let s = rng.uniform(-0.03, 0.03);
          for (const [bx, by, a] of blobs) s += a * Math.exp(-((gx - bx) ** 2 + (gy - by) ** 2) / 1.6);
          v[gy * w + gx] = s;
        }
      }
      const placement = { scaleX: 1.3, scaleY: 1.3, offsetX: rng.uniform(-10, 10), offsetY: 0 };
      const image = { width: Math.floor((w * 8) / 1.3), height: Math.floor((h * 8) / 1.3) };
      const maps = new ImageMaps([single(v, w, h, placement)], image);
      const fast = findJointPeaks(maps, 0, { threshold: 0.1, sigma: 3 }, 7);
      const full = findPeaksFull(maps.heatmap(0), image.width, image.height, { threshold: 0.1, sigma: 3 }, 7);
      expect(fast.map((p) => [p.x, p.y, p.id])).toEqual(full.map((p) => [p.x, p.y, p.id]));
      fast.forEach((p, i) => expect(Math.abs(p.score - full[i].score)).toBeLessThan(1e-6));
    }
  });
});
