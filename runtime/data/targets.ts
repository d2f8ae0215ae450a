// Training targets on the label grid (CMU caffe_train cpm_data_transformer.cpp, generateLabelMap), all
// channels-last Float32Arrays: heatmaps [h, w, J (+1 background)], PAFs [h, w, 2L], mask [h, w, 1].
//
// Conventions (documented choices where CMU's code and paper differ):
// - Gaussian: label cell g is centred on input pixel stride/2 - 0.5 + g*stride (3.5 + 8g for stride 8),
//   value exp(-d^2 / (2 sigma^2)) with sigma in input pixels, skipped where d^2/(2 sigma^2) > 4.6052 (ln 100).
//   Several people: "sum-clip" (default, CMU's code: add, then clip at 1) or "max" (the paper).
// - Background (last channel, when the schema has one): max(1 - max_j heat_j, 0).
// - PAF: CMU's band rule with width w label cells: cells whose perpendicular distance to the line A-B is
//   <= w, inside the limb's bounding box widened by w, get the unit vector (B - A)/|B - A| in channels 2i (x)
//   and 2i+1 (y). Two conventions for where a cell sits and how the box is cut:
//     "centered" (default): cell g at input pixel stride/2 - 0.5 + g*stride, like the Gaussians, and the
//       closed box [min - w, max + w]; the field is then mirror-symmetric, so a flipped sample's PAFs are
//       exactly the mirrored PAFs of the unflipped one, and they line up with the heatmap peaks.
//     "cmu": caffe_train's putVecMaps exactly: joints divided by the stride (cell g at input g*stride, half a
//       cell off the Gaussians) and the half-open box [round(min - w), round(max + w)).
//   Several people on one cell: "average" (default, the paper: mean of their vectors) or "overwrite" (what
//   CMU's code does in effect: its count map only grows once it is non-zero, so the last person wins).
//   A limb needs both joints labelled (visible or occluded) and a non-zero length.
// - Mask: the crop-resolution loss weight averaged over each cell's stride x stride input pixels (an area
//   average; CMU resizes mask_miss with INTER_CUBIC, which also gives fractional weights at borders).
import type { PersonJoints } from "./joints.js";

export interface TargetOptions {
  stride: number;
  gridWidth: number;
  gridHeight: number;
  /** Gaussian sigma in input pixels */
  sigma: number;
  /** PAF half-width in label cells (CMU limb_width_thre) */
  pafWidth: number;
  heatmapCombine: "sum-clip" | "max";
  pafCombine: "average" | "overwrite";
  pafConvention: "centered" | "cmu";
}

/** CMU's cutoff: exp(-4.6052) = 0.01 */
export const GAUSSIAN_CUTOFF_EXPONENT = 4.6052;

/** [h, w, J (+1)] heatmaps; the background channel, if requested, is last. */
export function heatmapTargets(people: PersonJoints[], jointCount: number, background: boolean, o: TargetOptions): Float32Array {
  const C = jointCount + (background ? 1 : 0);
  const { gridWidth: gw, gridHeight: gh, stride, sigma } = o;
  const out = new Float32Array(gw * gh * C);
  const start = stride / 2 - 0.5;
  const twoSigma2 = 2 * sigma * sigma;
  const reach = Math.sqrt(GAUSSIAN_CUTOFF_EXPONENT * twoSigma2); // input pixels
  for (const p of people) {
    for (let j = 0; j < jointCount; j++) {
      if (p.vis[j] === 0) continue;
      const x = p.xy[2 * j];
      const y = p.xy[2 * j + 1];
      const gx0 = Math.max(0, Math.ceil((x - reach - start) / stride));
      const gx1 = Math.min(gw - 1, Math.floor((x + reach - start) / stride));
      const gy0 = Math.max(0, Math.ceil((y - reach - start) / stride));
      const gy1 = Math.min(gh - 1, Math.floor((y + reach - start) / stride));
      for (let gy = gy0; gy <= gy1; gy++) {
        const dy = start + gy * stride - y;
        for (let gx = gx0; gx <= gx1; gx++) {
          const dx = start + gx * stride - x;
          const exponent = (dx * dx + dy * dy) / twoSigma2;
          if (exponent > GAUSSIAN_CUTOFF_EXPONENT) continue;
          const i = (gy * gw + gx) * C + j;
          const v = Math.exp(-exponent);
          out[i] = o.heatmapCombine === "max" ? Math.max(out[i], v) : Math.min(1, out[i] + v);
        }
      }
    }
  }
  if (background) {
    for (let c = 0; c < gw * gh; c++) {
      let m = 0;
      for (let j = 0; j < jointCount; j++) m = Math.max(m, out[c * C + j]);
      out[c * C + jointCount] = Math.max(1 - m, 0);
    }
  }
  return out;
}

/** [h, w, 2L] part affinity fields; limb i writes channels 2i (x) and 2i+1 (y). */
export function pafTargets(people: PersonJoints[], limbs: { from: number; to: number }[], o: TargetOptions): Float32Array {
  const { gridWidth: gw, gridHeight: gh, stride } = o;
  const L = limbs.length;
  const C = 2 * L;
  const out = new Float32Array(gw * gh * C);
  const count = new Uint16Array(gw * gh);
  const cmu = o.pafConvention === "cmu";
  const offset = cmu ? 0 : stride / 2 - 0.5;
  const thre = o.pafWidth;
  // "centered" compares with a little slack so that mirrored coordinates (rounded differently) select
  // mirrored cells
  const slack = cmu ? 0 : 1e-6;
  const lo = (v: number) => (cmu ? roundHalfAway(v - thre) : Math.ceil(v - thre - slack));
  const hi = (v: number) => (cmu ? roundHalfAway(v + thre) : Math.floor(v + thre + slack) + 1);
  limbs.forEach((limb, li) => {
    count.fill(0);
    for (const p of people) {
      if (p.vis[limb.from] === 0 || p.vis[limb.to] === 0) continue;
      const ax = (p.xy[2 * limb.from] - offset) / stride;
      const ay = (p.xy[2 * limb.from + 1] - offset) / stride;
      const bx = (p.xy[2 * limb.to] - offset) / stride;
      const by = (p.xy[2 * limb.to + 1] - offset) / stride;
      const norm = Math.hypot(bx - ax, by - ay);
      if (!(norm > 1e-9)) continue; // CMU divides by zero here; a zero-length limb has no direction
      const ux = (bx - ax) / norm;
      const uy = (by - ay) / norm;
      const x0 = Math.max(lo(Math.min(ax, bx)), 0);
      const x1 = Math.min(hi(Math.max(ax, bx)), gw);
      const y0 = Math.max(lo(Math.min(ay, by)), 0);
      const y1 = Math.min(hi(Math.max(ay, by)), gh);
      for (let gy = y0; gy < y1; gy++) {
        for (let gx = x0; gx < x1; gx++) {
          const dist = Math.abs((gx - ax) * uy - (gy - ay) * ux);
          if (dist > thre + slack) continue;
          const cell = gy * gw + gx;
          const i = cell * C + 2 * li;
          if (o.pafCombine === "overwrite" || count[cell] === 0) {
            out[i] = ux;
            out[i + 1] = uy;
          } else {
            const n = count[cell];
            out[i] = (out[i] * n + ux) / (n + 1);
            out[i + 1] = (out[i + 1] * n + uy) / (n + 1);
          }
          count[cell]++;
        }
      }
    }
  });
  return out;
}

/** C's round(): halves away from zero (CMU's code rounds with it). */
function roundHalfAway(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/**
 * Area average of a crop-resolution loss weight over each label cell ([h, w, 1]). Cells that reach past the
 * crop average the pixels they do cover; null weight means "nothing masked" (all ones).
 */
export function maskTargets(weight: Float32Array | null, cropW: number, cropH: number, o: TargetOptions): Float32Array {
  const { gridWidth: gw, gridHeight: gh, stride } = o;
  const out = new Float32Array(gw * gh).fill(1);
  if (!weight) return out;
  for (let gy = 0; gy < gh; gy++) {
    const ys = gy * stride;
    const ye = Math.min(ys + stride, cropH);
    for (let gx = 0; gx < gw; gx++) {
      const xs = gx * stride;
      const xe = Math.min(xs + stride, cropW);
      if (ye <= ys || xe <= xs) continue;
      let s = 0;
      for (let y = ys; y < ye; y++) for (let x = xs; x < xe; x++) s += weight[y * cropW + x];
      out[gy * gw + gx] = s / ((ye - ys) * (xe - xs));
    }
  }
  return out;
}
