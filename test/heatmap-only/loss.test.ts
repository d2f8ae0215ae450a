// The pose loss of networks whose stages produce heatmaps only, PAFs only or both, and the masking of
// joints the dataset lacks, against sums written out here in float64 (an independent transcription of
// the loss definition: per sample sum over pixels and channels of W (S - S*)^2, mean over the batch).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import type { LossIR } from "../../core/ir/types.js";
import { datasetChannelWeights } from "../../runtime/data/joints.js";
import { poseLoss } from "../../runtime/losses/index.js";
import { schema, SPAN } from "./fixtures.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const B = 2;
const H = 3;
const W = 4;
/** deterministic pseudo-random values in [-1, 1) */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}
/** sum_{b,y,x,c} mask[b,y,x] * cw[c] * (p - t)^2 / B, in float64 */
function reference(p: Float32Array, t: Float32Array, mask: Float32Array | null, C: number, cw: Float32Array | null = null): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pixel = Math.floor(i / C);
    const c = i % C;
    const w = (mask ? mask[pixel] : 1) * (cw ? cw[c] : 1);
    s += w * (p[i] - t[i]) ** 2;
  }
  return s / B;
}
const loss = (o: Partial<LossIR> = {}): LossIR => ({
  heatmap: { kind: "l2", masked: true, weight: 1 },
  paf: { kind: "l2", masked: true, weight: 1 },
  stageWeights: [1, 1],
  reduction: "sample_sum_batch_mean",
  hardjoint: null,
  span: SPAN,
  ...o,
});
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));

describe("heatmap-only stages (hand21: 22 heatmap channels, no PAFs)", () => {
  const C = schema("hand21").heatmapChannels;
  const n = B * H * W * C;
  const [p1, p2, t] = [values(n, 1), values(n, 2), values(n, 3)];
  const mask = Float32Array.from(values(B * H * W, 4), (v) => (v + 1) / 2);

  it("sums each stage's masked heatmap L2, with stage weights, and reports PAFs as 0", () => {
    const shape: [number, number, number, number] = [B, H, W, C];
    const r = poseLoss(
      [{ heatmaps: tf.tensor4d(p1, shape), pafs: null }, { heatmaps: tf.tensor4d(p2, shape), pafs: null }],
      { heatmaps: tf.tensor4d(t, shape), pafs: null, mask: tf.tensor4d(mask, [B, H, W, 1]) },
      loss({ stageWeights: [0.5, 2], heatmap: { kind: "l2", masked: true, weight: 3 } }),
      { background: true },
    );
    const s1 = reference(p1, t, mask, C);
    const s2 = reference(p2, t, mask, C);
    close(r.perStage[0].heatmap.dataSync()[0], s1);
    close(r.perStage[1].heatmap.dataSync()[0], s2);
    expect(r.perStage.map((s) => s.paf.dataSync()[0])).toEqual([0, 0]);
    close(r.total.dataSync()[0], 3 * (0.5 * s1 + 2 * s2));
  });
});

describe("PAF stage then heatmap stage (body25, feet masked)", () => {
  const kp = schema("body25");
  const [C, P] = [kp.heatmapChannels, kp.pafChannels];
  const hm = (seed: number) => values(B * H * W * C, seed);
  const pf = (seed: number) => values(B * H * W * P, seed);
  const [paf1, hm2, tHm, tPaf] = [pf(5), hm(6), hm(7), pf(8)];
  const mask = Float32Array.from(values(B * H * W, 9), (v) => (v + 1) / 2);
  const cw = datasetChannelWeights(kp)!;
  const run = (hmPred: Float32Array, pafPred: Float32Array, hardjoint: LossIR["hardjoint"] = null) =>
    poseLoss(
      [{ heatmaps: null, pafs: tf.tensor4d(pafPred, [B, H, W, P]) }, { heatmaps: tf.tensor4d(hmPred, [B, H, W, C]), pafs: null }],
      {
        heatmaps: tf.tensor4d(tHm, [B, H, W, C]),
        pafs: tf.tensor4d(tPaf, [B, H, W, P]),
        mask: tf.tensor4d(mask, [B, H, W, 1]),
        channelWeights: { heatmaps: tf.tensor1d(cw.heatmaps), pafs: tf.tensor1d(cw.pafs) },
      },
      loss({ hardjoint }),
      { background: true },
    );

  it("zero-weights the six feet, the background and the six foot limbs (and nothing else)", () => {
    // body25: joints 19..24 are the feet (no COCO source); the last six limbs in map order touch them
    expect([...cw.heatmaps].map((v, c) => (v === 0 ? c : -1)).filter((c) => c >= 0)).toEqual([19, 20, 21, 22, 23, 24, 25]);
    expect([...cw.pafs].map((v, c) => (v === 0 ? c : -1)).filter((c) => c >= 0)).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51]);
    expect(datasetChannelWeights(schema("coco18"))).toBeNull();
  });

  it("stage 1 contributes its PAF loss only, stage 2 its heatmap loss only", () => {
    const r = run(hm2, paf1);
    close(r.perStage[0].paf.dataSync()[0], reference(paf1, tPaf, mask, P, cw.pafs));
    close(r.perStage[1].heatmap.dataSync()[0], reference(hm2, tHm, mask, C, cw.heatmaps));
    expect([r.perStage[0].heatmap.dataSync()[0], r.perStage[1].paf.dataSync()[0]]).toEqual([0, 0]);
    close(r.total.dataSync()[0], reference(paf1, tPaf, mask, P, cw.pafs) + reference(hm2, tHm, mask, C, cw.heatmaps));
  });

  it("does not change when a masked channel's prediction changes", () => {
    const moved = hm2.slice();
    for (let i = 0; i < moved.length; i++) if (i % C >= 19) moved[i] += 5;
    const pafMoved = paf1.slice();
    for (let i = 0; i < pafMoved.length; i++) if (i % P >= 40) pafMoved[i] -= 3;
    expect(run(moved, pafMoved).total.dataSync()[0]).toBe(run(hm2, paf1).total.dataSync()[0]);
  });

  it("mines hard joints on the heatmap stage, and refuses mining on a stage without heatmaps", () => {
    const r = run(hm2, paf1, { topk: 3, stages: [2], background: "exclude", span: SPAN });
    // per sample, the 3 largest of the 25 keypoint channels' masked sums (masked feet count 0)
    let expected = 0;
    for (let b = 0; b < B; b++) {
      const perJoint = new Array<number>(25).fill(0);
      for (let pix = 0; pix < H * W; pix++) {
        for (let c = 0; c < 25; c++) {
          const i = (b * H * W + pix) * C + c;
          perJoint[c] += mask[b * H * W + pix] * cw.heatmaps[c] * (hm2[i] - tHm[i]) ** 2;
        }
      }
      expected += perJoint.sort((x, y) => y - x).slice(0, 3).reduce((a, v) => a + v, 0);
    }
    close(r.perStage[1].heatmap.dataSync()[0], expected / B);
    expect(() => run(hm2, paf1, { topk: 3, stages: [1], background: "exclude", span: SPAN })).toThrow(/stage 1, which outputs no heatmaps/);
  });
});
