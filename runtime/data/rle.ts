// COCO segmentation rasters: run-length encoding (RLE) in both of COCO's forms and polygon filling.
//
// COCO's RLE (pycocotools maskApi.c) scans the mask in COLUMN-major order (down each column, then the
// next column) and alternates run lengths of 0s and 1s, starting with 0s. "Uncompressed" RLE stores the
// counts as a JSON number array; "compressed" RLE stores them as a string (rleToString / rleFrString):
// each count, after the first three, is delta-coded against the count two places earlier (so runs of the
// same value are compared), then written LEB128-style in 5-bit groups, low group first, as ASCII
// characters 48 + group, with 0x20 marking "more groups follow" and 0x10 the sign of the last group.
//
// Masks elsewhere in posec are row-major Uint8Arrays (index y * width + x), 1 = inside.
import { PosecError } from "../errors.js";

export interface Rle {
  height: number;
  width: number;
  /** run lengths, starting with a run of 0s (possibly of length 0) */
  counts: number[];
}

/** pycocotools rleFrString: compressed string -> run lengths. Throws on malformed input. */
export function decodeRleString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new PosecError(`RLE string ends inside a count`, "PN5003");
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new PosecError(`RLE string has an invalid character ${JSON.stringify(s[p])}`, "PN5003");
      // plain arithmetic instead of bit operations: counts can need more than 31 bits in intermediate form
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x -= 2 ** (5 * k); // sign-extend the last group
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** pycocotools rleToString: run lengths -> compressed string. */
export function encodeRleString(counts: number[]): string {
  let out = "";
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // x may be negative: take the low 5 bits of its two's complement, then an arithmetic shift
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** Decodes COCO's RLE into a new row-major mask (1 inside). Run lengths must add up to height * width. */
export function rleToMask(rle: Rle): Uint8Array {
  const mask = new Uint8Array(rle.height * rle.width);
  fillRle(rle, mask);
  return mask;
}

/** Sets the RLE's 1 pixels in a row-major mask of the same size (never clears). */
export function fillRle(rle: Rle, mask: Uint8Array): void {
  const { height: h, width: w, counts } = rle;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== h * w) {
    throw new PosecError(`RLE counts add up to ${total}, but the mask is ${w}x${h} = ${w * h} pixels`, "PN5003");
  }
  let pos = 0; // column-major position: x = floor(pos / h), y = pos % h
  for (let i = 0; i < counts.length; i++) {
    const end = pos + counts[i];
    if (i % 2 === 1) {
      for (let q = pos; q < end; q++) {
        const x = Math.floor(q / h);
        mask[(q - x * h) * w + x] = 1;
      }
    }
    pos = end;
  }
}

/** Encodes a row-major mask as COCO RLE (column-major runs, starting with 0s). */
export function maskToRle(mask: Uint8Array, width: number, height: number): Rle {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { height, width, counts };
}

/** Number of 1 pixels of an RLE (pycocotools rleArea). */
export function rleArea(counts: number[]): number {
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}

/** Tight [x, y, w, h] box of the 1 pixels (pycocotools rleToBbox); [0, 0, 0, 0] when empty. */
export function maskBbox(mask: Uint8Array, width: number, height: number): [number, number, number, number] {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

/**
 * Fills a polygon [x0, y0, x1, y1, ...] into a row-major mask (sets 1s, never clears), even-odd rule.
 * A pixel is inside when its centre (x + 0.5, y + 0.5) is, pixel (0, 0) covering [0, 1) x [0, 1) as in
 * COCO's coordinates. pycocotools' rleFrPoly instead traces the boundary on a 5x finer grid; both agree on
 * polygons with integer vertices (a 4x3 rectangle fills 12 pixels) and differ by at most about one pixel
 * along edges otherwise, which is immaterial for an ignore mask that is averaged down to the label grid.
 */
export function fillPolygon(poly: ArrayLike<number>, width: number, height: number, mask: Uint8Array): void {
  const n = Math.floor(poly.length / 2);
  if (n < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, poly[2 * i + 1]);
    maxY = Math.max(maxY, poly[2 * i + 1]);
  }
  const yStart = Math.max(0, Math.ceil(minY - 0.5));
  const yEnd = Math.min(height - 1, Math.ceil(maxY - 0.5) - 1);
  const xs: number[] = [];
  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < n; i++) {
      const ax = poly[2 * i];
      const ay = poly[2 * i + 1];
      const bx = poly[2 * ((i + 1) % n)];
      const by = poly[2 * ((i + 1) % n) + 1];
      // half-open in y so that a vertex on the scan line is counted once
      if ((ay <= yc && yc < by) || (by <= yc && yc < ay)) xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const xa = Math.max(0, Math.ceil(xs[k] - 0.5));
      const xb = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
      for (let x = xa; x < xb; x++) mask[y * width + x] = 1;
    }
  }
}
