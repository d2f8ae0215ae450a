// Skeleton overlays: each limb in its own colour (the hue wheel over the limb order, as CMU colours its
// limbs), joints as dots, drawn onto a canvas that already holds the image.
import type { KeypointsIR } from "../../core/ir/types.js";
import { drawingPairs } from "../../core/keypoints/builtin.js";
import { paletteColor, type Canvas } from "../render/canvas.js";
import type { Person } from "./decode.js";

export interface DrawOptions {
  /** limb thickness in pixels */
  limbWidth: number;
  jointRadius: number;
  /** opacity of limbs (joints are opaque) */
  limbAlpha: number;
}

export function drawPeople(
  canvas: Canvas,
  people: readonly Person[],
  keypoints: KeypointsIR,
  options: Partial<DrawOptions> = {},
): void {
  const scale = Math.max(1, Math.min(canvas.width, canvas.height) / 368);
  const o: DrawOptions = { limbWidth: 4 * scale, jointRadius: 3 * scale, limbAlpha: 0.7, ...options };
  // the limbs, or a hand's / face's drawing skeleton when the schema has no limbs
  const pairs = drawingPairs(keypoints);
  const L = pairs.length;
  const J = keypoints.joints.length;
  for (const p of people) {
    pairs.forEach(([from, to], k) => {
      const a = p.joints[from];
      const b = p.joints[to];
      if (a && b) canvas.line(a.x, a.y, b.x, b.y, paletteColor(k, L), o.limbWidth, o.limbAlpha);
    });
  }
  for (const p of people) {
    p.joints.forEach((j, i) => {
      if (j) canvas.disc(j.x, j.y, o.jointRadius, paletteColor(i, J));
    });
  }
}
