// OpenPose's MPI_15 schema: 15 keypoints from MPII Human Pose, 14 limbs.
//
// Facts:
// - Heatmap order: POSE_MPI_BODY_PARTS (CMU-Perceptual-Computing-Lab/openpose,
//   src/openpose/pose/poseParameters.cpp); channel 15 is "Background".
// - Limbs: POSE_MPI_PAIRS_RENDER_GPU (include/openpose/pose/poseParametersRender.hpp); POSE_MAP_INDEX[MPI_15]
//   is the identity (pair k owns PAF channels 2k, 2k+1), and caffe_train's generateLabelMap (np == 43) writes
//   the same 14 pairs in the same order (mid_1 / mid_2).
// - Dataset mapping: caffe_train src/caffe/cpm_data_transformer.cpp, TransformJoints (np == 43):
//   MPI_to_ours_1 / MPI_to_ours_2 - every joint copies one MPII keypoint except Chest, the midpoint of
//   thorax (7) and pelvis (6).
// - mpi_pose_deploy_linevec.prototxt (../shared/reference/openpose): 16 heatmaps + 28 PAFs.
// MPII has no OKS sigmas of its own (its metric is PCKh); the sigmas are open-mmlab/mmpose's adaptation
// of COCO's (configs/_base_/datasets/mpii.py), so that `posec eval` can compute an OKS-based AP.
import type { KeypointsIR, SourceSpan } from "../ir/types.js";
import { flipPairsByName } from "./body25.js";
import { keypointSchema } from "./schema.js";

/** MPII Human Pose's 16 keypoints, in its annotation order. */
export const MPII16_NAMES = [
  "right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "pelvis", "thorax",
  "upper_neck", "head_top", "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow",
  "left_wrist",
];
export const MPII16_SIGMAS = [0.089, 0.083, 0.107, 0.107, 0.083, 0.089, 0.026, 0.026, 0.026, 0.026, 0.062, 0.072, 0.179, 0.179, 0.072, 0.062];

export const MPI15_JOINTS: { name: string; from: number[] }[] = [
  { name: "Head", from: [9] },
  { name: "Neck", from: [8] },
  { name: "RShoulder", from: [12] },
  { name: "RElbow", from: [11] },
  { name: "RWrist", from: [10] },
  { name: "LShoulder", from: [13] },
  { name: "LElbow", from: [14] },
  { name: "LWrist", from: [15] },
  { name: "RHip", from: [2] },
  { name: "RKnee", from: [1] },
  { name: "RAnkle", from: [0] },
  { name: "LHip", from: [3] },
  { name: "LKnee", from: [4] },
  { name: "LAnkle", from: [5] },
  { name: "Chest", from: [7, 6] },
];
export const MPI15_PAIRS: [number, number][] = [
  [0, 1], [1, 2], [2, 3], [3, 4], [1, 5], [5, 6], [6, 7], [1, 14], [14, 8], [8, 9], [9, 10], [14, 11], [11, 12], [12, 13],
];

export function mpi15Schema(span: SourceSpan): KeypointsIR {
  const names = MPI15_JOINTS.map((j) => j.name);
  return keypointSchema({
    name: "mpi15",
    joints: MPI15_JOINTS.map((j) => ({ name: j.name, from: [...j.from] })),
    limbs: MPI15_PAIRS,
    flipPairs: flipPairsByName(names),
    background: true,
    dataset: { name: "mpii", keypoints: [...MPII16_NAMES], sigmas: [...MPII16_SIGMAS] },
    span,
  });
}
