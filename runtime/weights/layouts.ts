// Foreign weight layouts -> posec's (core/params/params.ts: conv HWIO, dense [in (H, W, C order), out],
// everything else [C]). Caffe and PyTorch share theirs: conv OIHW, dense (out, in) with `in` flattened in
// C, H, W order. Each reader returns a SourceTensor whose shape check happens before any copy. The values
// may still be in their file (float-source.ts): they are then read in runs of whole rows and each value is
// written once, into its place in posec's array.
import { forEachRun, toFloat32Array, type Floats } from "./float-source.js";
import type { SourceTensor } from "./map.js";

const count = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A conv kernel stored [O, I/groups, kh, kw] (OIHW). */
export function convFromOIHW(key: string, shape: number[], data: Floats): SourceTensor {
  const posecShape = shape.length === 4 ? [shape[2], shape[3], shape[1], shape[0]] : null;
  return {
    key,
    shape,
    posecShape,
    layout: "OIHW",
    convert() {
      const [o, c, kh, kw] = shape;
      const taps = kh * kw;
      const out = new Float32Array(data.length);
      // one output channel per row of the file, a run usually the whole kernel. For each input channel, the
      // writes are `taps` sequential streams (one per tap) and the reads walk all rows forward together,
      // a few bytes each: every cache line is loaded about once (a 512x512x3x3 kernel is 9 MB)
      forEachRun(data, c * taps, (run, first) => {
        const rows = run.length / (c * taps);
        for (let ci = 0; ci < c; ci++)
          for (let tap = 0; tap < taps; tap++) {
            const dst = (tap * c + ci) * o + first;
            const src = ci * taps + tap;
            for (let oi = 0; oi < rows; oi++) out[dst + oi] = run[oi * c * taps + src];
          }
      });
      return out;
    },
  };
}

/**
 * A dense kernel stored (out, in), `in` flattened in C, H, W order from an input of [h, w, c] (the spec
 * node's input); `transposed`: stored (in, out) instead (Caffe's InnerProduct transpose=true). Legacy
 * Caffe blobs are 4-D [1, 1, out, in]: the leading ones are dropped.
 */
export function denseFromOutIn(key: string, shape: number[], data: Floats, input: [number, number, number], transposed = false): SourceTensor {
  const dims = shape.length === 4 && shape[0] === 1 && shape[1] === 1 ? shape.slice(2) : shape;
  const [h, w, c] = input;
  const ok = dims.length === 2;
  const [units, features] = ok ? (transposed ? [dims[1], dims[0]] : dims) : [0, 0];
  return {
    key,
    shape,
    posecShape: ok ? [features, units] : null,
    layout: transposed ? "(in, out), in flattened C,H,W" : "(out, in), in flattened C,H,W",
    convert() {
      // posec's row for input element (y, x, ch) is (y * w + x) * c + ch; the file's is (ch * h + y) * w + x
      const source = new Int32Array(features);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) source[(y * w + x) * c + ch] = (ch * h + y) * w + x;
      const row = new Int32Array(features);
      for (let r = 0; r < features; r++) row[source[r]] = r;
      const out = new Float32Array(data.length);
      if (transposed) {
        // the file's rows are input elements: each is copied whole to its posec row
        forEachRun(data, units, (run, first) => {
          for (let i = 0; i < run.length / units; i++) out.set(run.subarray(i * units, (i + 1) * units), row[first + i] * units);
        });
        return out;
      }
      // the file's rows are units; a transpose in tiles, so that reads and writes both stay in cache (VGG's
      // fc6 is 102M values; a row-by-row walk misses the cache on every read)
      const TILE = 64;
      forEachRun(data, features, (run, first) => {
        const rows = run.length / features;
        for (let s0 = 0; s0 < features; s0 += TILE)
          for (let u0 = 0; u0 < rows; u0 += TILE) {
            const sEnd = Math.min(s0 + TILE, features);
            const uEnd = Math.min(u0 + TILE, rows);
            for (let u = u0; u < uEnd; u++) {
              const base = u * features;
              for (let src = s0; src < sEnd; src++) out[row[src] * units + first + u] = run[base + src];
            }
          }
      });
      return out;
    },
  };
}

/** A per-channel vector; legacy Caffe blobs store it [1, 1, 1, C]. `map` transforms the values (e.g. unscale). */
export function vector(key: string, shape: number[], data: Floats, map?: (v: Float32Array) => Float32Array, note?: string): SourceTensor {
  const n = count(shape);
  const plain = shape.filter((d) => d !== 1).length <= 1;
  return { key, shape, posecShape: plain ? [n] : null, layout: "[C]", convert: () => (map ? map(toFloat32Array(data)) : toFloat32Array(data)), note };
}

/** A constant vector of `n` values (for layers Caffe applies without parameters, e.g. BatchNorm without Scale). */
export function constant(key: string, n: number, value: number, note: string): SourceTensor {
  return { key, shape: [n], posecShape: [n], layout: "[C]", convert: () => new Float32Array(n).fill(value), note };
}
