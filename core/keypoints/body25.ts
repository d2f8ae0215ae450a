// OpenPose's BODY_25 schema: 25 keypoints (COCO's 18 with MidHip and six foot points), 26 limbs.
//
// Facts (CMU-Perceptual-Computing-Lab/openpose, src/openpose/pose/poseParameters.cpp):
// - POSE_BODY_25_BODY_PARTS gives the heatmap channel order below; channel 25 is "Background".
// - POSE_BODY_PART_PAIRS[BODY_25] lists the 26 limbs as joint pairs, and POSE_MAP_INDEX[BODY_25] gives,
//   for the k-th pair, the two PAF channels (x, y) it owns in the network's 52-channel PAF block. posec's
//   LimbIR says limb i owns channels 2i and 2i+1, so the limbs are listed in map order: sorted by their
//   first PAF channel (see `inMapOrder`).
// - body25_pose_deploy.prototxt (../shared/reference/openpose): 26 heatmaps + 52 PAFs.
// Dataset: COCO's 17 keypoints. Neck and MidHip are the midpoints of the shoulders and of the hips
// (OpenPose's training code builds them this way); the six foot points have no COCO source (`from: []`):
// they are masked out of training (loss weight 0), not trained as absent.
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import { COCO17_NAMES, COCO17_SIGMAS } from "./coco17.js";
import { keypointSchema } from "./schema.js";

export const BODY25_JOINTS: { name: string; from: number[] }[] = [
  { name: "Nose", from: [0] },
  { name: "Neck", from: [5, 6] },
  { name: "RShoulder", from: [6] },
  { name: "RElbow", from: [8] },
  { name: "RWrist", from: [10] },
  { name: "LShoulder", from: [5] },
  { name: "LElbow", from: [7] },
  { name: "LWrist", from: [9] },
  { name: "MidHip", from: [11, 12] },
  { name: "RHip", from: [12] },
  { name: "RKnee", from: [14] },
  { name: "RAnkle", from: [16] },
  { name: "LHip", from: [11] },
  { name: "LKnee", from: [13] },
  { name: "LAnkle", from: [15] },
  { name: "REye", from: [2] },
  { name: "LEye", from: [1] },
  { name: "REar", from: [4] },
  { name: "LEar", from: [3] },
  { name: "LBigToe", from: [] },
  { name: "LSmallToe", from: [] },
  { name: "LHeel", from: [] },
  { name: "RBigToe", from: [] },
  { name: "RSmallToe", from: [] },
  { name: "RHeel", from: [] },
];

/** POSE_BODY_PART_PAIRS[BODY_25], in the C++ table's order. */
export const BODY25_PAIRS: [number, number][] = [
  [1, 8], [1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [8, 9], [9, 10], [10, 11], [8, 12], [12, 13], [13, 14],
  [1, 0], [0, 15], [15, 17], [0, 16], [16, 18], [2, 17], [5, 18], [14, 19], [19, 20], [14, 21], [11, 22], [22, 23],
  [11, 24],
];
/** POSE_MAP_INDEX[BODY_25]: the x channel of each pair above in the PAF block (y is x + 1). */
export const BODY25_MAP_X = [0, 14, 22, 16, 18, 24, 26, 6, 2, 4, 8, 10, 12, 30, 32, 36, 34, 38, 20, 28, 40, 42, 44, 46, 48, 50];

/** Pairs reordered so that limb i is the pair whose PAF x channel is 2i. */
export function inMapOrder(pairs: [number, number][], mapX: number[]): [number, number][] {
  const out: [number, number][] = new Array(pairs.length);
  pairs.forEach((p, k) => (out[mapX[k] / 2] = p));
  return out;
}

const NAMES = BODY25_JOINTS.map((j) => j.name);
/** Left/right counterparts by name (R* <-> L*). */
export function flipPairsByName(names: string[]): [number, number][] {
  const out: [number, number][] = [];
  names.forEach((n, i) => {
    if (!n.startsWith("R")) return;
    const j = names.indexOf("L" + n.slice(1));
    if (j >= 0) out.push([i, j]);
  });
  return out;
}

export function body25Schema(span: SourceSpan): KeypointsIR {
  return keypointSchema({
    name: "body25",
    joints: BODY25_JOINTS.map((j) => ({ name: j.name, from: [...j.from] })),
    limbs: inMapOrder(BODY25_PAIRS, BODY25_MAP_X),
    flipPairs: flipPairsByName(NAMES),
    background: true,
    dataset: { name: "coco", keypoints: [...COCO17_NAMES], sigmas: [...COCO17_SIGMAS] },
    span,
  });
}
