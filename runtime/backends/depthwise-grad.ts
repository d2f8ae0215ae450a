// Gradients of depthwise convolution (filter [KH,KW,C,M], output channel c*M+m), which
// tfjs-backend-wasm 4.22 lacks. A depthwise conv does K*K multiply-adds per output value, so direct
// loops are cheap next to the dense convolutions around it.
import { backend_util, type KernelBackend, type TensorInfo } from "@tensorflow/tfjs-core";
import { makeFloatOutput, readFloats } from "./kernel-util.js";

type Conv2DInfo = backend_util.Conv2DInfo;

/** Visits every (output pixel, kernel tap) pair whose input pixel is inside the image. */
function forEachTap(
  info: Conv2DInfo,
  visit: (outBase: number, inBase: number, tap: number) => void,
): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kh, filterWidth: kw, outChannels: co } = info;
  const { top, left } = info.padInfo;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const outBase = ((b * oh + i) * ow + j) * co;
        for (let a = 0; a < kh; a++) {
          const r = i * sh + a * dh - top;
          if (r < 0 || r >= h) continue;
          for (let e = 0; e < kw; e++) {
            const q = j * sw + e * dw - left;
            if (q < 0 || q >= w) continue;
            visit(outBase, ((b * h + r) * w + q) * c, a * kw + e);
          }
        }
      }
    }
  }
}

export function depthwiseFilterGradient(
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  info: Conv2DInfo,
): TensorInfo {
  const c = info.inChannels;
  const m = info.outChannels / c;
  return makeFloatOutput(backend, filterShape, (df) => {
    const xs = readFloats(backend, x);
    const g = readFloats(backend, dy);
    forEachTap(info, (outBase, inBase, tap) => {
      const fBase = tap * c * m;
      for (let k = 0; k < c; k++) {
        const xv = xs[inBase + k];
        for (let q = 0; q < m; q++) df[fBase + k * m + q] += xv * g[outBase + k * m + q];
      }
    });
  });
}

export function depthwiseInputGradient(
  backend: KernelBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  info: Conv2DInfo,
): TensorInfo {
  const c = info.inChannels;
  const m = info.outChannels / c;
  return makeFloatOutput(backend, inputShape, (dx) => {
    const f = readFloats(backend, filter);
    const g = readFloats(backend, dy);
    forEachTap(info, (outBase, inBase, tap) => {
      const fBase = tap * c * m;
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let q = 0; q < m; q++) acc += f[fBase + k * m + q] * g[outBase + k * m + q];
        dx[inBase + k] += acc;
      }
    });
  });
}
