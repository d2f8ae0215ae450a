// OpenPose's hand detector schema: 21 keypoints, heatmaps only (a CPM without PAFs, no limbs).
//
// Facts:
// - 21 parts + background: HAND_NUMBER_PARTS (CMU-Perceptual-Computing-Lab/openpose,
//   include/openpose/hand/handParameters.hpp) and hand_pose_deploy.prototxt's 22 output channels
//   (../shared/reference/openpose). Order: wrist, then thumb, index, middle, ring, pinky, each from the palm
//   out (4 points); OpenPose's names are those of POSE_BODY_65_BODY_PARTS without the L/R prefix.
// - Dataset: COCO-WholeBody's 21-point hand (same order); OKS sigmas from COCO-WholeBody's evaluation
//   (jin-s13/COCO-WholeBody evaluation/myeval_wholebody.py, sigmas_lefthand == sigmas_righthand).
// - No flip pairs: a horizontal flip turns a right hand into a left one; the points keep their names.
// - HAND_SKELETON (the pairs OpenPose draws, HAND_PAIRS_RENDER_GPU) is not part of the schema (no PAFs are
//   trained); the synthetic hand generator and the renderer use it.
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import { keypointSchema } from "./schema.js";

const FINGERS: [string, string[]][] = [
  ["Thumb", ["1CMC", "2Knuckles", "3IP", "4FingerTip"]],
  ["Index", ["1Knuckles", "2PIP", "3DIP", "4FingerTip"]],
  ["Middle", ["1Knuckles", "2PIP", "3DIP", "4FingerTip"]],
  ["Ring", ["1Knuckles", "2PIP", "3DIP", "4FingerTip"]],
  ["Pinky", ["1Knuckles", "2PIP", "3DIP", "4FingerTip"]],
];
export const HAND21_NAMES = ["Wrist", ...FINGERS.flatMap(([f, parts]) => parts.map((p) => f + p))];
export const HAND21_SIGMAS = [
  0.029, 0.022, 0.035, 0.037, 0.047, 0.026, 0.025, 0.024, 0.035, 0.018, 0.024, 0.022, 0.026, 0.017, 0.021, 0.021,
  0.032, 0.02, 0.019, 0.022, 0.031,
];
/** wrist -> each finger's first point, then along the finger */
export const HAND_SKELETON: [number, number][] = [0, 1, 2, 3, 4].flatMap((f) => {
  const b = 1 + 4 * f;
  return [[0, b], [b, b + 1], [b + 1, b + 2], [b + 2, b + 3]] as [number, number][];
});

export function hand21Schema(span: SourceSpan): KeypointsIR {
  return keypointSchema({
    name: "hand21",
    joints: HAND21_NAMES.map((name, i) => ({ name, from: [i] })),
    limbs: [],
    flipPairs: [],
    background: true,
    dataset: { name: "hand21", keypoints: HAND21_NAMES.map((n) => n.toLowerCase()), sigmas: [...HAND21_SIGMAS] },
    span,
  });
}
