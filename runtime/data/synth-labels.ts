// Which keypoints the synthetic people are labelled with: COCO's 17 (the drawn points themselves) or
// MPII Human Pose's 16, for mpi15. MPII's pelvis and thorax are the midpoints of the hips and of the
// shoulders; the upper neck and the head top are where the line from the thorax through the drawn head's
// centre enters and leaves the head circle (MPII annotates the head top and the neck at the head's base).
import { MPII16_NAMES } from "../../core/keypoints/mpi15.js";
import { COCO17_NAMES } from "../../core/keypoints/coco17.js";
import type { Figure } from "./figures.js";

export type SynthLabels = "coco17" | "mpii16";

export interface LabelSet {
  names: readonly string[];
  /** points a 3% random drop never removes (COCO-18's Neck and MPII's thorax / pelvis need them) */
  torso: ReadonlySet<number>;
  /** the labelled points of a figure: x, y and whether a viewer cannot see it */
  points(f: Figure): { x: number; y: number; hidden: boolean }[];
}

/** COCO-17 index of each MPII-16 keypoint that is a drawn point (-1: derived) */
const MPII_FROM_COCO = [16, 14, 12, 11, 13, 15, -1, -1, -1, -1, 10, 8, 6, 5, 7, 9];

export const LABEL_SETS: Record<SynthLabels, LabelSet> = {
  coco17: {
    names: COCO17_NAMES,
    torso: new Set([5, 6, 11, 12]),
    points: (f) => f.points.map(([x, y], j) => ({ x, y, hidden: f.hidden[j] })),
  },
  mpii16: {
    names: MPII16_NAMES,
    torso: new Set([2, 3, 6, 7, 12, 13]),
    points: (f) => {
      const mid = (a: number, b: number): [number, number] => [(f.points[a][0] + f.points[b][0]) / 2, (f.points[a][1] + f.points[b][1]) / 2];
      const pelvis = mid(11, 12);
      const thorax = mid(5, 6);
      const dx = f.head.x - thorax[0];
      const dy = f.head.y - thorax[1];
      const d = Math.hypot(dx, dy) || 1;
      const [ux, uy] = [dx / d, dy / d];
      const derived: Record<number, [number, number]> = {
        6: pelvis,
        7: thorax,
        8: [f.head.x - ux * f.head.r, f.head.y - uy * f.head.r],
        9: [f.head.x + ux * f.head.r, f.head.y + uy * f.head.r],
      };
      return MPII_FROM_COCO.map((c, k) => {
        const [x, y] = c >= 0 ? f.points[c] : derived[k];
        return { x, y, hidden: c >= 0 ? f.hidden[c] : false };
      });
    },
  },
};
