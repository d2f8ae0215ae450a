// The pose losses against test/fixtures/reference/okhm_vectors.json (inputs rebuilt from its documented
// xorshift32 stream; the file is NCHW, posec is NHWC), against an independent float64 evaluation of
// the multi-stage loss, and the hard-joint gradient against central differences and its closed form.
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { selectBackend } from "../../runtime/backends/select.js";
import {
  hardJointLoss,
  maskedL2,
  perChannelLoss,
  poseLoss,
  topKPerRow,
  type BackgroundMode,
  type LossSpec,
} from "../../runtime/losses/pose-loss.js";
import { Rng } from "../../runtime/util/rng.js";

interface TopKBlock {
  topk_indices_per_sample: number[][];
  topk_values_per_sample: number[][];
  per_sample_topk_sum: number[];
  topk_sum_over_batch: number;
  topk_sum_mean_over_batch: number;
  topk_sum_div_k_mean_over_batch: number;
}
interface Vectors {
  generator: { seed: number; first_three_outputs: number[] };
  headline: Record<string, number>;
  results: {
    per_joint_sum_over_pixels: number[][];
    per_joint_sum_over_pixels_x65536_integers: number[][];
    per_joint_mean_over_pixels: number[][];
    plain_masked_l2: Record<string, number | number[]>;
    top8_sum_over_pixels_all19: TopKBlock;
    top8_sum_over_pixels_18kp: TopKBlock;
    cpn_ohkm_mean_over_pixels_all19: TopKBlock;
    cpn_ohkm_mean_over_pixels_18kp: TopKBlock;
    not_cpn_pooled_batch_top16_sum_over_pixels_all19: number;
  };
  data: { pred: number[][][][]; target: number[][][][]; mask: number[][][][] };
}
const V = JSON.parse(readFileSync("test/fixtures/reference/okhm_vectors.json", "utf8")) as Vectors;
const R = V.results;
const [B, C, H, W] = [2, 19, 6, 6];
const K = 8;

function xorshift32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };
}

/** The file's inputs from its generator, in its own NCHW order. */
function generate() {
  const next = xorshift32(V.generator.seed);
  const value = () => (next() >>> 24) / 256;
  const pred = Array.from({ length: B * C * H * W }, value);
  const target = Array.from({ length: B * C * H * W }, value);
  const mask = Array.from({ length: B * H * W }, () => ((next() >>> 30) === 0 ? 0 : 1));
  return { pred, target, mask };
}
function toNhwc(nchw: number[], channels: number): Float32Array {
  const out = new Float32Array(B * H * W * channels);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < H * W; p++) out[(b * H * W + p) * channels + c] = nchw[(b * channels + c) * H * W + p];
  return out;
}

const close = (actual: number, expected: number, rel = 1e-6) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.abs(expected));
const closeAll = (actual: ArrayLike<number>, expected: number[], rel = 1e-6) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => close(actual[i], e, rel));
};
const scalar = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

let generated: ReturnType<typeof generate>;
let pred: tf.Tensor4D;
let target: tf.Tensor4D;
let mask: tf.Tensor4D;
let perJoint: Float32Array; // [B, C] row-major

beforeAll(async () => {
  await selectBackend({ prefer: "cpu" });
  generated = generate();
  pred = tf.tensor4d(toNhwc(generated.pred, C), [B, H, W, C]);
  target = tf.tensor4d(toNhwc(generated.target, C), [B, H, W, C]);
  mask = tf.tensor4d(toNhwc(generated.mask, 1), [B, H, W, 1]);
  const pj = perChannelLoss(pred, target, mask);
  perJoint = Float32Array.from(pj.dataSync());
  pj.dispose();
}, 60_000);

const row = (b: number, cols = C) => Array.from(perJoint.subarray(b * C, b * C + cols));
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);

describe("okhm_vectors.json: inputs", () => {
  it("the xorshift32 stream starts with the documented outputs", () => {
    const next = xorshift32(V.generator.seed);
    expect([next(), next(), next()]).toEqual(V.generator.first_three_outputs);
  });
  it("rebuilds exactly the data stored in the file", () => {
    expect(generated.pred).toEqual(V.data.pred.flat(3));
    expect(generated.target).toEqual(V.data.target.flat(3));
    expect(generated.mask).toEqual(V.data.mask.flat(3));
  });
});

describe("okhm_vectors.json: per-joint values and plain masked L2", () => {
  it("per-joint sums over pixels, exactly in units of 2^-16", () => {
    for (let b = 0; b < B; b++) {
      closeAll(row(b), R.per_joint_sum_over_pixels[b]);
      expect(row(b).map((v) => v * 65536)).toEqual(R.per_joint_sum_over_pixels_x65536_integers[b]);
      closeAll(row(b).map((v) => v / (H * W)), R.per_joint_mean_over_pixels[b]);
    }
  });
  it("sample_sum_batch_mean and the other reductions", () => {
    const P = R.plain_masked_l2;
    const loss = scalar(maskedL2(pred, target, mask));
    close(loss, P.mean_over_batch_of_per_sample_sum as number);
    close(loss * B, P.sum_over_batch_joints_pixels as number);
    closeAll([sum(row(0)), sum(row(1))], P.per_sample_sum as number[]);
    // Caffe's EuclideanLoss is sum / (2N): exactly half of ours
    close(loss / 2, P.caffe_euclidean_loss_sum_div_2N as number);
    close((loss * B) / (B * C * H * W), P.mean_over_all_elements_BCHW as number);
    const kp = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [B, H, W, C - 1]) as tf.Tensor4D;
    close(scalar(maskedL2(kp(pred), kp(target), mask)) * B, P.keypoints_only_18ch_sum as number);
    close(loss * B, V.headline.plain_masked_l2_sum);
  });
});

describe("okhm_vectors.json: top-8 conventions", () => {
  function checkTopK(values: number[], candidates: number, block: TopKBlock) {
    const chosen = topKPerRow(values, B, C, candidates, K);
    expect(chosen).toEqual(block.topk_indices_per_sample);
    const picked = chosen.map((r, b) => r.map((c) => values[b * C + c]));
    picked.forEach((p, b) => closeAll(p, block.topk_values_per_sample[b]));
    const perSample = picked.map(sum);
    closeAll(perSample, block.per_sample_topk_sum);
    close(sum(perSample), block.topk_sum_over_batch);
    close(sum(perSample) / B, block.topk_sum_mean_over_batch);
    close(sum(perSample) / B / K, block.topk_sum_div_k_mean_over_batch);
  }
  const hardJoint = (mode: BackgroundMode, hasBackground: boolean) =>
    scalar(hardJointLoss(pred, target, mask, K, mode, hasBackground));

  it("all 19 channels (background competing): posec's hard-joint loss with background 'include'", () => {
    const block = R.top8_sum_over_pixels_all19;
    checkTopK(Array.from(perJoint), C, block);
    close(hardJoint("include", true), block.topk_sum_mean_over_batch);
    close(hardJoint("exclude", false), block.topk_sum_mean_over_batch); // no background channel: all 19 are joints
    close(hardJoint("include", true), V.headline.top8_per_sample_sum_then_mean_over_batch_all19);
    close(hardJoint("include", true) * B, V.headline.top8_per_sample_summed_over_batch_all19);
  });
  it("18 keypoint channels: background 'exclude'", () => {
    const block = R.top8_sum_over_pixels_18kp;
    checkTopK(Array.from(perJoint), C - 1, block);
    close(hardJoint("exclude", true), block.topk_sum_mean_over_batch);
    close(hardJoint("exclude", true), V.headline.top8_per_sample_sum_then_mean_over_batch_18kp);
  });
  it("background 'separate' = keypoint top-8 plus the background's masked L2", () => {
    const block = R.top8_sum_over_pixels_18kp;
    const background = R.per_joint_sum_over_pixels.map((r) => r[C - 1]);
    const expected = (sum(block.per_sample_topk_sum) + sum(background)) / B;
    close(hardJoint("separate", true), expected);
  });
  it("CPN's convention: per-joint mean over pixels, top-8 per sample, sum / 8, mean over the batch", () => {
    const means = Array.from(perJoint, (v) => v / (H * W));
    checkTopK(means, C, R.cpn_ohkm_mean_over_pixels_all19);
    checkTopK(means, C - 1, R.cpn_ohkm_mean_over_pixels_18kp);
    close(R.cpn_ohkm_mean_over_pixels_all19.topk_sum_div_k_mean_over_batch, V.headline.cpn_exact_convention_all19);
    close(R.cpn_ohkm_mean_over_pixels_18kp.topk_sum_div_k_mean_over_batch, V.headline.cpn_exact_convention_18kp);
  });
  it("not ours: top-16 pooled over the whole batch", () => {
    const [pooled] = topKPerRow(perJoint, 1, B * C, B * C, 16);
    close(sum(pooled.map((i) => perJoint[i])), R.not_cpn_pooled_batch_top16_sum_over_pixels_all19);
  });
  it("the same hard-joint value on the wasm backend", async () => {
    await selectBackend({ prefer: "wasm", threads: 1 });
    const [p, t, m] = [pred, target, mask].map((x) => tf.tensor4d(x.dataSync(), x.shape as [number, number, number, number]));
    close(scalar(hardJointLoss(p, t, m, K, "include", true)), R.top8_sum_over_pixels_all19.topk_sum_mean_over_batch);
    tf.dispose([p, t, m]);
    await selectBackend({ prefer: "cpu" });
  }, 60_000);
});

describe("poseLoss over stages", () => {
  // float64 reference straight from the arrays (NHWC), independent of the tfjs code
  function reference(preds: Float32Array[], tgt: Float32Array, m: Float32Array, channels: number, masked: boolean) {
    return preds.map((p) => {
      const perJointRef = new Float64Array(B * channels);
      for (let i = 0; i < p.length; i++) {
        const b = Math.floor(i / (H * W * channels));
        const pixel = Math.floor(i / channels);
        const w = masked ? m[pixel] : 1;
        perJointRef[b * channels + (i % channels)] += w * (p[i] - tgt[i]) ** 2;
      }
      return perJointRef;
    });
  }
  it("weights stages and branches, mines the listed stages and averages over the batch", () => {
    const rng = new Rng(5);
    const pafShape: [number, number, number, number] = [B, H, W, 4];
    const rand = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1) * s);
    const hm = [1, 0.5, 1.5].map((s) => Float32Array.from(toNhwc(generated.pred, C), (v) => v * s));
    const paf = [0, 1, 2].map(() => rand(B * H * W * 4, 1));
    const pafTarget = rand(B * H * W * 4, 1);
    const hmTarget = toNhwc(generated.target, C);
    const m = toNhwc(generated.mask, 1);
    const spec: LossSpec = {
      heatmap: { kind: "l2", masked: true, weight: 1 },
      paf: { kind: "l2", masked: false, weight: 0.25 },
      stageWeights: [1, 0.5, 2],
      hardjoint: { topk: K, stages: [3], background: "include", span: { file: "", line: 1, col: 1, endLine: 1, endCol: 1 } },
    };
    const value = tf.tidy(() => {
      const outs = hm.map((h, i) => ({ heatmaps: tf.tensor4d(h, [B, H, W, C]), pafs: tf.tensor4d(paf[i], pafShape) }));
      const targets = { heatmaps: tf.tensor4d(hmTarget, [B, H, W, C]), pafs: tf.tensor4d(pafTarget, pafShape), mask: tf.tensor4d(m, [B, H, W, 1]) };
      const r = poseLoss(outs, targets, spec, { background: true });
      return [r.total, ...r.perStage.flatMap((s) => [s.heatmap, s.paf])].map((t) => t.dataSync()[0]);
    });
    const hmRef = reference(hm, hmTarget, m, C, true);
    const pafRef = reference(paf, pafTarget, m, 4, false);
    const plain = (r: Float64Array) => r.reduce((s, v) => s + v, 0) / B;
    const mined = (r: Float64Array) => {
      let s = 0;
      for (let b = 0; b < B; b++) s += [...r.subarray(b * C, (b + 1) * C)].sort((x, y) => y - x).slice(0, K).reduce((a, v) => a + v, 0);
      return s / B;
    };
    const stageHm = [plain(hmRef[0]), plain(hmRef[1]), mined(hmRef[2])];
    const stagePaf = pafRef.map(plain);
    stageHm.forEach((v, i) => close(value[1 + 2 * i], v, 1e-5));
    stagePaf.forEach((v, i) => close(value[2 + 2 * i], v, 1e-5));
    const total = [0, 1, 2].reduce((s, i) => s + spec.stageWeights[i] * (stageHm[i] + 0.25 * stagePaf[i]), 0);
    close(value[0], total, 1e-5);
  });
  it("rejects stage outputs that do not match the targets", () => {
    const t = tf.zeros([B, H, W, C]) as tf.Tensor4D;
    const targets = { heatmaps: t, pafs: t, mask: tf.zeros([B, H, W, 1]) as tf.Tensor4D };
    const spec: LossSpec = { heatmap: { kind: "l2", masked: true, weight: 1 }, paf: { kind: "l2", masked: true, weight: 1 }, stageWeights: [1], hardjoint: null };
    const wrong = { heatmaps: tf.zeros([B, H, W, C - 1]) as tf.Tensor4D, pafs: t };
    expect(() => poseLoss([wrong], targets, spec, { background: true })).toThrow(/stage 1 outputs heatmaps \[2,6,6,18\]/);
    expect(() => poseLoss([wrong, wrong], targets, spec, { background: true })).toThrow(/2 stage outputs but 1 stage weights/);
  });
});

describe("hard-joint gradient", () => {
  // 5 heatmap channels (the last is the background), K = 2; joint j's error grows with j so that the
  // per-joint losses are far apart and a small perturbation never changes which joints are kept.
  const shape: [number, number, number, number] = [2, 3, 3, 5];
  const n = 2 * 3 * 3 * 5;
  const rng = new Rng(11);
  const predValues = Float32Array.from({ length: n }, (_, i) => (0.3 + 0.35 * (i % 5)) * (1 + 0.2 * rng.uniform(-1, 1)) * (i % 2 ? 1 : -1));
  const targetValues = Float32Array.from({ length: n }, () => 0.1 * rng.uniform(-1, 1));
  const maskValues = Float32Array.from({ length: 18 }, (_, i) => (i % 7 === 3 ? 0 : 1));
  const lossOf = (p: tf.Tensor, mode: BackgroundMode) =>
    hardJointLoss(p as tf.Tensor4D, tf.tensor4d(targetValues, shape), tf.tensor4d(maskValues, [2, 3, 3, 1]), 2, mode, true);

  for (const mode of ["include", "exclude", "separate"] as BackgroundMode[]) {
    it(`matches central differences and 2 W (S - S*) / B on the kept joints (${mode})`, () => {
      // precondition: per sample, the 2nd and 3rd largest candidate losses are well apart
      const pj = tf.tidy(() => Array.from(perChannelLoss(tf.tensor4d(predValues, shape), tf.tensor4d(targetValues, shape), tf.tensor4d(maskValues, [2, 3, 3, 1])).dataSync()));
      const candidates = mode === "include" ? 5 : 4;
      for (let b = 0; b < 2; b++) {
        const sorted = pj.slice(b * 5, b * 5 + candidates).sort((x, y) => y - x);
        expect(sorted[1] - sorted[2]).toBeGreaterThan(0.2);
      }
      const analytic = tf.tidy(() => Array.from(tf.grad((p: tf.Tensor) => lossOf(p, mode))(tf.tensor4d(predValues, shape)).dataSync()));
      const eps = 1e-2;
      const numeric = Array.from({ length: n }, (_, i) => {
        const at = (d: number) => {
          const v = Float32Array.from(predValues);
          v[i] += d;
          return tf.tidy(() => lossOf(tf.tensor4d(v, shape), mode).dataSync()[0]);
        };
        return (at(eps) - at(-eps)) / (2 * eps);
      });
      let worst = 0;
      analytic.forEach((a, i) => (worst = Math.max(worst, Math.abs(a - numeric[i]))));
      expect(worst / Math.max(...analytic.map(Math.abs))).toBeLessThan(1e-3);
      // closed form: the chosen joints (and, for 'separate', the background) get 2 W (S - S*) / B
      const kept = topKPerRow(pj, 2, 5, candidates, 2).map((r) => new Set(mode === "separate" ? [...r, 4] : r));
      analytic.forEach((a, i) => {
        const b = Math.floor(i / 45);
        const c = i % 5;
        const w = maskValues[Math.floor(i / 5)];
        const expected = kept[b].has(c) ? (2 * w * (predValues[i] - targetValues[i])) / 2 : 0;
        expect(Math.abs(a - expected)).toBeLessThan(1e-6);
      });
    });
  }
});
