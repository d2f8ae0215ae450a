// Both gradients of a 2-D convolution, expressed as forward convolutions so that they run on the
// backend's own fast Conv2D (XNNPACK on wasm) instead of a scalar loop.
//
// Forward (per spatial axis): y[o] = sum_k x[o*s + k*d - p] * w[k], o < O, with stride s, dilation d
// and leading pad p (trailing pad only decides O).
//
// Filter gradient: dw[k] = sum_{n,o} x[n, o*s + k*d - p] * dy[n, o]. Read as a convolution whose batch
// is the input channel, whose channels are the samples and whose "filter" is dy: x transposed to
// [Ci,H,W,N] convolved with dy transposed to [OH,OW,N,Co], stride d, dilation s, leading pad p. Rows of
// x that no output window reaches (when H + pads - effective kernel is not a multiple of s) simply
// never meet a filter tap, and the output is cropped to the kernel size.
//
// Input gradient: dx[h] = sum_{o,k: o*s + k*d - p = h} dy[o] * w[k]. With dy zero-upsampled by s
// (u[o*s] = dy[o]) and the kernel flipped (k' = K-1-k) this is a stride-1 convolution of u with the
// flipped, in/out-swapped filter, dilation d, leading pad (K-1)*d - p. The upsampling and any negative
// pad (a crop) are done in one copy; for stride 1 with non-negative pads the conv pads by itself.
import { backend_util, type KernelBackend, type TensorInfo } from "@tensorflow/tfjs-core";
import { callKernel, makeFloatOutput, readFloats, release } from "./kernel-util.js";

type Conv2DInfo = backend_util.Conv2DInfo;
type Explicit = [[number, number], [number, number], [number, number], [number, number]];

function explicitPad(top: number, bottom: number, left: number, right: number): Explicit {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** dL/dfilter, [KH,KW,Ci,Co], for any stride, dilation and (asymmetric) padding. */
export function conv2dFilterGradient(
  backendName: string,
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const call = (name: string, inputs: Record<string, TensorInfo>, attrs = {}) =>
    callKernel(backendName, backend, name, inputs, attrs);

  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && oh === h && ow === w) {
    // A pointwise conv's filter gradient is one matrix product x^T dy over all pixels.
    const xT = call("Transpose", { x: { ...x, shape: [n * h * w, ci] } }, { perm: [1, 0] });
    const prod = call(
      "BatchMatMul",
      { a: { ...xT, shape: [1, ci, n * h * w] }, b: { ...dy, shape: [1, n * h * w, co] } },
      { transposeA: false, transposeB: false },
    );
    release(backend, xT);
    return { ...prod, shape: [1, 1, ci, co] };
  }

  const xT = call("Transpose", { x }, { perm: [3, 1, 2, 0] }); // [Ci,H,W,N]
  const dyT = call("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,Co]
  const spanH = (oh - 1) * sh + 1;
  const spanW = (ow - 1) * sw + 1;
  const padBottom = Math.max(0, (kh - 1) * dh + spanH - h - top);
  const padRight = Math.max(0, (kw - 1) * dw + spanW - w - left);
  const grad = call(
    "Conv2D",
    { x: xT, filter: dyT },
    {
      strides: [dh, dw],
      dilations: [sh, sw],
      pad: explicitPad(top, padBottom, left, padRight),
      dataFormat: "NHWC",
      dimRoundingMode: undefined,
    },
  ); // [Ci, >=KH, >=KW, Co]
  release(backend, xT, dyT);
  let cropped = grad;
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
    cropped = call("Slice", { x: grad }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
    release(backend, grad);
  }
  const out = call("Transpose", { x: cropped }, { perm: [1, 2, 0, 3] });
  release(backend, cropped);
  return out;
}

/** dL/dx, [N,H,W,Ci], for any stride, dilation and (asymmetric) padding. */
export function conv2dInputGradient(
  backendName: string,
  backend: KernelBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: Conv2DInfo,
): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;

  const flipped = flipAndSwapFilter(backend, filter, kh, kw, ci, co);
  const leadH = (kh - 1) * dh - top;
  const leadW = (kw - 1) * dw - left;
  const trailH = h + top - ((oh - 1) * sh + 1);
  const trailW = w + left - ((ow - 1) * sw + 1);
  const convAttrs = (pad: Explicit | "valid") => ({
    strides: [1, 1],
    dilations: [dh, dw],
    pad,
    dataFormat: "NHWC",
    dimRoundingMode: undefined,
  });

  let out: TensorInfo;
  if (sh === 1 && sw === 1 && leadH >= 0 && leadW >= 0 && trailH >= 0 && trailW >= 0) {
    out = callKernel(
      backendName,
      backend,
      "Conv2D",
      { x: dy, filter: flipped },
      convAttrs(explicitPad(leadH, trailH, leadW, trailW)),
    );
  } else {
    const uh = h + (kh - 1) * dh;
    const uw = w + (kw - 1) * dw;
    const upsampled = makeFloatOutput(backend, [n, uh, uw, co], (u) => {
      const src = readFloats(backend, dy);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < oh; i++) {
          const r = i * sh + leadH;
          if (r < 0 || r >= uh) continue;
          for (let j = 0; j < ow; j++) {
            const c = j * sw + leadW;
            if (c < 0 || c >= uw) continue;
            const from = ((b * oh + i) * ow + j) * co;
            u.set(src.subarray(from, from + co), ((b * uh + r) * uw + c) * co);
          }
        }
      }
    });
    out = callKernel(backendName, backend, "Conv2D", { x: upsampled, filter: flipped }, convAttrs("valid"));
    release(backend, upsampled);
  }
  release(backend, flipped);
  return out;
}

/** [KH,KW,Ci,Co] -> [KH,KW,Co,Ci] with both spatial axes reversed, in one pass. */
function flipAndSwapFilter(
  backend: KernelBackend,
  filter: TensorInfo,
  kh: number,
  kw: number,
  ci: number,
  co: number,
): TensorInfo {
  return makeFloatOutput(backend, [kh, kw, co, ci], (out) => {
    const src = readFloats(backend, filter);
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const from = ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
        const to = (a * kw + b) * co * ci;
        for (let i = 0; i < ci; i++) {
          const row = from + i * co;
          for (let o = 0; o < co; o++) out[to + o * ci + i] = src[row + o];
        }
      }
    }
  });
}
