// Built-in keypoint schemas. coco18 is read from the copy of shared/reference/coco18.json kept beside
// this file (OpenPose's COCO-18 order with Neck, CMU's 19 limbs in training order, flip pairs); the others
// (body25, mpi15, hand21, face70) each live in their own file with the sources of their facts.
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import { body25Schema } from "./body25.js";
import { COCO17_NAMES, COCO17_SIGMAS } from "./coco17.js";
import coco18 from "./coco18.json" with { type: "json" };
import { FACE_SKELETON, face70Schema } from "./face70.js";
import { HAND_SKELETON, hand21Schema } from "./hand21.js";
import { mpi15Schema } from "./mpi15.js";
import { keypointSchema } from "./schema.js";

export { COCO17_SIGMAS };

function coco18Schema(span: SourceSpan): KeypointsIR {
  const joints = coco18.coco17_to_openpose18.map((j) => ({ name: j.openpose_name, from: [...j.coco_indices] }));
  return keypointSchema({
    name: "coco18",
    joints,
    limbs: coco18.limbs_training_order.map((l) => [l.joints[0], l.joints[1]] as [number, number]),
    flipPairs: coco18.flip_swap_pairs_0based.map(([a, b]) => [a, b] as [number, number]),
    background: true,
    dataset: { name: "coco", keypoints: [...COCO17_NAMES], sigmas: [...COCO17_SIGMAS] },
    span,
  });
}

export const BUILTIN_KEYPOINTS: Record<string, (span: SourceSpan) => KeypointsIR> = {
  coco18: coco18Schema,
  body25: body25Schema,
  mpi15: mpi15Schema,
  hand21: hand21Schema,
  face70: face70Schema,
};

/**
 * The joint pairs a picture connects: the limbs, or for the heatmap-only built-ins (no limbs) the contours
 * OpenPose draws for them; an inline schema without limbs is drawn as dots only.
 */
export function drawingPairs(k: Pick<KeypointsIR, "name" | "limbs" | "joints">): [number, number][] {
  if (k.limbs.length > 0) return k.limbs.map((l) => [l.from, l.to]);
  if (k.name === "hand21" && k.joints.length === 21) return HAND_SKELETON;
  if (k.name === "face70" && k.joints.length === 70) return FACE_SKELETON;
  return [];
}
