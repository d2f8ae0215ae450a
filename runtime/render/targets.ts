// The target picture (`posec targets`): what the network is trained on for one dataset sample.
// Left panel: the (augmented) input with the heatmaps overlaid, each joint in its own colour (so that a
// flip's left/right swap is visible), its strength the heat value, and the labelled joints as dots.
// Right panel: the PAFs as short arrows (a line with a dot at the head) at every label cell where a limb's
// field is non-zero, one colour per limb. Both panels: masked cells (loss weight < 1) hatched in red.
import { epochAugmentSeed } from "../data/batches.js";
import type { CocoDataset } from "../data/coco-dataset.js";
import { denormalise, loadSample, type SampleConfig, type TrainingSample } from "../data/sample.js";
import { PosecError } from "../errors.js";
import { Canvas, paletteColor, writePng, type Rgb } from "./canvas.js";

export interface RenderTargetsOptions {
  dataset: CocoDataset;
  /** dataset sample index */
  index: number;
  config: SampleConfig;
  /** the training seed and epoch: the picture shows exactly the sample that epoch trains on */
  seed: number;
  epoch?: number;
  /** false: the whole image, un-augmented (letterboxed into the input size) */
  augment?: boolean;
  /** display pixels per input pixel; default: enough for a panel of at least 368 pixels */
  zoom?: number;
  out: string;
}

export async function renderTargets(o: RenderTargetsOptions): Promise<{ path: string; width: number; height: number }> {
  if (!Number.isInteger(o.index) || o.index < 0 || o.index >= o.dataset.samples.length) {
    throw new PosecError(`sample index ${o.index} is out of range (the dataset has ${o.dataset.samples.length} samples)`, "PN5005");
  }
  const config: SampleConfig = o.augment === false ? { ...o.config, augment: null } : o.config;
  const sample = await loadSample(o.dataset, o.index, config, epochAugmentSeed(o.seed, o.epoch ?? 0));
  const canvas = drawTargets(sample, config, o.zoom);
  await writePng(canvas, o.out);
  return { path: o.out, width: canvas.width, height: canvas.height };
}

const GAP = 4;

/** The two-panel picture of a sample (pure; renderTargets writes it). */
export function drawTargets(s: TrainingSample, cfg: SampleConfig, zoomOption?: number): Canvas {
  const { input, targets: t, keypoints } = cfg;
  const zoom = zoomOption ?? Math.max(1, Math.ceil(368 / Math.max(input.width, input.height)));
  const W = input.width * zoom;
  const H = input.height * zoom;
  const canvas = new Canvas(2 * W + GAP, H, [255, 255, 255]);
  const rgb = denormalise(s.image, input);
  for (const panel of [0, 1]) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (Math.floor(y / zoom) * input.width + Math.floor(x / zoom)) * 3;
        const o = (y * canvas.width + panel * (W + GAP) + x) * 3;
        // dimmed so that the overlays stand out
        for (let c = 0; c < 3; c++) canvas.data[o + c] = rgb[i + c] * 0.55;
      }
    }
  }

  // heatmaps: bilinear over the Gaussian grid (cell g centred on input pixel stride/2 - 0.5 + g*stride)
  const J = keypoints.joints.length;
  const C = keypoints.heatmapChannels;
  const colors: Rgb[] = keypoints.joints.map((_, j) => paletteColor(j, J));
  const at = (gx: number, gy: number, c: number) => s.heatmaps[(gy * t.gridWidth + gx) * C + c];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const gx = ((x + 0.5) / zoom - 0.5 - (t.stride / 2 - 0.5)) / t.stride;
      const gy = ((y + 0.5) / zoom - 0.5 - (t.stride / 2 - 0.5)) / t.stride;
      const x0 = clamp(Math.floor(gx), 0, t.gridWidth - 1);
      const y0 = clamp(Math.floor(gy), 0, t.gridHeight - 1);
      const x1 = Math.min(x0 + 1, t.gridWidth - 1);
      const y1 = Math.min(y0 + 1, t.gridHeight - 1);
      const fx = clamp(gx - x0, 0, 1);
      const fy = clamp(gy - y0, 0, 1);
      let best = 0;
      let bestJ = -1;
      for (let j = 0; j < J; j++) {
        const v = (1 - fx) * (1 - fy) * at(x0, y0, j) + fx * (1 - fy) * at(x1, y0, j) + (1 - fx) * fy * at(x0, y1, j) + fx * fy * at(x1, y1, j);
        if (v > best) [best, bestJ] = [v, j];
      }
      if (bestJ >= 0) canvas.blend(x, y, colors[bestJ], Math.min(1, best) * 0.7);
    }
  }
  // Joint dots, drawn on a canvas of the left panel alone: a joint near (or beyond) the crop's right edge
  // must not spill into the gap or the PAF panel; joints outside the crop are not drawn at all.
  const left = new Canvas(W, H);
  for (let y = 0; y < H; y++) left.data.set(canvas.data.subarray(y * canvas.width * 3, (y * canvas.width + W) * 3), y * W * 3);
  for (const p of s.people) {
    for (let j = 0; j < J; j++) {
      if (p.vis[j] === 0) continue;
      const [px, py] = [p.xy[2 * j], p.xy[2 * j + 1]];
      if (!(px >= -0.5 && px < input.width - 0.5 && py >= -0.5 && py < input.height - 0.5)) continue;
      const cx = (px + 0.5) * zoom - 0.5;
      const cy = (py + 0.5) * zoom - 0.5;
      left.disc(cx, cy, 1.5 + zoom * 0.5, [255, 255, 255]);
      left.disc(cx, cy, 0.5 + zoom * 0.5, colors[j]);
    }
  }
  for (let y = 0; y < H; y++) canvas.data.set(left.data.subarray(y * W * 3, (y + 1) * W * 3), y * canvas.width * 3);

  // PAFs: one arrow per cell and limb, at the cell's PAF position ("cmu" convention: input g*stride)
  const L = keypoints.limbs.length;
  const P = keypoints.pafChannels;
  const offset = t.pafConvention === "cmu" ? 0 : t.stride / 2 - 0.5;
  const len = t.stride * zoom * 0.8;
  for (let gy = 0; gy < t.gridHeight; gy++) {
    for (let gx = 0; gx < t.gridWidth; gx++) {
      for (let l = 0; l < L; l++) {
        const i = (gy * t.gridWidth + gx) * P + 2 * l;
        const vx = s.pafs[i];
        const vy = s.pafs[i + 1];
        if (Math.hypot(vx, vy) < 0.05) continue;
        const cx = W + GAP + (offset + gx * t.stride + 0.5) * zoom - 0.5;
        const cy = (offset + gy * t.stride + 0.5) * zoom - 0.5;
        const color = paletteColor(l, L);
        canvas.line(cx - (vx * len) / 2, cy - (vy * len) / 2, cx + (vx * len) / 2, cy + (vy * len) / 2, color, Math.max(1, zoom * 0.6));
        canvas.disc(cx + (vx * len) / 2, cy + (vy * len) / 2, Math.max(1, zoom * 0.7), color);
      }
    }
  }

  // mask: red hatching over cells whose loss weight is below 1
  for (const panel of [0, 1]) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const gx = Math.min(t.gridWidth - 1, Math.floor(x / zoom / t.stride));
        const gy = Math.min(t.gridHeight - 1, Math.floor(y / zoom / t.stride));
        const m = s.mask[gy * t.gridWidth + gx];
        if (m >= 1) continue;
        const stripe = (x + y) % 8 < 3;
        canvas.blend(panel * (W + GAP) + x, y, stripe ? [230, 30, 30] : [0, 0, 0], (1 - m) * (stripe ? 0.8 : 0.35));
      }
    }
  }
  return canvas;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
