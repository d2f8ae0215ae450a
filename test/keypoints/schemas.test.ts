// The built-in keypoint schemas against facts written down here from OpenPose's sources
// (CMU-Perceptual-Computing-Lab/openpose src/openpose/pose/poseParameters.cpp, poseParametersRender.hpp,
// hand/handParameters.hpp, face/faceParameters.hpp; caffe_train cpm_data_transformer.cpp) and, where
// ../shared is present, against the output channel counts of CMU's deploy prototxts.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_KEYPOINTS } from "../../core/keypoints/builtin.js";
import type { KeypointsIR } from "../../core/ir/types.js";
import { REPO } from "../helpers.js";

const SPAN = { file: "t", line: 1, col: 1, endLine: 1, endCol: 1 };
const schema = (name: string): KeypointsIR => BUILTIN_KEYPOINTS[name](SPAN);
const limbNames = (k: KeypointsIR) => k.limbs.map((l) => `${k.joints[l.from].name}-${k.joints[l.to].name}`);

describe("body25", () => {
  const k = schema("body25");
  it("has OpenPose's 25 parts in POSE_BODY_25_BODY_PARTS order, plus background", () => {
    expect(k.joints.map((j) => j.name)).toEqual([
      "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "MidHip", "RHip", "RKnee",
      "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe", "LHeel",
      "RBigToe", "RSmallToe", "RHeel",
    ]);
    expect([k.heatmapChannels, k.pafChannels, k.background]).toEqual([26, 52, true]);
  });
  it("lists the 26 limbs in the network's PAF order (POSE_MAP_INDEX applied by hand)", () => {
    // pair k of POSE_BODY_PART_PAIRS owns PAF channels POSE_MAP_INDEX[2k], [2k+1]; sorted by channel:
    expect(limbNames(k)).toEqual([
      "Neck-MidHip", "RHip-RKnee", "RKnee-RAnkle", "MidHip-RHip", "MidHip-LHip", "LHip-LKnee", "LKnee-LAnkle",
      "Neck-RShoulder", "RShoulder-RElbow", "RElbow-RWrist", "RShoulder-REar", "Neck-LShoulder",
      "LShoulder-LElbow", "LElbow-LWrist", "LShoulder-LEar", "Neck-Nose", "Nose-REye", "Nose-LEye", "REye-REar",
      "LEye-LEar", "LAnkle-LBigToe", "LBigToe-LSmallToe", "LAnkle-LHeel", "RAnkle-RBigToe", "RBigToe-RSmallToe",
      "RAnkle-RHeel",
    ]);
  });
  it("reads COCO-17: Neck and MidHip are midpoints, the feet have no source", () => {
    expect(k.joints.map((j) => j.from)).toEqual([
      [0], [5, 6], [6], [8], [10], [5], [7], [9], [11, 12], [12], [14], [16], [11], [13], [15], [2], [1], [4], [3],
      [], [], [], [], [], [],
    ]);
    expect(k.dataset?.name).toBe("coco");
    expect(k.dataset?.sigmas).toHaveLength(17);
  });
  it("flips right and left", () => {
    expect(k.flipPairs).toEqual([[2, 5], [3, 6], [4, 7], [9, 12], [10, 13], [11, 14], [15, 16], [17, 18], [22, 19], [23, 20], [24, 21]]);
  });
});

describe("mpi15", () => {
  const k = schema("mpi15");
  it("has POSE_MPI_BODY_PARTS and the 14 render pairs in identity map order", () => {
    expect(k.joints.map((j) => j.name)).toEqual([
      "Head", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "RHip", "RKnee", "RAnkle",
      "LHip", "LKnee", "LAnkle", "Chest",
    ]);
    expect(k.limbs.map((l) => [l.from, l.to])).toEqual([
      [0, 1], [1, 2], [2, 3], [3, 4], [1, 5], [5, 6], [6, 7], [1, 14], [14, 8], [8, 9], [9, 10], [14, 11], [11, 12], [12, 13],
    ]);
    expect([k.heatmapChannels, k.pafChannels]).toEqual([16, 28]);
  });
  it("reads MPII-16 as caffe_train's TransformJoints (np 43) does: Chest = mean(thorax, pelvis)", () => {
    expect(k.joints.map((j) => j.from)).toEqual([[9], [8], [12], [11], [10], [13], [14], [15], [2], [1], [0], [3], [4], [5], [7, 6]]);
    expect(k.dataset?.keypoints).toHaveLength(16);
    expect(k.dataset?.keypoints[7]).toBe("thorax");
    expect(k.dataset?.keypoints[6]).toBe("pelvis");
    expect(k.dataset?.sigmas).toHaveLength(16);
  });
});

describe("hand21 and face70 (heatmap-only)", () => {
  it("hand21: 21 parts, wrist first, fingertips at 4, 8, 12, 16, 20; no limbs, no PAFs", () => {
    const k = schema("hand21");
    expect(k.joints).toHaveLength(21);
    expect([k.joints[0].name, k.joints[4].name, k.joints[8].name, k.joints[20].name]).toEqual(["Wrist", "Thumb4FingerTip", "Index4FingerTip", "Pinky4FingerTip"]);
    expect([k.heatmapChannels, k.pafChannels, k.limbs.length]).toEqual([22, 0, 0]);
    expect(k.joints.map((j) => j.from)).toEqual(Array.from({ length: 21 }, (_, i) => [i]));
    expect(k.dataset?.sigmas[0]).toBe(0.029);
    expect(k.dataset?.sigmas).toHaveLength(21);
  });
  it("face70: 68 iBUG points + 2 pupils; no PAFs; flip pairs mirror the jaw and pair the pupils", () => {
    const k = schema("face70");
    expect(k.joints).toHaveLength(70);
    expect([k.heatmapChannels, k.pafChannels, k.limbs.length]).toEqual([71, 0, 0]);
    expect(k.dataset?.sigmas).toHaveLength(70);
    expect(k.flipPairs).toContainEqual([0, 16]);
    expect(k.flipPairs).toContainEqual([36, 45]);
    expect(k.flipPairs).toContainEqual([68, 69]);
    // a flip is an involution: every joint appears in at most one pair, 8 jaw + 5 brow + 2 nose + 6 eye + 8 mouth + 1
    const seen = k.flipPairs.flat();
    expect(new Set(seen).size).toBe(seen.length);
    expect(k.flipPairs).toHaveLength(30);
  });
});

// CMU's deploy prototxts: the last conv of each branch (Mconv7_*) outputs the schema's channel counts.
const OPENPOSE = join(REPO, "..", "shared", "reference", "openpose");
const present = existsSync(OPENPOSE);
describe(`channel counts against CMU's prototxts${present ? "" : " (SKIPPED: ../shared/reference/openpose is absent)"}`, () => {
  it("../shared is present when CI is set", () => {
    if (process.env.CI) expect(present, `${OPENPOSE} is missing`).toBe(true);
  });
  const cases: [string, string][] = [
    ["body25", "body25_pose_deploy.prototxt"],
    ["coco18", "coco_pose_deploy_linevec.prototxt"],
    ["mpi15", "mpi_pose_deploy_linevec.prototxt"],
    ["hand21", "hand_pose_deploy.prototxt"],
    ["face70", "face_pose_deploy.prototxt"],
  ];
  for (const [name, file] of cases) {
    it.skipIf(!present)(`${name} matches ${file}`, () => {
      const text = readFileSync(join(OPENPOSE, file), "utf8");
      const outs = new Set([...text.matchAll(/name:\s*"Mconv7_[^"]*"[\s\S]*?num_output:\s*(\d+)/g)].map((m) => Number(m[1])));
      const k = schema(name);
      expect(outs).toEqual(new Set([k.heatmapChannels, ...(k.pafChannels ? [k.pafChannels] : [])]));
    });
  }
});
