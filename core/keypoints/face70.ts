// OpenPose's face detector schema: 70 keypoints, heatmaps only (a CPM without PAFs, no limbs).
//
// Facts:
// - 70 parts + background: FACE_NUMBER_PARTS (CMU-Perceptual-Computing-Lab/openpose,
//   include/openpose/face/faceParameters.hpp) and face_pose_deploy.prototxt's 71 output channels
//   (../shared/reference/openpose). Points 0-67 follow the 68-point iBUG/300-W layout (jaw 0-16, brows
//   17-26, nose 27-35, eyes 36-47, mouth 48-67); 68 and 69 are the pupils (68 inside the eye 36-41, the
//   subject's right; 69 inside 42-47).
// - Dataset: a 70-point face set in that order (COCO-WholeBody's 68 face points + the two pupils).
//   OKS sigmas 0-67: COCO-WholeBody's face sigmas (jin-s13/COCO-WholeBody evaluation/myeval_wholebody.py,
//   as in open-mmlab/mmpose configs/_base_/datasets/coco_wholebody_face.py). The pupils have no published
//   sigma: they get 0.011, the median of the eye-contour sigmas (points 36-47).
// - Flip pairs: COCO-WholeBody's face swaps (same mmpose file) plus the two pupils.
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import { keypointSchema } from "./schema.js";

export const FACE70_NAMES = [...Array.from({ length: 68 }, (_, i) => `Face${i}`), "RPupil", "LPupil"];
export const FACE70_SIGMAS = [
  0.042, 0.043, 0.044, 0.043, 0.04, 0.035, 0.031, 0.025, 0.02, 0.023, 0.029, 0.032, 0.037, 0.038, 0.043, 0.041, 0.045,
  0.013, 0.012, 0.011, 0.011, 0.012, 0.012, 0.011, 0.011, 0.013, 0.015, 0.009, 0.007, 0.007, 0.007, 0.012, 0.009,
  0.008, 0.016, 0.01, 0.017, 0.011, 0.009, 0.011, 0.009, 0.007, 0.013, 0.008, 0.011, 0.012, 0.01, 0.034, 0.008,
  0.008, 0.009, 0.008, 0.008, 0.007, 0.01, 0.008, 0.009, 0.009, 0.009, 0.007, 0.007, 0.008, 0.011, 0.008, 0.008,
  0.008, 0.01, 0.008, 0.011, 0.011,
];
export const FACE70_FLIP_PAIRS: [number, number][] = [
  ...Array.from({ length: 8 }, (_, i) => [i, 16 - i] as [number, number]), // jaw
  ...Array.from({ length: 5 }, (_, i) => [17 + i, 26 - i] as [number, number]), // brows
  [31, 35], [32, 34], // nostrils
  [36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46], // eyes
  [48, 54], [49, 53], [50, 52], [55, 59], [56, 58], [60, 64], [61, 63], [65, 67], // mouth
  [68, 69], // pupils
];
/** The contours OpenPose draws (FACE_PAIRS_RENDER_GPU): not part of the schema; used by the synthetic faces and the renderer. */
export const FACE_SKELETON: [number, number][] = [
  ...chain(0, 16), ...chain(17, 21), ...chain(22, 26), ...chain(27, 30), ...chain(31, 35),
  ...loop(36, 41), ...loop(42, 47), ...loop(48, 59), ...loop(60, 67),
];
function chain(a: number, b: number): [number, number][] {
  return Array.from({ length: b - a }, (_, i) => [a + i, a + i + 1] as [number, number]);
}
function loop(a: number, b: number): [number, number][] {
  return [...chain(a, b), [b, a]];
}

export function face70Schema(span: SourceSpan): KeypointsIR {
  return keypointSchema({
    name: "face70",
    joints: FACE70_NAMES.map((name, i) => ({ name, from: [i] })),
    limbs: [],
    flipPairs: FACE70_FLIP_PAIRS.map(([a, b]) => [a, b] as [number, number]),
    background: true,
    dataset: { name: "face70", keypoints: FACE70_NAMES.map((n) => n.toLowerCase()), sigmas: [...FACE70_SIGMAS] },
    span,
  });
}
