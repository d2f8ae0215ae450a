// COCO's 17 person keypoints: the dataset order every COCO-based schema (coco18, body25) reads from.
import coco18 from "./coco18.json" with { type: "json" };

export const COCO17_NAMES: readonly string[] = coco18.coco17_order;

/** pycocotools' per-keypoint OKS sigmas for the 17 COCO keypoints (COCOeval.Params.kpt_oks_sigmas). */
export const COCO17_SIGMAS = [
  0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089,
  0.089,
];
