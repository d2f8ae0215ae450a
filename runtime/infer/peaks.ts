// Joint candidates, as CMU's demo finds them: smooth each heatmap with scipy's gaussian_filter(sigma=3)
// (truncate 4 -> radius 12, 'reflect' borders), keep pixels >= their four neighbours (zero outside the
// image) and above thre1, score each by the UNsmoothed map.
//
// Only the neighbourhood of possible peaks is computed: the smoothed value is a weighted mean (weights sum to
// 1), so it exceeds thre1 only within the filter radius r of a pixel whose unsmoothed value does, and those
// pixels lie in ImageMaps.candidateBoxes. Smoothing the candidate boxes grown by r, from unsmoothed values
// on the boxes grown by 2r, finds exactly the peaks of a whole-image filter (findPeaksFull, kept as the
// reference the tests compare with) at a fraction of the cost.
import type { Box, ImageMaps } from "./maps.js";

export interface Peak {
  x: number;
  y: number;
  /** unsmoothed (scale-averaged) heatmap value at the peak */
  score: number;
  /** index into the flat candidate list of the image (all joints, joint-major, then row-major) */
  id: number;
}

export interface PeakOptions {
  threshold: number;
  sigma: number;
  /** refine each peak to sub-pixel precision with a parabola through it and its neighbours (OpenPose's
   * C++ refines peaks too; CMU's python demo does not) */
  subpixel?: boolean;
}

/**
 * Sub-pixel offset of a maximum from the values left of, at and right of it: the vertex of the parabola
 * through the three, clamped to half a pixel.
 */
export function parabolicOffset(left: number, centre: number, right: number): number {
  const curvature = left - 2 * centre + right;
  if (!(curvature < 0)) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (left - right)) / curvature));
}

function refine(smooth: ArrayLike<number>, p: number, W: number, H: number): [number, number] {
  const x = p % W;
  const y = (p - x) / W;
  const v = smooth[p];
  const dx = x > 0 && x < W - 1 ? parabolicOffset(smooth[p - 1], v, smooth[p + 1]) : 0;
  const dy = y > 0 && y < H - 1 ? parabolicOffset(smooth[p - W], v, smooth[p + W]) : 0;
  return [x + dx, y + dy];
}

/** scipy.ndimage's 1-D Gaussian kernel: radius int(4 sigma + 0.5), normalised. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** scipy 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a */
function reflect(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

function grow(b: Box, r: number, W: number, H: number): Box {
  return {
    x0: Math.max(0, b.x0 - r),
    y0: Math.max(0, b.y0 - r),
    x1: Math.min(W - 1, b.x1 + r),
    y1: Math.min(H - 1, b.y1 + r),
  };
}

/** Merges overlapping boxes until none overlap. */
function mergeBoxes(input: Box[]): Box[] {
  const boxes = [...input];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const c = boxes[j];
      if (a.x0 <= c.x1 && c.x0 <= a.x1 && a.y0 <= c.y1 && c.y0 <= a.y1) {
        boxes[i] = {
          x0: Math.min(a.x0, c.x0),
          y0: Math.min(a.y0, c.y0),
          x1: Math.max(a.x1, c.x1),
          y1: Math.max(a.y1, c.y1),
        };
        boxes.splice(j, 1);
        j = i; // the grown box may now overlap earlier ones
      }
    }
  }
  return boxes;
}

/**
 * Smooths `source` (values on box `src`, row-major) inside box `dst` (within src grown by r) into `out`
 * (a W x H plane), separably: along x, then along y. The kernel is symmetric, so taps are paired.
 */
function smoothBox(
  source: Float32Array,
  src: Box,
  dst: Box,
  kernel: Float64Array,
  W: number,
  H: number,
  out: Float32Array,
): void {
  const r = (kernel.length - 1) / 2;
  const k0 = kernel[r];
  const sw = src.x1 - src.x0 + 1;
  const dw = dst.x1 - dst.x0 + 1;
  const tmp = new Float64Array((src.y1 - src.y0 + 1) * dw);
  for (let y = src.y0; y <= src.y1; y++) {
    const row = (y - src.y0) * sw - src.x0;
    const o = (y - src.y0) * dw - dst.x0;
    for (let x = dst.x0; x <= dst.x1; x++) {
      let s = k0 * source[row + x];
      if (x - r >= 0 && x + r < W) {
        for (let k = 1; k <= r; k++) s += kernel[r + k] * (source[row + x - k] + source[row + x + k]);
      } else {
        for (let k = 1; k <= r; k++)
          s += kernel[r + k] * (source[row + reflect(x - k, W)] + source[row + reflect(x + k, W)]);
      }
      tmp[o + x] = s;
    }
  }
  // along y, a whole row at a time (contiguous reads)
  const acc = new Float64Array(dw);
  for (let y = dst.y0; y <= dst.y1; y++) {
    const mid = (y - src.y0) * dw;
    for (let i = 0; i < dw; i++) acc[i] = k0 * tmp[mid + i];
    for (let k = 1; k <= r; k++) {
      const up = (reflect(y - k, H) - src.y0) * dw;
      const down = (reflect(y + k, H) - src.y0) * dw;
      const wk = kernel[r + k];
      for (let i = 0; i < dw; i++) acc[i] += wk * (tmp[up + i] + tmp[down + i]);
    }
    const o = y * W + dst.x0;
    for (let i = 0; i < dw; i++) out[o + i] = acc[i];
  }
}

/** Bounding boxes (pixels) of the 4-connected groups of values > threshold in a region of the image. */
function aboveThreshold(values: Float32Array, region: Box, threshold: number): Box[] {
  const rw = region.x1 - region.x0 + 1;
  const rh = region.y1 - region.y0 + 1;
  const seen = new Uint8Array(rw * rh);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < rw * rh; start++) {
    if (seen[start] || !(values[start] > threshold)) continue;
    let x0 = rw;
    let y0 = rh;
    let x1 = -1;
    let y1 = -1;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const q = stack.pop()!;
      const x = q % rw;
      const y = (q - x) / rw;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const visit = (n: number) => {
        if (!seen[n] && values[n] > threshold) {
          seen[n] = 1;
          stack.push(n);
        }
      };
      if (x > 0) visit(q - 1);
      if (x < rw - 1) visit(q + 1);
      if (y > 0) visit(q - rw);
      if (y < rh - 1) visit(q + rw);
    }
    boxes.push({ x0: region.x0 + x0, y0: region.y0 + y0, x1: region.x0 + x1, y1: region.y0 + y1 });
  }
  return boxes;
}

/** Pixels of `box` that are above the threshold and >= their 4 neighbours in the smoothed plane. */
function localMaxima(smooth: Float32Array, box: Box, W: number, H: number, threshold: number, found: number[]): void {
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const p = y * W + x;
      const v = smooth[p];
      if (!(v > threshold)) continue;
      if (x > 0 && v < smooth[p - 1]) continue;
      if (x < W - 1 && v < smooth[p + 1]) continue;
      if (y > 0 && v < smooth[p - W]) continue;
      if (y < H - 1 && v < smooth[p + W]) continue;
      found.push(p);
    }
  }
}

/** Peaks of heatmap channel c of the image, row-major order, numbered from firstId. */
export function findJointPeaks(maps: ImageMaps, c: number, options: PeakOptions, firstId = 0): Peak[] {
  const { width: W, height: H } = maps.image;
  const kernel = gaussianKernel(options.sigma);
  const r = (kernel.length - 1) / 2;
  // 1. where the unsmoothed map exceeds the threshold (searched only where it can)
  const above = mergeBoxes(maps.candidateBoxes(c, options.threshold)).flatMap((b) =>
    aboveThreshold(maps.heatmapRegion(c, b), b, options.threshold),
  );
  // 2. smooth within r of those pixels, from unsmoothed values within 2r
  const smoothBoxes = mergeBoxes(above.map((b) => grow(b, r, W, H)));
  if (smoothBoxes.length === 0) return [];
  // outside the boxes the smoothed map is <= threshold; 0 stands in for it (same comparisons with candidates)
  const smooth = new Float32Array(W * H);
  const regions = smoothBoxes.map((dst) => {
    const src = grow(dst, r, W, H);
    const values = maps.heatmapRegion(c, src);
    smoothBox(values, src, dst, kernel, W, H, smooth);
    return { src, values };
  });
  const found: number[] = [];
  for (const b of smoothBoxes) localMaxima(smooth, b, W, H, options.threshold, found);
  found.sort((a, b) => a - b);
  return found.map((p, i) => {
    const x = p % W;
    const y = (p - x) / W;
    const { src, values } = regions.find(({ src: s }) => x >= s.x0 && x <= s.x1 && y >= s.y0 && y <= s.y1)!;
    const [rx, ry] = options.subpixel ? refine(smooth, p, W, H) : [x, y];
    return { x: rx, y: ry, score: values[(y - src.y0) * (src.x1 - src.x0 + 1) + (x - src.x0)], id: firstId + i };
  });
}

/** scipy.ndimage.gaussian_filter(map, sigma) of a whole W x H map (float32 result). */
export function gaussianSmooth(map: Float32Array, W: number, H: number, sigma: number): Float32Array {
  const all: Box = { x0: 0, y0: 0, x1: W - 1, y1: H - 1 };
  const out = new Float32Array(W * H);
  smoothBox(map, all, all, gaussianKernel(sigma), W, H, out);
  return out;
}

/** Whole-image reference: the same filter and suppression on a full W x H map, no shortcuts. */
export function findPeaksFull(map: Float32Array, W: number, H: number, options: PeakOptions, firstId = 0): Peak[] {
  const smooth = gaussianSmooth(map, W, H, options.sigma);
  const found: number[] = [];
  localMaxima(smooth, { x0: 0, y0: 0, x1: W - 1, y1: H - 1 }, W, H, options.threshold, found);
  return found.map((p, i) => {
    const [x, y] = options.subpixel ? refine(smooth, p, W, H) : [p % W, Math.floor(p / W)];
    return { x, y, score: map[p], id: firstId + i };
  });
}
