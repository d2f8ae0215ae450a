// Augmentation as ONE affine map from source-image pixels to crop pixels, applied alike to the image, the
// keypoints and the miss mask (CMU applies scale, rotation, crop and flip one after the other; composing them
// interpolates the image once and keeps the three exactly consistent).
//
// Coordinates: pixel (x, y) has its centre at (x, y) (OpenCV's convention, which CMU's code uses); COCO
// keypoints are used as they are. Hence a flip is x -> W - 1 - x and the crop centre is ((W-1)/2, (H-1)/2).
import type { Rng } from "../util/rng.js";
import type { RgbImage } from "./image.js";

/** q = [a b; c d] p + [tx; ty] */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

export interface AugmentOptions {
  /** U[min, max] multiplier of CMU's scale rule */
  scale: [number, number];
  /** CMU target_dist: the main person's height becomes targetDist * crop height (times the multiplier) */
  targetDist: number;
  /** rotation U[-rotate, rotate] degrees */
  rotate: number;
  /** flip probability */
  flip: number;
  /** crop centre perturbation U[-p, p] crop pixels, per axis */
  centerPerturb: number;
}

export interface AugmentDraw {
  scale: number;
  degrees: number;
  flip: boolean;
  dx: number;
  dy: number;
}

/**
 * Draws one augmentation (always the same number of draws, in this order: scale, rotation, dx, dy, flip).
 * CMU's scale rule: scale = targetDist / (personHeight / cropHeight) * U[min, max].
 */
export function drawAugment(rng: Rng, o: AugmentOptions, personHeight: number, cropHeight: number): AugmentDraw {
  const mult = rng.uniform(o.scale[0], o.scale[1]);
  const degrees = rng.uniform(-o.rotate, o.rotate);
  const dx = rng.uniform(-o.centerPerturb, o.centerPerturb);
  const dy = rng.uniform(-o.centerPerturb, o.centerPerturb);
  const flip = rng.next() < o.flip;
  const scaleSelf = Math.max(personHeight, 1) / cropHeight;
  return { scale: (o.targetDist / scaleSelf) * mult, degrees, flip, dx, dy };
}

/**
 * Source -> crop: scale about the person centre, rotate (OpenCV's getRotationMatrix2D sign: positive is
 * counter-clockwise on screen), move the centre to the crop centre minus the perturbation, then mirror.
 */
export function augmentAffine(draw: AugmentDraw, center: [number, number], cropW: number, cropH: number): Affine {
  const t = (draw.degrees * Math.PI) / 180;
  const cos = Math.cos(t) * draw.scale;
  const sin = Math.sin(t) * draw.scale;
  let m: Affine = { a: cos, b: sin, c: -sin, d: cos, tx: 0, ty: 0 };
  m.tx = (cropW - 1) / 2 - draw.dx - (m.a * center[0] + m.b * center[1]);
  m.ty = (cropH - 1) / 2 - draw.dy - (m.c * center[0] + m.d * center[1]);
  if (draw.flip) m = { a: -m.a, b: -m.b, c: m.c, d: m.d, tx: cropW - 1 - m.tx, ty: m.ty };
  return m;
}

/** No augmentation: the whole image scaled to fit the crop, centred (letterboxed with the pad value). */
export function fitAffine(srcW: number, srcH: number, cropW: number, cropH: number): Affine {
  const s = Math.min(cropW / srcW, cropH / srcH);
  return { a: s, b: 0, c: 0, d: s, tx: (cropW - 1) / 2 - (s * (srcW - 1)) / 2, ty: (cropH - 1) / 2 - (s * (srcH - 1)) / 2 };
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m.a * x + m.b * y + m.tx, m.c * x + m.d * y + m.ty];
}

export function invertAffine(m: Affine): Affine {
  const det = m.a * m.d - m.b * m.c;
  const a = m.d / det;
  const b = -m.b / det;
  const c = -m.c / det;
  const d = m.a / det;
  return { a, b, c, d, tx: -(a * m.tx + b * m.ty), ty: -(c * m.tx + d * m.ty) };
}

/**
 * Box-averages the source by an integer factor when the map shrinks it by 2x or more, so that bilinear
 * sampling does not alias (CMU resizes with INTER_CUBIC, which aliases as well when shrinking a lot).
 * Returns the image to sample and the map from it to the crop.
 */
export function prefilter(src: RgbImage, m: Affine): { image: RgbImage; map: Affine } {
  const scale = Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  const f = Math.floor(1 / scale);
  if (f < 2 || src.width < 2 * f || src.height < 2 * f) return { image: src, map: m };
  const w = Math.floor(src.width / f);
  const h = Math.floor(src.height / f);
  const out = new Uint8Array(w * h * 3);
  const acc = new Float64Array(w * 3);
  const inv = 1 / (f * f);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let yy = y * f; yy < y * f + f; yy++) {
      const row = yy * src.width * 3;
      for (let x = 0; x < w; x++) {
        for (let xx = x * f; xx < x * f + f; xx++) {
          const o = row + xx * 3;
          acc[x * 3] += src.data[o];
          acc[x * 3 + 1] += src.data[o + 1];
          acc[x * 3 + 2] += src.data[o + 2];
        }
      }
    }
    for (let i = 0; i < w * 3; i++) out[y * w * 3 + i] = Math.round(acc[i] * inv);
  }
  // shrunk pixel p' covers source pixels f*p' .. f*p'+f-1, centre f*p' + (f-1)/2
  const k = (f - 1) / 2;
  const map: Affine = { a: m.a * f, b: m.b * f, c: m.c * f, d: m.d * f, tx: m.tx + (m.a + m.b) * k, ty: m.ty + (m.c + m.d) * k };
  return { image: { width: w, height: h, data: out }, map };
}

/**
 * Copies a row-major raster with `channels` values per pixel into one with a 1-pixel border of `pad`, so
 * that bilinear sampling anywhere in [-1, W] x [-1, H] reads four valid neighbours without bounds checks.
 */
function withBorder(data: ArrayLike<number>, w: number, h: number, channels: number, pad: number): Float32Array {
  const pw = w + 2;
  const out = new Float32Array(pw * (h + 2) * channels).fill(pad);
  for (let y = 0; y < h; y++) {
    const src = y * w * channels;
    const dst = ((y + 1) * pw + 1) * channels;
    for (let i = 0; i < w * channels; i++) out[dst + i] = data[src + i];
  }
  return out;
}

/** Bilinear warp of an RGB image into a cropW x cropH raster; pixels from outside the source get `pad`. */
export function warpRgb(src: RgbImage, m: Affine, cropW: number, cropH: number, pad = 128): Uint8Array {
  const out = new Uint8Array(cropW * cropH * 3);
  const { a, b, c, d, tx, ty } = invertAffine(m);
  const { width: W, height: H } = src;
  const padded = withBorder(src.data, W, H, 3, pad);
  const row = (W + 2) * 3;
  for (let qy = 0; qy < cropH; qy++) {
    let px = b * qy + tx;
    let py = d * qy + ty;
    for (let qx = 0; qx < cropW; qx++, px += a, py += c) {
      const o = (qy * cropW + qx) * 3;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) {
        out[o] = out[o + 1] = out[o + 2] = pad;
        continue;
      }
      const fx = px - x0;
      const fy = py - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const i = (y0 + 1) * row + (x0 + 1) * 3;
      const j = i + row;
      // values are >= 0, so floor(v + 0.5) is Math.round(v)
      out[o] = (w00 * padded[i] + w10 * padded[i + 3] + w01 * padded[j] + w11 * padded[j + 3] + 0.5) | 0;
      out[o + 1] = (w00 * padded[i + 1] + w10 * padded[i + 4] + w01 * padded[j + 1] + w11 * padded[j + 4] + 0.5) | 0;
      out[o + 2] = (w00 * padded[i + 2] + w10 * padded[i + 5] + w01 * padded[j + 2] + w11 * padded[j + 5] + 0.5) | 0;
    }
  }
  return out;
}

/**
 * Bilinear warp of a 0/1 "ignore" raster (1 = masked out) into a crop-sized loss weight (1 - ignore), which
 * is fractional along region borders. Outside the source counts as not ignored (CMU pads mask_miss with
 * 255 = keep): the padding is a legitimate "no person here" example.
 */
export function warpIgnoreToWeight(ignore: Uint8Array, srcW: number, srcH: number, m: Affine, cropW: number, cropH: number): Float32Array {
  const out = new Float32Array(cropW * cropH).fill(1);
  const inv = invertAffine(m);
  const padded = withBorder(ignore, srcW, srcH, 1, 0);
  const row = srcW + 2;
  for (let qy = 0; qy < cropH; qy++) {
    let px = inv.b * qy + inv.tx;
    let py = inv.d * qy + inv.ty;
    for (let qx = 0; qx < cropW; qx++, px += inv.a, py += inv.c) {
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      if (x0 < -1 || y0 < -1 || x0 >= srcW || y0 >= srcH) continue;
      const fx = px - x0;
      const fy = py - y0;
      const i = (y0 + 1) * row + x0 + 1;
      const v = (1 - fx) * (1 - fy) * padded[i] + fx * (1 - fy) * padded[i + 1] + (1 - fx) * fy * padded[i + row] + fx * fy * padded[i + row + 1];
      out[qy * cropW + qx] = 1 - v;
    }
  }
  return out;
}
