// Gradient kernels for pooling and resizing, written as plain loops over the backend's memory. They are
// memory-bound and tiny next to the convolutions, so a loop in JS costs little; what matters is that
// they are right:
// - MaxPoolGrad: tfjs-backend-wasm 4.22 seeds its running max with the smallest positive float instead
//   of -inf, so windows whose maximum is <= 0 (common after batchnorm) lose their gradient.
// - AvgPoolGrad: tfjs 4.22 (cpu and wasm) divides by the full window size in the gradient although the
//   forward pass divides by the number of in-bounds cells, so padded windows get a wrong gradient.
// - ResizeBilinearGrad / ResizeNearestNeighborGrad: on cpu the bilinear one returns height and width
//   swapped for non-square maps and the nearest one is wrong even for x2 upsampling; on both backends
//   they ignore halfPixelCenters (the PyTorch-compatible sampling). They are replaced by the exact
//   transpose of tfjs's forward sampling (the cpu backend's forward kernels, which wasm matches).
import { backend_util, type KernelBackend, type TensorInfo } from "@tensorflow/tfjs-core";
import { makeFloatOutput, readFloats } from "./kernel-util.js";

type Conv2DInfo = backend_util.Conv2DInfo;

/** dL/dx of max pooling; the first maximum of a window (row-major scan) receives the gradient, as in TF. */
export function maxPoolGradient(backend: KernelBackend, dy: TensorInfo, x: TensorInfo, info: Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  return makeFloatOutput(backend, x.shape, (dx) => {
    const xs = readFloats(backend, x);
    const g = readFloats(backend, dy);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          best.fill(-Infinity);
          where.fill(-1);
          for (let r = i * sh - top; r < i * sh - top + fh; r += dh) {
            if (r < 0 || r >= h) continue;
            for (let q = j * sw - left; q < j * sw - left + fw; q += dw) {
              if (q < 0 || q >= w) continue;
              const base = ((b * h + r) * w + q) * c;
              for (let k = 0; k < c; k++) {
                const v = xs[base + k];
                if (v > best[k]) {
                  best[k] = v;
                  where[k] = base + k;
                }
              }
            }
          }
          const out = ((b * oh + i) * ow + j) * c;
          for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += g[out + k];
        }
      }
    }
  });
}

/** dL/dx of average pooling whose divisor is the number of in-bounds cells (tfjs's forward convention). */
export function avgPoolGradient(backend: KernelBackend, dy: TensorInfo, xShape: number[], info: Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  return makeFloatOutput(backend, xShape, (dx) => {
    const g = readFloats(backend, dy);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        const r0 = i * sh - top;
        let rows = 0;
        for (let r = r0; r < r0 + fh; r += dh) if (r >= 0 && r < h) rows++;
        for (let j = 0; j < ow; j++) {
          const q0 = j * sw - left;
          let cols = 0;
          for (let q = q0; q < q0 + fw; q += dw) if (q >= 0 && q < w) cols++;
          if (rows * cols === 0) continue;
          const scale = 1 / (rows * cols);
          const out = ((b * oh + i) * ow + j) * c;
          for (let r = r0; r < r0 + fh; r += dh) {
            if (r < 0 || r >= h) continue;
            for (let q = q0; q < q0 + fw; q += dw) {
              if (q < 0 || q >= w) continue;
              const base = ((b * h + r) * w + q) * c;
              for (let k = 0; k < c; k++) dx[base + k] += g[out + k] * scale;
            }
          }
        }
      }
    }
  });
}

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Ratio of input to output extent along one axis, as tfjs's resize kernels compute it. */
function resizeRatio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** For each output index, the input index nearest-neighbour resizing reads. */
function nearestSources(inSize: number, outSize: number, { alignCorners, halfPixelCenters }: ResizeAttrs): Int32Array {
  const ratio = resizeRatio(inSize, outSize, alignCorners);
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    src[o] = s;
  }
  return src;
}

export function resizeNearestGradient(
  backend: KernelBackend,
  dy: TensorInfo,
  images: TensorInfo,
  attrs: ResizeAttrs,
): TensorInfo {
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const rows = nearestSources(h, oh, attrs);
  const cols = nearestSources(w, ow, attrs);
  return makeFloatOutput(backend, images.shape, (dx) => {
    const g = readFloats(backend, dy);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const from = ((b * oh + i) * ow + j) * c;
          const to = ((b * h + rows[i]) * w + cols[j]) * c;
          for (let k = 0; k < c; k++) dx[to + k] += g[from + k];
        }
      }
    }
  });
}

/** Lower/upper input index and the weight of the upper one, per output index (tfjs's bilinear sampling). */
function bilinearTaps(inSize: number, outSize: number, { alignCorners, halfPixelCenters }: ResizeAttrs) {
  const ratio = resizeRatio(inSize, outSize, alignCorners);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const f = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    lo[o] = Math.max(0, Math.floor(f));
    hi[o] = Math.min(inSize - 1, Math.ceil(f));
    frac[o] = f - lo[o];
  }
  return { lo, hi, frac };
}

export function resizeBilinearGradient(
  backend: KernelBackend,
  dy: TensorInfo,
  images: TensorInfo,
  attrs: ResizeAttrs,
): TensorInfo {
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const ry = bilinearTaps(h, oh, attrs);
  const rx = bilinearTaps(w, ow, attrs);
  return makeFloatOutput(backend, images.shape, (dx) => {
    const g = readFloats(backend, dy);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        const top = (b * h + ry.lo[i]) * w;
        const bottom = (b * h + ry.hi[i]) * w;
        const fy = ry.frac[i];
        for (let j = 0; j < ow; j++) {
          const fx = rx.frac[j];
          const from = ((b * oh + i) * ow + j) * c;
          const tl = (top + rx.lo[j]) * c;
          const tr = (top + rx.hi[j]) * c;
          const bl = (bottom + rx.lo[j]) * c;
          const br = (bottom + rx.hi[j]) * c;
          const wtl = (1 - fy) * (1 - fx);
          const wtr = (1 - fy) * fx;
          const wbl = fy * (1 - fx);
          const wbr = fy * fx;
          for (let k = 0; k < c; k++) {
            const v = g[from + k];
            dx[tl + k] += v * wtl;
            dx[tr + k] += v * wtr;
            dx[bl + k] += v * wbl;
            dx[br + k] += v * wbr;
          }
        }
      }
    }
  });
}
