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
  if (o.heatmapChannels !== heatmapChannels) problems.push(`${o.heatmapChannels} heatmap channels, the keypoint schema has ${heatmapChannels}`);
  if (o.pafChannels !== pafChannels) problems.push(`${o.pafChannels} PAF channels, the keypoint schema has ${pafChannels}`);
  if (o.heatmaps.length !== o.height * o.width * o.heatmapChannels) problems.push(`heatmaps hold ${o.heatmaps.length} values, not ${o.height}x${o.width}x${o.heatmapChannels}`);
  if (o.pafs.length !== o.height * o.width * o.pafChannels) problems.push(`pafs hold ${o.pafs.length} values, not ${o.height}x${o.width}x${o.pafChannels}`);
  if (problems.length) throw new PosecError(`network output does not fit the keypoint schema: ${problems.join("; ")}`, "PN5201");
}

/**
 * The maps of one image, averaged over scales, at image resolution. Heatmap channels are resampled in full
 * (peak finding needs every pixel); PAFs are sampled lazily at the few points limb scoring asks for, which
 * gives the same value a full resample would have at that pixel.
 */
export class ImageMaps {
  private readonly heatmapCache = new Map<number, Float32Array>();
  private readonly pafTaps: { x: (x: number) => number; y: (y: number) => number }[];

  constructor(
    readonly outputs: readonly NetworkOutput[],
    readonly image: ImageSize,
    readonly interpolation: Interpolation = "bicubic",
  ) {
    if (outputs.length === 0) throw new PosecError("no network output to decode", "PN5201");
    const first = outputs[0];
    for (const o of outputs) checkOutput(o, first.heatmapChannels, first.pafChannels);
    this.pafTaps = outputs.map((o) => ({
      x: (x: number) => imageToGrid(x, o.placement.scaleX, o.placement.offsetX, o.stride),
      y: (y: number) => imageToGrid(y, o.placement.scaleY, o.placement.offsetY, o.stride),
    }));
  }

  /** Heatmap channel c at every image pixel, row-major [height * width], averaged over the outputs. */
  heatmap(c: number): Float32Array {
    const cached = this.heatmapCache.get(c);
    if (cached) return cached;
    const { width: W, height: H } = this.image;
    const out = new Float32Array(W * H);
    const acc = new Float64Array(W * H);
    for (const o of this.outputs) {
      resampleChannel(o.heatmaps, o.width, o.height, o.heatmapChannels, c, o.placement, o.stride, W, H, this.interpolation, acc);
    }
    const inv = 1 / this.outputs.length;
    for (let i = 0; i < out.length; i++) out[i] = acc[i] * inv;
    this.heatmapCache.set(c, out);
    return out;
  }

  /** PAF vector of limb l at image pixel (x, y), averaged over the outputs. */
  paf(limb: number, x: number, y: number): [number, number] {
    let vx = 0;
    let vy = 0;
    this.outputs.forEach((o, s) => {
      const gx = this.pafTaps[s].x(x);
      const gy = this.pafTaps[s].y(y);
      vx += sampleAt(o.pafs, o.width, o.height, o.pafChannels, 2 * limb, gx, gy, this.interpolation);
      vy += sampleAt(o.pafs, o.width, o.height, o.pafChannels, 2 * limb + 1, gx, gy, this.interpolation);
    });
    return [vx / this.outputs.length, vy / this.outputs.length];
  }
}

/** Adds channel c of a channels-last map, resampled to W x H image pixels, into acc (separable passes). */
function resampleChannel(
  data: Float32Array,
  w: number,
  h: number,
  channels: number,
  c: number,
  placement: Placement,
  stride: number,
  W: number,
  H: number,
  mode: Interpolation,
  acc: Float64Array,
): void {
  const xs = new Float64Array(W);
  for (let x = 0; x < W; x++) xs[x] = imageToGrid(x, placement.scaleX, placement.offsetX, stride);
  const ys = new Float64Array(H);
  for (let y = 0; y < H; y++) ys[y] = imageToGrid(y, placement.scaleY, placement.offsetY, stride);
  const tx = fillTaps(xs, w, mode);
  const ty = fillTaps(ys, h, mode);
  // horizontal pass over every grid row: rows[gy * W + x]
  const rows = new Float64Array(h * W);
  for (let gy = 0; gy < h; gy++) {
    const base = gy * w;
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let j = 0; j < tx.n; j++) s += tx.weight[x * tx.n + j] * data[(base + tx.index[x * tx.n + j]) * channels + c];
      rows[gy * W + x] = s;
    }
  }
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let j = 0; j < ty.n; j++) {
      const wgt = ty.weight[y * ty.n + j];
      if (wgt === 0) continue;
      const r = ty.index[y * ty.n + j] * W;
      for (let x = 0; x < W; x++) acc[o + x] += wgt * rows[r + x];
    }
  }
}

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
  const tx = fillTaps([gx], w, mode);
  const ty = fillTaps([gy], h, mode);
  let s = 0;
  for (let j = 0; j < ty.n; j++) {
    const wy = ty.weight[j];
    if (wy === 0) continue;
    const row = ty.index[j] * w;
    for (let i = 0; i < tx.n; i++) s += wy * tx.weight[i] * data[(row + tx.index[i]) * channels + c];
  }
  return s;
}
