// Built-in keypoint schemas. coco18 is read from the copy of shared/reference/coco18.json kept beside
// this file (OpenPose's COCO-18 order with Neck, CMU's 19 limbs in training order, flip pairs).
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import coco18 from "./coco18.json" with { type: "json" };

/** pycocotools' per-keypoint OKS sigmas for the 17 COCO keypoints (COCOeval.Params.kpt_oks_sigmas). */
export const COCO17_SIGMAS = [
  0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089,
  0.089,
];

function coco18Schema(span: SourceSpan): KeypointsIR {
  const joints = coco18.coco17_to_openpose18.map((j) => ({ name: j.openpose_name, from: [...j.coco_indices] }));
  const limbs = coco18.limbs_training_order.map((l) => ({
    name: `${l.names[0]}-${l.names[1]}`,
    from: l.joints[0],
    to: l.joints[1],
  }));
  return {
    name: "coco18",
    joints,
    limbs,
    flipPairs: coco18.flip_swap_pairs_0based.map(([a, b]) => [a, b] as [number, number]),
    background: true,
    heatmapChannels: joints.length + 1,
    pafChannels: 2 * limbs.length,
    dataset: { name: "coco", keypoints: [...coco18.coco17_order], sigmas: [...COCO17_SIGMAS] },
    span,
  };
}

export const BUILTIN_KEYPOINTS: Record<string, (span: SourceSpan) => KeypointsIR> = { coco18: coco18Schema };
