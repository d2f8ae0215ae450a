// Per-joint numbers on top of the COCO matching, to see which joints a model localises well (the
// hard-joint-mining model claims better wrists and ankles). Definition (also in runtime/eval/README.md):
//
//   Take the matching pycocotools made for area "all" at one OKS threshold (default 0.5). For every
//   non-ignored ground-truth person g and every keypoint k labelled in g (v > 0), the keypoint similarity is
//   ks_k = exp(-d_k^2 / (2 s^2 (2 sigma_k)^2)), s^2 = gt area — the very term OKS averages — of the
//   detection matched to g, or 0 when g is unmatched. Per keypoint type:
//     meanKs      = mean of ks_k over all labelled instances (a per-joint OKS; misses count 0)
//     pck50/pck75 = fraction of labelled instances with ks_k >= 0.5 / 0.75 (an OKS-scaled PCK; misses fail)
//     matchedMeanKs = mean of ks_k over matched instances only (localisation, independent of detection)
import type { CocoGroundTruth } from "../coco/format.js";
import type { LoadedDetection } from "./coco-files.js";
import type { KeypointEvaluation } from "./cocoeval.js";
import { PosecError } from "../errors.js";
import { oksTerms } from "./oks.js";

export const COCO17_KEYPOINT_NAMES = [
  "nose",
  "left_eye",
  "right_eye",
  "left_ear",
  "right_ear",
  "left_shoulder",
  "right_shoulder",
  "left_elbow",
  "right_elbow",
  "left_wrist",
  "right_wrist",
  "left_hip",
  "right_hip",
  "left_knee",
  "right_knee",
  "left_ankle",
  "right_ankle",
];

export interface JointStats {
  name: string;
  /** labelled instances on non-ignored gts */
  labelled: number;
  /** of those, on a gt matched at the threshold */
  matched: number;
  meanKs: number;
  pck50: number;
  pck75: number;
  /** NaN-free: 0 when nothing matched */
  matchedMeanKs: number;
}

export interface PerJointReport {
  oksThreshold: number;
  joints: JointStats[];
}

export function perJointStats(
  gt: CocoGroundTruth,
  detections: LoadedDetection[],
  evaluation: KeypointEvaluation,
  oksThreshold = 0.5,
): PerJointReport {
  const p = evaluation.params;
  const t = p.iouThrs.indexOf(oksThreshold);
  if (t < 0) {
    throw new PosecError(
      `per-joint statistics: OKS threshold ${oksThreshold} is not one of the evaluation's thresholds (${p.iouThrs.join(", ")})`,
      "PN5605",
    );
  }
  const K = p.sigmas.length;
  const names = gt.categories[0]?.keypoints?.length === K ? gt.categories[0].keypoints : K === COCO17_KEYPOINT_NAMES.length ? COCO17_KEYPOINT_NAMES : Array.from({ length: K }, (_, k) => `keypoint ${k}`);
  const gtById = new Map(gt.annotations.map((a) => [a.id, a]));
  const dtById = new Map(detections.map((d) => [d.id, d]));
  const acc = Array.from({ length: K }, () => ({ labelled: 0, matched: 0, ks: 0, ks50: 0, ks75: 0 }));
  const allArea = p.areaRanges.findIndex((r) => r.label === "all");
  for (const e of evaluation.evalImgs) {
    if (!e || e.areaRange !== p.areaRanges[allArea]) continue;
    e.gtIds.forEach((gtId, gi) => {
      if (e.gtIgnore[gi]) return;
      const g = gtById.get(gtId)!;
      const dtId = e.gtMatches[t][gi];
      const d = dtId > 0 ? dtById.get(dtId) : undefined;
      const terms = d ? oksTerms(d.keypoints, g, p.sigmas).e : null;
      for (let k = 0; k < K; k++) {
        if (!(g.keypoints[3 * k + 2] > 0)) continue;
        const ks = terms ? Math.exp(-terms[k]) : 0;
        const a = acc[k];
        a.labelled++;
        if (terms) a.matched++;
        a.ks += ks;
        if (ks >= 0.5) a.ks50++;
        if (ks >= 0.75) a.ks75++;
      }
    });
  }
  return {
    oksThreshold,
    joints: acc.map((a, k) => ({
      name: names[k],
      labelled: a.labelled,
      matched: a.matched,
      meanKs: a.labelled ? a.ks / a.labelled : 0,
      pck50: a.labelled ? a.ks50 / a.labelled : 0,
      pck75: a.labelled ? a.ks75 / a.labelled : 0,
      matchedMeanKs: a.matched ? a.ks / a.matched : 0,
    })),
  };
}
