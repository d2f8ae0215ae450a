// Human-like stick figures for the synthetic dataset: a random pose (COCO's 17 keypoints), its drawing,
// and its outline. Built so that a small CNN learns them in minutes: every body part has its own colour
// and left and right parts differ (so that a flip without the left/right swap would be visible), the head
// shows a face (eyes, nose) when the figure faces the camera, and limbs are thick round-capped capsules.
import type { Canvas, Rgb } from "../render/canvas.js";
import type { Rng } from "../util/rng.js";

/** COCO-17 keypoint order: nose, eyes (L, R), ears (L, R), shoulders, elbows, wrists, hips, knees, ankles. */
export const COCO17 = {
  nose: 0,
  leftEye: 1,
  rightEye: 2,
  leftEar: 3,
  rightEar: 4,
  leftShoulder: 5,
  rightShoulder: 6,
  leftElbow: 7,
  rightElbow: 8,
  leftWrist: 9,
  rightWrist: 10,
  leftHip: 11,
  rightHip: 12,
  leftKnee: 13,
  rightKnee: 14,
  leftAnkle: 15,
  rightAnkle: 16,
} as const;

export interface Figure {
  /** 17 keypoints [x, y] in image pixels (COCO coordinates: pixel (0, 0) covers [0, 1)^2) */
  points: [number, number][];
  /** keypoints a viewer cannot see from this side (the face of a figure seen from behind) */
  hidden: boolean[];
  facing: "front" | "back";
  head: { x: number; y: number; r: number };
  /** capsules in drawing order: [from keypoint, to keypoint, thickness, colour] */
  capsules: Capsule[];
  skin: Rgb;
}

interface Capsule {
  ax: number;
  ay: number;
  bx: number;
  by: number;
  thickness: number;
  color: Rgb;
}

// part colours: the person's left side cool, right side warm; upper and lower segments differ
const LEFT_UPPER_ARM: Rgb = [40, 150, 255];
const LEFT_FOREARM: Rgb = [20, 60, 230];
const RIGHT_UPPER_ARM: Rgb = [255, 150, 30];
const RIGHT_FOREARM: Rgb = [230, 50, 20];
const LEFT_THIGH: Rgb = [20, 200, 150];
const LEFT_SHIN: Rgb = [10, 120, 90];
const RIGHT_THIGH: Rgb = [235, 215, 20];
const RIGHT_SHIN: Rgb = [190, 130, 0];
const SKINS: Rgb[] = [
  [240, 200, 170],
  [200, 150, 110],
  [150, 100, 70],
  [100, 65, 45],
];
const SHIRTS: Rgb[] = [
  [200, 40, 160],
  [120, 60, 200],
  [240, 240, 240],
  [60, 60, 60],
  [160, 30, 40],
];

export interface FigureOptions {
  /** standing height in pixels (head top to ankles, about) */
  height: number;
  /** hip centre */
  x: number;
  y: number;
  /** probability of facing away from the camera */
  backProbability?: number;
}

/** Draws a random pose. All draws come from `rng` in a fixed order. */
export function randomFigure(rng: Rng, o: FigureOptions): Figure {
  const H = o.height;
  const facing = rng.next() < (o.backProbability ?? 0.15) ? "back" : "front";
  // s = +1: the person's left side is on the image's right (facing the camera)
  const s = facing === "front" ? 1 : -1;
  const lean = rng.normal() * 0.12;
  const yaw = rng.uniform(-0.4, 0.4);
  const widthScale = rng.uniform(0.85, 1.15);
  const shade = rng.uniform(0.8, 1.15);
  const local: [number, number][] = new Array(17);
  const shoulderW = 0.11 * widthScale;
  const hipW = 0.075 * widthScale;
  local[COCO17.leftShoulder] = [s * shoulderW, -0.29];
  local[COCO17.rightShoulder] = [-s * shoulderW, -0.29];
  local[COCO17.leftHip] = [s * hipW, 0];
  local[COCO17.rightHip] = [-s * hipW, 0];
  const limb = (root: [number, number], side: number, len1: number, len2: number, a: [number, number], b: [number, number]) => {
    const alpha = rng.uniform(a[0], a[1]);
    const beta = alpha + rng.uniform(b[0], b[1]);
    const mid: [number, number] = [root[0] + side * Math.sin(alpha) * len1, root[1] + Math.cos(alpha) * len1];
    return [mid, [mid[0] + side * Math.sin(beta) * len2, mid[1] + Math.cos(beta) * len2]] as [number, number][];
  };
  // angles from "straight down", positive = away from the body
  [local[COCO17.leftElbow], local[COCO17.leftWrist]] = limb(local[COCO17.leftShoulder], s, 0.16, 0.14, [-0.3, 2.6], [-1.6, 1.6]);
  [local[COCO17.rightElbow], local[COCO17.rightWrist]] = limb(local[COCO17.rightShoulder], -s, 0.16, 0.14, [-0.3, 2.6], [-1.6, 1.6]);
  [local[COCO17.leftKnee], local[COCO17.leftAnkle]] = limb(local[COCO17.leftHip], s, 0.23, 0.23, [-0.15, 0.6], [-0.7, 0.4]);
  [local[COCO17.rightKnee], local[COCO17.rightAnkle]] = limb(local[COCO17.rightHip], -s, 0.23, 0.23, [-0.15, 0.6], [-0.7, 0.4]);
  const headR = 0.065;
  const head: [number, number] = [0, -0.4];
  local[COCO17.nose] = [head[0] + yaw * headR, head[1] + 0.25 * headR];
  local[COCO17.leftEye] = [head[0] + (s * 0.4 + yaw) * headR, head[1] - 0.15 * headR];
  local[COCO17.rightEye] = [head[0] + (-s * 0.4 + yaw) * headR, head[1] - 0.15 * headR];
  local[COCO17.leftEar] = [head[0] + s * 0.95 * headR, head[1]];
  local[COCO17.rightEar] = [head[0] - s * 0.95 * headR, head[1]];

  const cos = Math.cos(lean);
  const sin = Math.sin(lean);
  const place = ([lx, ly]: [number, number]): [number, number] => [o.x + H * (cos * lx - sin * ly), o.y + H * (sin * lx + cos * ly)];
  const points = local.map(place);
  const [hx, hy] = place(head);
  const tint = (c: Rgb): Rgb => c.map((v) => Math.max(0, Math.min(255, Math.round(v * shade)))) as Rgb;
  const shirt = tint(SHIRTS[rng.int(0, SHIRTS.length - 1)]);
  const skin = SKINS[rng.int(0, SKINS.length - 1)];
  const neck = place([0, -0.3]);
  const hipC = place([0, 0]);
  const cap = (a: [number, number], b: [number, number], t: number, color: Rgb): Capsule => ({
    ax: a[0],
    ay: a[1],
    bx: b[0],
    by: b[1],
    thickness: t * H,
    color,
  });
  const P = points;
  const K = COCO17;
  const capsules: Capsule[] = [
    cap(P[K.leftHip], P[K.leftKnee], 0.075, tint(LEFT_THIGH)),
    cap(P[K.leftKnee], P[K.leftAnkle], 0.065, tint(LEFT_SHIN)),
    cap(P[K.rightHip], P[K.rightKnee], 0.075, tint(RIGHT_THIGH)),
    cap(P[K.rightKnee], P[K.rightAnkle], 0.065, tint(RIGHT_SHIN)),
    cap(neck, hipC, 0.17 * widthScale, shirt),
    cap(P[K.leftShoulder], P[K.rightShoulder], 0.07, shirt),
    cap(P[K.leftShoulder], P[K.leftElbow], 0.06, tint(LEFT_UPPER_ARM)),
    cap(P[K.leftElbow], P[K.leftWrist], 0.05, tint(LEFT_FOREARM)),
    cap(P[K.rightShoulder], P[K.rightElbow], 0.06, tint(RIGHT_UPPER_ARM)),
    cap(P[K.rightElbow], P[K.rightWrist], 0.05, tint(RIGHT_FOREARM)),
  ];
  const hidden = new Array<boolean>(17).fill(false);
  if (facing === "back") hidden[K.nose] = hidden[K.leftEye] = hidden[K.rightEye] = true;
  return { points, hidden, facing, head: { x: hx, y: hy, r: headR * H }, capsules, skin };
}

export function drawFigure(canvas: Canvas, f: Figure): void {
  for (const c of f.capsules) canvas.line(c.ax, c.ay, c.bx, c.by, c.color, c.thickness);
  const r = f.head.r;
  const dot = Math.max(0.8, r * 0.16);
  // hands and feet: skin-coloured / dark discs at the wrists and ankles mark the limb ends
  for (const k of [COCO17.leftWrist, COCO17.rightWrist]) canvas.disc(f.points[k][0], f.points[k][1], r * 0.45, f.skin);
  for (const k of [COCO17.leftAnkle, COCO17.rightAnkle]) canvas.disc(f.points[k][0], f.points[k][1], r * 0.5, [40, 30, 30]);
  for (const k of [COCO17.leftEar, COCO17.rightEar]) canvas.disc(f.points[k][0], f.points[k][1], r * 0.35, shadeOf(f.skin, 0.75));
  if (f.facing === "front") {
    canvas.disc(f.head.x, f.head.y, r, f.skin);
    canvas.disc(f.points[COCO17.leftEye][0], f.points[COCO17.leftEye][1], dot, [20, 20, 90]);
    canvas.disc(f.points[COCO17.rightEye][0], f.points[COCO17.rightEye][1], dot, [90, 20, 20]);
    canvas.disc(f.points[COCO17.nose][0], f.points[COCO17.nose][1], dot * 1.2, [220, 40, 40]);
  } else {
    canvas.disc(f.head.x, f.head.y, r, [60, 40, 25]); // hair
  }
}

function shadeOf(c: Rgb, k: number): Rgb {
  return c.map((v) => Math.round(v * k)) as Rgb;
}

/** Is (x, y) covered by the figure's drawing (used to mark keypoints occluded by figures drawn later)? */
export function covers(f: Figure, x: number, y: number): boolean {
  if (Math.hypot(x - f.head.x, y - f.head.y) <= f.head.r) return true;
  for (const c of f.capsules) {
    const dx = c.bx - c.ax;
    const dy = c.by - c.ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - c.ax) * dx + (y - c.ay) * dy) / len2));
    if (Math.hypot(x - (c.ax + t * dx), y - (c.ay + t * dy)) <= c.thickness / 2) return true;
  }
  return false;
}

/** Convex hull of the drawn figure (capsule ends and head as 8-gons around their discs), counter-clockwise. */
export function figureOutline(f: Figure): [number, number][] {
  const pts: [number, number][] = [];
  const ring = (x: number, y: number, r: number) => {
    for (let i = 0; i < 8; i++) {
      const a = (i * Math.PI) / 4;
      // the 8-gon circumscribes the disc so that the hull covers the drawing
      const R = r / Math.cos(Math.PI / 8);
      pts.push([x + R * Math.cos(a), y + R * Math.sin(a)]);
    }
  };
  for (const c of f.capsules) {
    ring(c.ax, c.ay, c.thickness / 2);
    ring(c.bx, c.by, c.thickness / 2);
  }
  ring(f.head.x, f.head.y, f.head.r);
  return convexHull(pts);
}

/** Andrew's monotone chain. */
export function convexHull(points: [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** Sutherland-Hodgman clip of a polygon to the rectangle [0, w] x [0, h]. */
export function clipToRect(poly: [number, number][], w: number, h: number): [number, number][] {
  const edges: [(p: [number, number]) => boolean, (a: [number, number], b: [number, number]) => [number, number]][] = [
    [(p) => p[0] >= 0, (a, b) => lerpAt(a, b, 0, 0)],
    [(p) => p[0] <= w, (a, b) => lerpAt(a, b, 0, w)],
    [(p) => p[1] >= 0, (a, b) => lerpAt(a, b, 1, 0)],
    [(p) => p[1] <= h, (a, b) => lerpAt(a, b, 1, h)],
  ];
  let out = poly;
  for (const [inside, cut] of edges) {
    const src = out;
    out = [];
    for (let i = 0; i < src.length; i++) {
      const a = src[(i + src.length - 1) % src.length];
      const b = src[i];
      if (inside(b)) {
        if (!inside(a)) out.push(cut(a, b));
        out.push(b);
      } else if (inside(a)) out.push(cut(a, b));
    }
    if (out.length === 0) break;
  }
  return out;
}

function lerpAt(a: [number, number], b: [number, number], axis: 0 | 1, v: number): [number, number] {
  const t = (v - a[axis]) / (b[axis] - a[axis]);
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}
