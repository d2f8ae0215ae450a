// People -> COCO keypoint results (the format `posec eval` and the COCO server read).
import type { KeypointsIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";
import type { CocoKeypointResult } from "../coco/format.js";
import type { Person } from "./decode.js";

/**
 * One result per person: keypoint k of the dataset is taken from the schema joint whose `from` is exactly
 * [k] (joints made of several dataset keypoints, like COCO-18's Neck, have no dataset counterpart and are
 * dropped); keypoints the person lacks are written 0, 0, 0 (pycocotools ignores the third number and, for
 * labelled ground-truth keypoints, scores such a miss by its distance from the origin, i.e. as a miss).
 * x, y are image pixel coordinates (pixel centres at integers, as COCO annotations are used in training).
 * The third number is the heatmap peak value. `score` is the person score of CMU's grouping: the sum of part
 * and limb scores (so people with more confident parts rank first), as CMU's COCO evaluation code uses it.
 */
export function toCocoResults(
  people: readonly Person[],
  keypoints: KeypointsIR,
  imageId: number,
  categoryId = 1,
): CocoKeypointResult[] {
  const dataset = keypoints.dataset;
  if (!dataset) {
    throw new PosecError(
      `keypoint schema "${keypoints.name}" names no dataset keypoints, so its people cannot be written as COCO results`,
      "PN5203",
    );
  }
  const K = dataset.keypoints.length;
  const source = new Array<number>(K).fill(-1);
  keypoints.joints.forEach((j, i) => {
    if (j.from.length === 1 && j.from[0] >= 0 && j.from[0] < K) source[j.from[0]] = i;
  });
  return people.map((p) => ({
    image_id: imageId,
    category_id: categoryId,
    keypoints: source.flatMap((j) => {
      const d = j < 0 ? null : p.joints[j];
      return d ? [d.x, d.y, d.score] : [0, 0, 0];
    }),
    score: p.score,
  }));
}
