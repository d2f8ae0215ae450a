// Hand-built network outputs: Gaussians and PAF segments rendered straight from person coordinates with
// the training conventions (grid cell g is input pixel stride*g + (stride-1)/2; PAF = unit vector within one
// cell of the limb), independent of the decoder's code.
import type { KeypointsIR } from "../core/ir/types.js";
import { BUILTIN_KEYPOINTS } from "../core/keypoints/builtin.js";
import type { NetworkOutput, Placement } from "../runtime/infer/maps.js";

export const span = { file: "<test>", line: 1, col: 1, endLine: 1, endCol: 1 };
export const COCO18: KeypointsIR = BUILTIN_KEYPOINTS.coco18(span);

type Pt = [number, number];

/** COCO-17 keypoints of an upright person centred at (cx, cy), h pixels tall, head parts well apart. */
export function coco17Person(cx: number, cy: number, h: number): Pt[] {
  const layout: Pt[] = [
    [0, -0.42],
    [0.05, -0.46],
    [-0.05, -0.46],
    [0.1, -0.44],
    [-0.1, -0.44],
    [0.17, -0.3],
    [-0.17, -0.3],
    [0.22, -0.1],
    [-0.22, -0.1],
    [0.25, 0.07],
    [-0.25, 0.07],
    [0.1, 0.05],
    [-0.1, 0.05],
    [0.11, 0.27],
    [-0.11, 0.27],
    [0.11, 0.48],
    [-0.11, 0.48],
  ];
  return layout.map(([x, y]) => [Math.round(cx + x * h), Math.round(cy + y * h)]);
}

/** Schema joints from dataset keypoints: copies, and means for joints made of several (the Neck). */
export function toSchemaJoints(coco: Pt[], kp: KeypointsIR = COCO18): Pt[] {
  return kp.joints.map((j) => {
    const xs = j.from.map((i) => coco[i][0]);
    const ys = j.from.map((i) => coco[i][1]);
    return [xs.reduce((a, b) => a + b, 0) / xs.length, ys.reduce((a, b) => a + b, 0) / ys.length];
  });
}

export interface RenderOptions {
  /** image -> network input placement */
  placement: Placement;
  /** network input size */
  inputWidth: number;
  inputHeight: number;
  stride?: number;
  /** Gaussian sigma in input pixels */
  sigma?: number;
  /** [person, limb] pairs whose PAF is drawn pointing the wrong way */
  reversed?: [number, number][];
}

/** Renders maps for people given as schema joints in IMAGE coordinates (null = absent joint). */
export function renderOutput(people: (Pt | null)[][], o: RenderOptions, kp: KeypointsIR = COCO18): NetworkOutput {
  const stride = o.stride ?? 8;
  const sigma = o.sigma ?? 7;
  const w = Math.ceil(o.inputWidth / stride);
  const h = Math.ceil(o.inputHeight / stride);
  const J = kp.joints.length;
  const L = kp.limbs.length;
  const Ch = kp.heatmapChannels;
  const heatmaps = new Float32Array(w * h * Ch);
  const pafs = new Float32Array(w * h * 2 * L);
  const count = new Float32Array(w * h * L);
  const p = o.placement;
  const toInput = (pt: Pt): Pt => [
    p.offsetX + (pt[0] + 0.5) * p.scaleX - 0.5,
    p.offsetY + (pt[1] + 0.5) * p.scaleY - 0.5,
  ];
  const cell = (g: number) => stride * g + (stride - 1) / 2;
  people.forEach((joints, pi) => {
    const inp = joints.map((j) => (j ? toInput(j) : null));
    for (let j = 0; j < J; j++) {
      const q = inp[j];
      if (!q) continue;
      for (let gy = 0; gy < h; gy++) {
        for (let gx = 0; gx < w; gx++) {
          const d2 = (cell(gx) - q[0]) ** 2 + (cell(gy) - q[1]) ** 2;
          const v = Math.exp(-d2 / (2 * sigma * sigma));
          const at = (gy * w + gx) * Ch + j;
          heatmaps[at] = Math.max(heatmaps[at], v);
        }
      }
    }
    kp.limbs.forEach((limb, l) => {
      const a = inp[limb.from];
      const b = inp[limb.to];
      if (!a || !b) return;
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      const flip = o.reversed?.some(([rp, rl]) => rp === pi && rl === l) ? -1 : 1;
      const ux = ((b[0] - a[0]) / len) * flip;
      const uy = ((b[1] - a[1]) / len) * flip;
      for (let gy = 0; gy < h; gy++) {
        for (let gx = 0; gx < w; gx++) {
          const rx = cell(gx) - a[0];
          const ry = cell(gy) - a[1];
          const along = (rx * (b[0] - a[0]) + ry * (b[1] - a[1])) / len;
          const across = Math.abs(rx * (b[1] - a[1]) - ry * (b[0] - a[0])) / len;
          if (along < 0 || along > len || across > stride) continue;
          const c = (gy * w + gx) * L + l;
          const n = count[c];
          const at = (gy * w + gx) * 2 * L + 2 * l;
          pafs[at] = (pafs[at] * n + ux) / (n + 1);
          pafs[at + 1] = (pafs[at + 1] * n + uy) / (n + 1);
          count[c] = n + 1;
        }
      }
    });
  });
  // background channel: 1 - max over joints (ignored by the decoder)
  for (let i = 0; i < w * h; i++) {
    let m = 0;
    for (let j = 0; j < J; j++) m = Math.max(m, heatmaps[i * Ch + j]);
    heatmaps[i * Ch + J] = Math.max(0, 1 - m);
  }
  return {
    height: h,
    width: w,
    stride,
    heatmaps,
    pafs,
    heatmapChannels: Ch,
    pafChannels: 2 * L,
    placement: o.placement,
  };
}

export const IDENTITY: Placement = { scaleX: 1, scaleY: 1, offsetX: 0, offsetY: 0 };
