// Drawn hands and faces for the built-in synthetic hand21 / face70 sets: a canonical layout of the
// keypoints (unit size, y down) varied per instance by seeded random articulation. Only the point order
// matters to training; it follows core/keypoints/hand21.ts (wrist, then thumb, index, middle, ring,
// pinky from the palm out) and face70.ts (the iBUG 68 layout, then the right and left pupil). The face is
// mirror-symmetric under FACE70_FLIP_PAIRS, so a flipped face is again a valid face.
import type { Rng } from "../util/rng.js";

export type Point = [number, number];

/** A right hand, palm towards the camera, fingers up; wrist at (0, 0), about one unit tall. */
export function handPoints(rng: Rng): Point[] {
  const pts: Point[] = [[0, 0]];
  // base direction of each finger (degrees from straight up, + towards image right), distance of its first
  // point from the wrist, and its segment lengths
  const fingers: [number, number, number[]][] = [
    [-58, 0.22, [0.2, 0.17, 0.14]], // thumb: CMC, then MCP, IP, tip
    [-16, 0.5, [0.24, 0.15, 0.12]],
    [-3, 0.52, [0.27, 0.17, 0.13]],
    [10, 0.49, [0.25, 0.16, 0.12]],
    [23, 0.44, [0.19, 0.12, 0.1]],
  ];
  const spread = rng.uniform(0.7, 1.3);
  fingers.forEach(([angle, base, segments], f) => {
    let a = ((angle * spread + rng.uniform(-5, 5)) * Math.PI) / 180;
    // a curled finger looks shorter from the front, and bends towards the palm's centre
    const curl = rng.next() < 0.3 ? rng.uniform(0.3, 0.8) : rng.uniform(0, 0.2);
    let [x, y] = [Math.sin(a) * base, -Math.cos(a) * base];
    pts.push([x, y]);
    for (const len of segments) {
      a += (f === 0 ? 0.25 : -Math.sign(a) * 0.05) + rng.uniform(-0.08, 0.08);
      const l = len * (1 - curl) * rng.uniform(0.9, 1.1);
      x += Math.sin(a) * l;
      y -= Math.cos(a) * l;
      pts.push([x, y]);
    }
  });
  return pts;
}

const mirror = (p: Point): Point => [-p[0], p[1]];

/** A frontal face about one unit wide, centred on (0, 0) between the eyes and the mouth. */
export function facePoints(rng: Rng): Point[] {
  const jawDrop = rng.uniform(0.5, 0.62);
  const jaw: Point[] = Array.from({ length: 17 }, (_, i) => {
    const a = (Math.PI * i) / 16;
    return [-0.5 * Math.cos(a), -0.05 + jawDrop * Math.sin(a)];
  });
  const lift = rng.uniform(-0.03, 0.03);
  const rightBrow: Point[] = Array.from({ length: 5 }, (_, k) => [-0.4 + 0.08 * k, -0.3 + lift - 0.05 * Math.sin((Math.PI * k) / 4)]);
  const noseBridge: Point[] = [0, 1, 2, 3].map((k) => [0, -0.18 + 0.087 * k]);
  const nostrils: Point[] = [[-0.12, 0.15], [-0.06, 0.17], [0, 0.18], [0.06, 0.17], [0.12, 0.15]];
  const open = rng.uniform(0.2, 1.2);
  const eye = (cx: number, cy: number): Point[] => {
    const h = 0.035 * open;
    return [[cx - 0.09, cy], [cx - 0.03, cy - h], [cx + 0.03, cy - h], [cx + 0.09, cy], [cx + 0.03, cy + h], [cx - 0.03, cy + h]];
  };
  const rightEye = eye(-0.2, -0.13);
  // the left eye is the mirror of the right one, point for point as FACE70_FLIP_PAIRS pairs them
  const leftEye = [3, 2, 1, 0, 5, 4].map((k) => mirror(rightEye[k]));
  const gape = rng.next() < 0.4 ? rng.uniform(0.02, 0.09) : 0;
  const outerMouth: Point[] = [
    [-0.18, 0.33], [-0.11, 0.29], [-0.04, 0.27], [0, 0.28], [0.04, 0.27], [0.11, 0.29], [0.18, 0.33],
    [0.11, 0.39 + gape], [0.05, 0.41 + gape], [0, 0.415 + gape], [-0.05, 0.41 + gape], [-0.11, 0.39 + gape],
  ];
  const innerMouth: Point[] = [
    [-0.14, 0.33], [-0.05, 0.315], [0, 0.32], [0.05, 0.315], [0.14, 0.33], [0.05, 0.35 + gape], [0, 0.355 + gape], [-0.05, 0.35 + gape],
  ];
  const gaze = rng.uniform(-0.03, 0.03);
  const pupils: Point[] = [[-0.2 + gaze, -0.13], [0.2 + gaze, -0.13]];
  return [
    ...jaw,
    ...rightBrow,
    ...[4, 3, 2, 1, 0].map((k) => mirror(rightBrow[k])),
    ...noseBridge,
    ...nostrils,
    ...rightEye,
    ...leftEye,
    ...outerMouth,
    ...innerMouth,
    ...pupils,
  ];
}
