// The one place where posec's channels-last parameter layouts (core/params/params.ts) become ONNX's
// channels-first ones. Every function is pure: it returns new tensors and never aliases its input.
//
//   conv kernel   posec HWIO [kh, kw, in/groups, filters]  ->  ONNX OIHW [filters, in/groups, kh, kw]
//                 Groups need no special case: in both layouts filter o belongs to group
//                 floor(o / (filters / groups)) and reads that group's in/groups channels, in order
//                 (a depthwise tfjs kernel [kh, kw, C, m] is posec's [kh, kw, 1, C*m], o = c*m + j).
//   dense kernel  posec [H*W*C, units], rows in H, W, C order (tfjs flattens NHWC)
//                 ->  ONNX Gemm B [C*H*W, units], rows in C, H, W order (Flatten of NCHW)
//   prelu alpha   [C] -> PRelu slope [C, 1, 1] (broadcasts over N, C, H, W)
//   batchnorm     unchanged ([C] each), or folded into the preceding convolution (foldBatchNorm)
import type { Tensor } from "../../../core/params/index.js";

function check(t: Tensor, rank: number, what: string): void {
  if (t.shape.length !== rank) throw new Error(`${what}: expected a rank-${rank} tensor, got [${t.shape.join(", ")}]`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) throw new Error(`${what}: shape [${t.shape.join(", ")}] does not match ${t.data.length} values`);
}

/** HWIO -> OIHW */
export function convKernelToOihw(t: Tensor): Tensor {
  check(t, 4, "conv kernel");
  const [kh, kw, ci, co] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++) {
        const src = ((y * kw + x) * ci + i) * co;
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = t.data[src + o];
      }
  return { shape: [co, ci, kh, kw], data: out };
}

/**
 * Dense kernel rows from H, W, C order to C, H, W order. `input` is the dense layer's input [H, W, C];
 * the row of (y, x, c) moves from (y*W + x)*C + c to (c*H + y)*W + x. The columns (units) stay.
 */
export function denseKernelToChwRows(t: Tensor, input: [number, number, number]): Tensor {
  check(t, 2, "dense kernel");
  const [h, w, c] = input;
  const [rows, units] = t.shape;
  if (rows !== h * w * c) throw new Error(`dense kernel has ${rows} rows, but its input ${h}x${w}x${c} flattens to ${h * w * c}`);
  const out = new Float32Array(t.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) {
        const src = ((y * w + x) * c + ch) * units;
        const dst = ((ch * h + y) * w + x) * units;
        out.set(t.data.subarray(src, src + units), dst);
      }
  return { shape: [rows, units], data: out };
}

/**
 * A dense kernel as Gemm's B with transB=1: [units, inFeatures], inFeatures in C, H, W order (the layout
 * of Caffe's InnerProduct and PyTorch's Linear after a flatten; OpenCV's ONNX importer needs it).
 */
export function denseKernelToOutChw(t: Tensor, input: [number, number, number]): Tensor {
  const rows = denseKernelToChwRows(t, input);
  const [n, units] = rows.shape;
  const out = new Float32Array(rows.data.length);
  // in tiles, so that reads and writes both stay in cache (VGG's fc6 has 102M values)
  const TILE = 64;
  for (let r0 = 0; r0 < n; r0 += TILE)
    for (let u0 = 0; u0 < units; u0 += TILE)
      for (let r = r0; r < Math.min(r0 + TILE, n); r++) for (let u = u0; u < Math.min(u0 + TILE, units); u++) out[u * n + r] = rows.data[r * units + u];
  return { shape: [units, n], data: out };
}

/** PReLU's per-channel alpha [C] as ONNX's slope [C, 1, 1]. */
export function preluSlope(t: Tensor): Tensor {
  check(t, 1, "prelu alpha");
  return { shape: [t.shape[0], 1, 1], data: Float32Array.from(t.data) };
}

export interface BatchNormParams {
  gamma: Tensor;
  beta: Tensor;
  mean: Tensor;
  variance: Tensor;
  eps: number;
}

/**
 * Folds an inference-mode batchnorm into the convolution before it (OIHW kernel):
 *   s = gamma / sqrt(variance + eps);  W' = W * s (per output channel);  b' = (b - mean) * s + beta.
 * Computed in float64 and rounded once.
 */
export function foldBatchNorm(kernelOihw: Tensor, bias: Tensor | null, bn: BatchNormParams): { kernel: Tensor; bias: Tensor } {
  check(kernelOihw, 4, "conv kernel");
  const co = kernelOihw.shape[0];
  for (const [name, t] of Object.entries({ gamma: bn.gamma, beta: bn.beta, mean: bn.mean, variance: bn.variance, ...(bias ? { bias } : {}) })) {
    if (t.data.length !== co) throw new Error(`batchnorm folding: ${name} has ${t.data.length} values for ${co} filters`);
  }
  const perFilter = kernelOihw.data.length / co;
  const kernel = new Float32Array(kernelOihw.data.length);
  const folded = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    const s = bn.gamma.data[o] / Math.sqrt(bn.variance.data[o] + bn.eps);
    for (let j = o * perFilter; j < (o + 1) * perFilter; j++) kernel[j] = kernelOihw.data[j] * s;
    folded[o] = ((bias ? bias.data[o] : 0) - bn.mean.data[o]) * s + bn.beta.data[o];
  }
  return { kernel: { shape: [...kernelOihw.shape], data: kernel }, bias: { shape: [co], data: folded } };
}
