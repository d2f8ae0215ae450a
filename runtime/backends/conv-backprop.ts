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
// never meet a filter tap, and the output is cropped to the kernel size. Along the width the
// convolution is unrolled per kernel column (see conv2dFilterGradient), so that it reduces over
// output columns x samples as channels.
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

  // One convolution per kernel column kw. Its input is x transposed to [Ci,H,W,N] with the columns
  // that tap kw reads gathered next to each other, [Ci,H,1,OW*N]; its filter is dy as [OH,1,OW*N,Co].
  // Folding the output columns into the channels gives the convolution OW*N channels to reduce over
  // instead of N (the batch, often 2), which XNNPACK runs about as fast as a forward convolution.
  const xT = call("Transpose", { x }, { perm: [3, 1, 2, 0] }); // [Ci,H,W,N]
  const dyT = call("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }); // [OH,OW,N,Co]
  const dyFilter = { ...dyT, shape: [oh, 1, ow * n, co] };
  const spanH = (oh - 1) * sh + 1;
  const padBottom = Math.max(0, (kh - 1) * dh + spanH - h - top);
  const columns: TensorInfo[] = [];
  for (let c = 0; c < kw; c++) {
    // output columns j whose input column j*sw + c*dw - left lies inside the image (the rest is padding)
    const first = Math.max(0, Math.ceil((left - c * dw) / sw));
    const last = Math.min(ow - 1, Math.floor((w - 1 + left - c * dw) / sw));
    const gathered = makeFloatOutput(backend, [ci, h, 1, ow * n], (g) => {
      if (last < first) return;
      const src = readFloats(backend, xT);
      const col0 = first * sw + c * dw - left;
      for (let r = 0; r < ci * h; r++) {
        const to = (r * ow + first) * n;
        if (sw === 1) {
          const from = (r * w + col0) * n; // one contiguous run per row
          g.set(src.subarray(from, from + (last - first + 1) * n), to);
          continue;
        }
        for (let j = 0; j <= last - first; j++) {
          const from = (r * w + col0 + j * sw) * n;
          for (let q = 0; q < n; q++) g[to + j * n + q] = src[from + q];
        }
      }
    });
    columns.push(
      call(
        "Conv2D",
        { x: gathered, filter: dyFilter },
        { strides: [dh, 1], dilations: [sh, 1], pad: explicitPad(top, padBottom, 0, 0), dataFormat: "NHWC", dimRoundingMode: undefined },
      ), // [Ci, >=KH, 1, Co]
    );
    release(backend, gathered);
  }
  release(backend, xT, dyT);
  const out = makeFloatOutput(backend, [kh, kw, ci, co], (dw4) => {
    columns.forEach((colInfo, c) => {
      const part = readFloats(backend, colInfo);
      const rows = colInfo.shape[1];
      for (let a = 0; a < kh; a++) {
        for (let i = 0; i < ci; i++) {
          const from = (i * rows + a) * co;
          dw4.set(part.subarray(from, from + co), ((a * kw + c) * ci + i) * co);
        }
      }
    });
  });
  release(backend, ...columns);
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
