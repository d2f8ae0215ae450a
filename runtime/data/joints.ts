// Dataset keypoints -> the schema's joints (KeypointsIR.joints[i].from), and the left/right swap of a flip.
//
// Visibility follows COCO's encoding throughout posec: 0 = not labelled, 1 = labelled but occluded,
// 2 = labelled and visible. CMU's training code (caffe_train, genJSON.m) recodes these (v=2 -> 1, v=1 -> 0,
// v=0 -> 2) and gives a joint a Gaussian, and lets it take part in a limb, iff it is labelled: visible OR
// occluded. We keep COCO's codes and apply the same rule: `visibility > 0`.
import type { KeypointsIR } from "../../core/ir/types.js";

/** People in some pixel frame: x, y per joint plus COCO visibility (0 / 1 / 2). */
export interface PersonJoints {
  /** [x0, y0, x1, y1, ...] for the schema's joints */
  xy: Float64Array;
  /** COCO visibility per schema joint; > 0 means labelled */
  vis: Uint8Array;
}

/**
 * Maps one annotation's raw COCO keypoints ([x, y, v] * K) to the schema's joints. A joint with one source
 * index copies it; a joint with two is their midpoint (OpenPose's Neck = mean of the shoulders), labelled
 * only if both are; it counts as visible only if both are (CMU's rule: if either shoulder is unlabelled the
 * Neck is unlabelled, else it is visible only if both are visible, otherwise occluded).
 */
export function toSchemaJoints(keypoints: ArrayLike<number>, schema: KeypointsIR): PersonJoints {
  const J = schema.joints.length;
  const xy = new Float64Array(2 * J);
  const vis = new Uint8Array(J);
  for (let j = 0; j < J; j++) {
    const from = schema.joints[j].from;
    let sx = 0;
    let sy = 0;
    let v = 2;
    for (const k of from) {
      const kv = keypoints[3 * k + 2];
      sx += keypoints[3 * k];
      sy += keypoints[3 * k + 1];
      v = Math.min(v, kv > 0 ? (kv >= 2 ? 2 : 1) : 0);
    }
    vis[j] = from.length === 0 ? 0 : v;
    xy[2 * j] = from.length ? sx / from.length : 0;
    xy[2 * j + 1] = from.length ? sy / from.length : 0;
  }
  return { xy, vis };
}

/** Exchanges the joints of each flip pair in place (after the image and coordinates were mirrored). */
export function swapLeftRight(person: PersonJoints, flipPairs: KeypointsIR["flipPairs"]): void {
  for (const [a, b] of flipPairs) {
    const ax = person.xy[2 * a];
    const ay = person.xy[2 * a + 1];
    person.xy[2 * a] = person.xy[2 * b];
    person.xy[2 * a + 1] = person.xy[2 * b + 1];
    person.xy[2 * b] = ax;
    person.xy[2 * b + 1] = ay;
    const v = person.vis[a];
    person.vis[a] = person.vis[b];
    person.vis[b] = v;
  }
}

/**
 * Per-channel loss weights for what the dataset provides, or null when it provides every joint. A joint
 * without a source (`from: []`, e.g. BODY_25's feet read from COCO-17) is unknown, not absent: its heatmap
 * channel, the PAF channels of every limb touching it, and the background (1 - max over all joints, so it
 * depends on the unknown ones too) get weight 0, so the network is never taught that such a joint is missing.
 */
export function datasetChannelWeights(schema: Pick<KeypointsIR, "joints" | "limbs" | "background">): { heatmaps: Float32Array; pafs: Float32Array } | null {
  const missing = schema.joints.map((j) => j.from.length === 0);
  if (!missing.includes(true)) return null;
  const heatmaps = new Float32Array(schema.joints.length + (schema.background ? 1 : 0)).fill(1);
  missing.forEach((m, j) => m && (heatmaps[j] = 0));
  if (schema.background) heatmaps[schema.joints.length] = 0;
  const pafs = new Float32Array(2 * schema.limbs.length).fill(1);
  schema.limbs.forEach((l, i) => {
    if (missing[l.from] || missing[l.to]) pafs[2 * i] = pafs[2 * i + 1] = 0;
  });
  return { heatmaps, pafs };
}
