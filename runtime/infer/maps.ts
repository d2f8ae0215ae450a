// Network outputs (heatmaps and PAFs on the stride grid) brought back to image pixels.
//
// Coordinates: image pixel (x, y) has its centre at integer (x, y) — the convention COCO keypoints have in
// CMU's training code, where a Gaussian for a keypoint at input coordinate u sits on grid cell g with
// u = stride * g + (stride - 1) / 2 (3.5 + 8g). The network input is the image resized by (scaleX, scaleY)
// and placed with its top-left corner at (offsetX, offsetY) input pixels (padding > 0, crop < 0). So
//   u = offset + (x + 0.5) * scale - 0.5   (network-input pixel index)
//   g = (u + 0.5) / stride - 0.5           (map cell index, the half-pixel-centre rule of cv::resize)
// and a map value at image pixel (x, y) is one bicubic (Keys, a = -0.75, as cv::INTER_CUBIC; border taps
// replicated) or bilinear interpolation of the map at (gx, gy). CMU's demo does this in two cv::resize calls
// (x stride, crop the padding, resize to the image); one direct resample with the composed mapping is the
// same up to the second interpolation's smoothing and costs less.
import { PosecError } from "../errors.js";

export interface Placement {
  /** network-input pixels per image pixel, horizontally and vertically */
  scaleX: number;
  scaleY: number;
  /** where the image's top-left corner lies in the network input, in input pixels */
  offsetX: number;
  offsetY: number;
}

/** One forward pass: the last stage's maps, channels-last, at the network's stride. */
export interface NetworkOutput {
  /** map grid size */
  height: number;
  width: number;
  stride: number;
  /** [height, width, heatmapChannels] (joints in KeypointsIR order, then the background if any) */
  heatmaps: Float32Array;
  /** [height, width, pafChannels]: limb i -> 2i (x), 2i + 1 (y) */
  pafs: Float32Array;
  heatmapChannels: number;
  pafChannels: number;
  placement: Placement;
}

export type Interpolation = "bicubic" | "bilinear";

export interface ImageSize {
  width: number;
  height: number;
}

/** Taps and weights of a 1-D interpolation at fractional position g on a grid of n cells (border clamped). */
interface Taps {
  index: Int32Array;
  weight: Float64Array;
  /** taps per position */
  n: number;
}

function cubicWeights(t: number, out: Float64Array, o: number): void {
  const A = -0.75;
  const w = (d: number) => {
    const x = Math.abs(d);
    if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
    if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    return 0;
  };
  out[o] = w(1 + t);
  out[o + 1] = w(t);
  out[o + 2] = w(1 - t);
  out[o + 3] = w(2 - t);
}

function fillTaps(positions: ArrayLike<number>, n: number, mode: Interpolation): Taps {
  const k = mode === "bicubic" ? 4 : 2;
  const index = new Int32Array(positions.length * k);
  const weight = new Float64Array(positions.length * k);
  const clamp = (i: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let p = 0; p < positions.length; p++) {
    const g = positions[p];
    const g0 = Math.floor(g);
    const t = g - g0;
    if (mode === "bicubic") {
      cubicWeights(t, weight, p * 4);
      for (let j = 0; j < 4; j++) index[p * 4 + j] = clamp(g0 - 1 + j);
    } else {
      index[p * 2] = clamp(g0);
      index[p * 2 + 1] = clamp(g0 + 1);
      weight[p * 2] = 1 - t;
      weight[p * 2 + 1] = t;
    }
  }
  return { index, weight, n: k };
}

/** Map-grid coordinate of image pixel centre x along one axis. */
export function imageToGrid(x: number, scale: number, offset: number, stride: number): number {
  return (offset + (x + 0.5) * scale) / stride - 0.5;
}

/** Inverse of imageToGrid: the image coordinate of map cell g. */
export function gridToImage(g: number, scale: number, offset: number, stride: number): number {
  return ((g + 0.5) * stride - offset) / scale - 0.5;
}

function checkOutput(o: NetworkOutput, heatmapChannels: number, pafChannels: number): void {
  const problems: string[] = [];
  if (o.heatmapChannels !== heatmapChannels)
    problems.push(`${o.heatmapChannels} heatmap channels, the keypoint schema has ${heatmapChannels}`);
  if (o.pafChannels !== pafChannels)
    problems.push(`${o.pafChannels} PAF channels, the keypoint schema has ${pafChannels}`);
  if (o.heatmaps.length !== o.height * o.width * o.heatmapChannels)
    problems.push(`heatmaps hold ${o.heatmaps.length} values, not ${o.height}x${o.width}x${o.heatmapChannels}`);
  if (o.pafs.length !== o.height * o.width * o.pafChannels)
    problems.push(`pafs hold ${o.pafs.length} values, not ${o.height}x${o.width}x${o.pafChannels}`);
  if (problems.length)
    throw new PosecError(`network output does not fit the keypoint schema: ${problems.join("; ")}`, "PN5201");
}

/** An inclusive pixel rectangle. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Largest sum of |weights| of one 1-D interpolation (bicubic with a = -0.75 overshoots: 1.375 at t = 0.5). */
function maxAbsWeightSum(mode: Interpolation): number {
  if (mode === "bilinear") return 1;
  const w = new Float64Array(4);
  let worst = 0;
  for (let i = 0; i <= 1000; i++) {
    cubicWeights(i / 1000, w, 0);
    worst = Math.max(worst, Math.abs(w[0]) + Math.abs(w[1]) + Math.abs(w[2]) + Math.abs(w[3]));
  }
  return worst * (1 + 1e-9);
}

/**
 * The maps of one image, averaged over scales, at image resolution. Heatmaps are resampled per region on
 * demand (peak finding only needs the neighbourhood of values above its threshold, see candidateBoxes);
 * PAFs are sampled at the few points limb scoring asks for. Either gives exactly the value a full
 * resample would have at that pixel.
 */
export class ImageMaps {
  private readonly gridOf: { x: (x: number) => number; y: (y: number) => number }[];
  private readonly gain: number;

  constructor(
    readonly outputs: readonly NetworkOutput[],
    readonly image: ImageSize,
    readonly interpolation: Interpolation = "bicubic",
  ) {
    if (outputs.length === 0) throw new PosecError("no network output to decode", "PN5201");
    const first = outputs[0];
    for (const o of outputs) checkOutput(o, first.heatmapChannels, first.pafChannels);
    this.gridOf = outputs.map((o) => ({
      x: (x: number) => imageToGrid(x, o.placement.scaleX, o.placement.offsetX, o.stride),
      y: (y: number) => imageToGrid(y, o.placement.scaleY, o.placement.offsetY, o.stride),
    }));
    const g = maxAbsWeightSum(interpolation);
    this.gain = g * g;
  }

  /** Heatmap channel c over the whole image, row-major [height * width]. */
  heatmap(c: number): Float32Array {
    return this.heatmapRegion(c, { x0: 0, y0: 0, x1: this.image.width - 1, y1: this.image.height - 1 });
  }

  /** Heatmap channel c over an inclusive pixel box, row-major, averaged over the outputs. */
  heatmapRegion(c: number, box: Box): Float32Array {
    const bw = box.x1 - box.x0 + 1;
    const bh = box.y1 - box.y0 + 1;
    const acc = new Float64Array(bw * bh);
    this.outputs.forEach((o, s) => {
      const xs = new Float64Array(bw);
      for (let i = 0; i < bw; i++) xs[i] = this.gridOf[s].x(box.x0 + i);
      const ys = new Float64Array(bh);
      for (let i = 0; i < bh; i++) ys[i] = this.gridOf[s].y(box.y0 + i);
      resampleChannel(o.heatmaps, o.width, o.height, o.heatmapChannels, c, xs, ys, this.interpolation, acc);
    });
    const out = new Float32Array(bw * bh);
    const inv = 1 / this.outputs.length;
    for (let i = 0; i < out.length; i++) out[i] = acc[i] * inv;
    return out;
  }

  /**
   * Pixel boxes outside which heatmap channel c is certainly <= threshold. A resampled value is at most
   * gain * max|v| over its interpolation support, and a scale average exceeds the threshold only if one
   * scale does; so only pixels whose support touches a grid cell with |v| > threshold / gain can exceed it.
   * One box per 8-connected group of such cells, per output.
   */
  candidateBoxes(c: number, threshold: number): Box[] {
    const boxes: Box[] = [];
    const { width: W, height: H } = this.image;
    this.outputs.forEach((o, s) => {
      const limit = threshold / this.gain;
      const active = new Uint8Array(o.width * o.height);
      for (let i = 0; i < active.length; i++)
        active[i] = Math.abs(o.heatmaps[i * o.heatmapChannels + c]) > limit ? 1 : 0;
      const p = o.placement;
      // pixel x touches cell g when g - 2 <= grid(x) < g + 2 (border cells also serve everything beyond)
      const pixelRange = (
        g0: number,
        g1: number,
        n: number,
        scale: number,
        offset: number,
        size: number,
      ): [number, number] => {
        const lo = g0 === 0 ? 0 : Math.ceil(gridToImage(g0 - 2, scale, offset, o.stride)) - 1;
        const hi = g1 === n - 1 ? size - 1 : Math.floor(gridToImage(g1 + 2, scale, offset, o.stride)) + 1;
        return [Math.max(0, lo), Math.min(size - 1, hi)];
      };
      for (const g of gridComponents(active, o.width, o.height)) {
        const [x0, x1] = pixelRange(g.x0, g.x1, o.width, p.scaleX, p.offsetX, W);
        const [y0, y1] = pixelRange(g.y0, g.y1, o.height, p.scaleY, p.offsetY, H);
        if (x0 <= x1 && y0 <= y1) boxes.push({ x0, y0, x1, y1 });
      }
    });
    return boxes;
  }

  /** PAF vector of limb l at image pixel (x, y), averaged over the outputs. */
  paf(limb: number, x: number, y: number): [number, number] {
    let vx = 0;
    let vy = 0;
    this.outputs.forEach((o, s) => {
      const gx = this.gridOf[s].x(x);
      const gy = this.gridOf[s].y(y);
      vx += sampleAt(o.pafs, o.width, o.height, o.pafChannels, 2 * limb, gx, gy, this.interpolation);
      vy += sampleAt(o.pafs, o.width, o.height, o.pafChannels, 2 * limb + 1, gx, gy, this.interpolation);
    });
    return [vx / this.outputs.length, vy / this.outputs.length];
  }
}

/** Bounding boxes (grid cells) of the 8-connected components of a 0/1 mask. */
function gridComponents(mask: Uint8Array, w: number, h: number): Box[] {
  const seen = new Uint8Array(w * h);
  const boxes: Box[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || !mask[start]) continue;
    const b = { x0: w, y0: h, x1: -1, y1: -1 };
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const q = stack.pop()!;
      const x = q % w;
      const y = (q - x) / w;
      b.x0 = Math.min(b.x0, x);
      b.x1 = Math.max(b.x1, x);
      b.y0 = Math.min(b.y0, y);
      b.y1 = Math.max(b.y1, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const n = ny * w + nx;
          if (!seen[n] && mask[n]) {
            seen[n] = 1;
            stack.push(n);
          }
        }
      }
    }
    boxes.push(b);
  }
  return boxes;
}

/** Adds channel c of a channels-last map, resampled at grid positions xs x ys, into acc (separable passes). */
function resampleChannel(
  data: Float32Array,
  w: number,
  h: number,
  channels: number,
  c: number,
  xs: Float64Array,
  ys: Float64Array,
  mode: Interpolation,
  acc: Float64Array,
): void {
  const W = xs.length;
  const H = ys.length;
  const tx = fillTaps(xs, w, mode);
  const ty = fillTaps(ys, h, mode);
  // horizontal pass over the grid rows the vertical taps use: rows[(gy - gy0) * W + x]
  let gy0 = h;
  let gy1 = -1;
  for (let i = 0; i < ty.index.length; i++) {
    gy0 = Math.min(gy0, ty.index[i]);
    gy1 = Math.max(gy1, ty.index[i]);
  }
  const rows = new Float64Array((gy1 - gy0 + 1) * W);
  for (let gy = gy0; gy <= gy1; gy++) {
    const base = gy * w;
    const o = (gy - gy0) * W;
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let j = 0; j < tx.n; j++)
        s += tx.weight[x * tx.n + j] * data[(base + tx.index[x * tx.n + j]) * channels + c];
      rows[o + x] = s;
    }
  }
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let j = 0; j < ty.n; j++) {
      const wgt = ty.weight[y * ty.n + j];
      if (wgt === 0) continue;
      const r = (ty.index[y * ty.n + j] - gy0) * W;
      for (let x = 0; x < W; x++) acc[o + x] += wgt * rows[r + x];
    }
  }
}
// scratch weights of sampleAt (single-threaded, never held across calls)
const scratchX = new Float64Array(4);
const scratchY = new Float64Array(4);

/** One interpolated value of channel c at grid position (gx, gy), in the same operation order as resampleChannel. */
function sampleAt(
  data: Float32Array,
  w: number,
  h: number,
  channels: number,
  c: number,
  gx: number,
  gy: number,
  mode: Interpolation,
): number {
  const fx = Math.floor(gx);
  const fy = Math.floor(gy);
  const cx = (i: number) => (i < 0 ? 0 : i >= w ? w - 1 : i);
  const cy = (i: number) => (i < 0 ? 0 : i >= h ? h - 1 : i);
  if (mode === "bilinear") {
    const tx = gx - fx;
    const ty = gy - fy;
    const at = (x: number, y: number) => data[(cy(y) * w + cx(x)) * channels + c];
    return (
      (1 - ty) * ((1 - tx) * at(fx, fy) + tx * at(fx + 1, fy)) +
      ty * ((1 - tx) * at(fx, fy + 1) + tx * at(fx + 1, fy + 1))
    );
  }
  const wx = scratchX;
  const wy = scratchY;
  cubicWeights(gx - fx, wx, 0);
  cubicWeights(gy - fy, wy, 0);
  let s = 0;
  for (let j = 0; j < 4; j++) {
    const row = cy(fy - 1 + j) * w;
    let r = 0;
    for (let i = 0; i < 4; i++) r += wx[i] * data[(row + cx(fx - 1 + i)) * channels + c];
    s += wy[j] * r;
  }
  return s;
}
