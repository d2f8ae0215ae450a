// Object keypoint similarity exactly as pycocotools' COCOeval.computeOks, including the operation order
// (so the doubles agree to the last bit except where numpy's exp and V8's Math.exp round differently,
// about one ulp) and the branch for ground truth without labelled keypoints.
import type { CocoKeypointAnnotation } from "../coco/format.js";
import { NP_SPACING_1, npSum } from "./npmath.js";

/** pycocotools' Params.kpt_oks_sigmas: np.array([.26, .25, ...]) / 10.0 (NOT the same doubles as 0.026, ...). */
export const PYCOCOTOOLS_KPT_OKS_SIGMAS: readonly number[] = [
  0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89,
].map((s) => s / 10.0);

/**
 * The per-keypoint exponents e_k of OKS between one detection and one ground truth:
 * e_k = (dx^2 + dy^2) / (2 sigma_k)^2 / (area + eps) / 2, with d measured to the keypoint when the gt has any
 * labelled keypoint, and otherwise to the box [x - w, x + 2w] x [y - h, y + 2h] (zero inside it).
 * `labelled[k]` says whether e_k takes part in the mean (all true in the no-labelled-keypoint branch).
 */
export function oksTerms(
  dtKeypoints: ArrayLike<number>,
  gt: Pick<CocoKeypointAnnotation, "keypoints" | "bbox" | "area">,
  sigmas: readonly number[],
): { e: Float64Array; labelled: boolean[] } {
  const k = sigmas.length;
  const g = gt.keypoints;
  let k1 = 0;
  for (let i = 0; i < k; i++) if (g[3 * i + 2] > 0) k1++;
  const [bx, by, bw, bh] = gt.bbox;
  const x0 = bx - bw;
  const x1 = bx + bw * 2;
  const y0 = by - bh;
  const y1 = by + bh * 2;
  const denomArea = gt.area + NP_SPACING_1;
  const e = new Float64Array(k);
  const labelled: boolean[] = [];
  for (let i = 0; i < k; i++) {
    const xd = dtKeypoints[3 * i];
    const yd = dtKeypoints[3 * i + 1];
    let dx: number;
    let dy: number;
    if (k1 > 0) {
      dx = xd - g[3 * i];
      dy = yd - g[3 * i + 1];
    } else {
      dx = Math.max(0, x0 - xd) + Math.max(0, xd - x1);
      dy = Math.max(0, y0 - yd) + Math.max(0, yd - y1);
    }
    const twoSigma = sigmas[i] * 2;
    const v = twoSigma * twoSigma; // numpy's x**2 is x*x
    e[i] = (dx * dx + dy * dy) / v / denomArea / 2;
    labelled.push(k1 > 0 ? g[3 * i + 2] > 0 : true);
  }
  return { e, labelled };
}

/** OKS = mean over the used keypoints of exp(-e_k), summed the numpy way. */
export function computeOks(
  dtKeypoints: ArrayLike<number>,
  gt: Pick<CocoKeypointAnnotation, "keypoints" | "bbox" | "area">,
  sigmas: readonly number[],
): number {
  const { e, labelled } = oksTerms(dtKeypoints, gt, sigmas);
  const terms: number[] = [];
  for (let i = 0; i < e.length; i++) if (labelled[i]) terms.push(Math.exp(-e[i]));
  return npSum(terms) / terms.length;
}
