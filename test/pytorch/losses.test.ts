// The generated losses.py: every value of test/fixtures/reference/okhm_vectors.json (inputs rebuilt in
// Python from the file's documented xorshift32 stream, NCHW), and the whole pose loss (stage weights,
// masked L2, hard-joint mining in each background mode) against posec's tfjs loss on the same tensors.
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ir } from "../../core/ir/types.js";
import { hardJointLoss, poseLoss } from "../../runtime/losses/index.js";
import { Rng } from "../../runtime/util/rng.js";
import vectors from "../fixtures/reference/okhm_vectors.json" with { type: "json" };
import { compileIr, nhwcToNchw, pythonJson, tempDir, writeFloats, writePackage } from "./helpers.js";

const tmp = tempDir("torch-loss");
let ir: Ir;
let pkg: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  ir = compileIr("models/se_resnet_okhm_cmupose.posenet");
  pkg = writePackage(ir, join(tmp.dir, "pkg"));
});
afterAll(() => tmp.remove());

const close = (actual: number, expected: number, what: string) =>
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));

describe("losses.py on the hard-joint reference vectors", () => {
  it("reproduces every value of okhm_vectors.json", () => {
    const g = vectors.generator;
    const got = pythonJson<Record<string, unknown>>(
      `
import json
import torch
from losses import per_channel_loss, masked_l2, top_k_per_row, hard_joint_loss

x = ${g.seed}
def nxt():
    global x
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    return x
first = [nxt() for _ in range(3)]
x = ${g.seed}
def tensor(shape, f):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([f(nxt()) for _ in range(n)], dtype=torch.float32).reshape(shape)
pred = tensor(${JSON.stringify(g.shapes.pred)}, lambda v: (v >> 24) / 256)
target = tensor(${JSON.stringify(g.shapes.target)}, lambda v: (v >> 24) / 256)
mask = tensor(${JSON.stringify(g.shapes.mask)}, lambda v: 0.0 if (v >> 30) == 0 else 1.0)

per_joint = per_channel_loss(pred, target, mask)
out = {"first": first, "per_joint": per_joint.tolist(), "per_sample": per_joint.sum(1).tolist(),
       "plain": masked_l2(pred, target, mask).item()}
for name, cand in (("all19", 19), ("kp18", 18)):
    idx = top_k_per_row(per_joint, cand, 8)
    out[name] = {"idx": idx.tolist(), "values": per_joint.gather(1, idx).tolist()}
    cpn = per_joint / 36
    cidx = top_k_per_row(cpn, cand, 8)
    out["cpn_" + name] = {"idx": cidx.tolist(), "values": cpn.gather(1, cidx).tolist(),
                          "sum_div_k_mean": (cpn.gather(1, cidx).sum(1) / 8).mean().item()}
for mode in ("exclude", "include", "separate"):
    out[mode] = hard_joint_loss(pred, target, mask, 8, mode, True).item()
p = pred.clone().requires_grad_()
hard_joint_loss(p, target, mask, 8, "exclude", True).backward()
out["grad_channels"] = [[c for c in range(19) if p.grad[b, c].abs().sum().item() > 0] for b in range(2)]
print(json.dumps(out))
`,
      pkg,
    );
    const r = vectors.results;
    expect(got.first).toEqual(g.first_three_outputs);
    const perJoint = got.per_joint as number[][];
    perJoint.forEach((row, b) => row.forEach((v, c) => close(v, r.per_joint_sum_over_pixels[b][c], `per joint [${b}][${c}]`)));
    perJoint.forEach((row, b) => row.forEach((v, c) => expect(Math.round(v * 65536), `x65536 [${b}][${c}]`).toBe(r.per_joint_sum_over_pixels_x65536_integers[b][c])));
    (got.per_sample as number[]).forEach((v, b) => close(v, r.plain_masked_l2.per_sample_sum[b], "per-sample sum"));
    close(got.plain as number, r.plain_masked_l2.mean_over_batch_of_per_sample_sum, "plain masked L2");
    close((got.plain as number) * 2, r.plain_masked_l2.sum_over_batch_joints_pixels, "plain masked L2 summed over the batch");
    close(got.plain as number, r.plain_masked_l2.caffe_euclidean_loss_sum_div_2N * 2, "Caffe's EuclideanLoss x 2");
    close((got.plain as number) * 2 / (2 * 19 * 36), r.plain_masked_l2.mean_over_all_elements_BCHW, "mean over all elements");
    close(perJoint.reduce((a, row) => a + row.slice(0, 18).reduce((x, y) => x + y, 0), 0), r.plain_masked_l2.keypoints_only_18ch_sum, "18 keypoints");
    expect(vectors.headline.plain_masked_l2_sum).toBe(r.plain_masked_l2.sum_over_batch_joints_pixels);

    for (const [key, ref] of [["all19", r.top8_sum_over_pixels_all19], ["kp18", r.top8_sum_over_pixels_18kp]] as const) {
      const t = got[key] as { idx: number[][]; values: number[][] };
      expect(t.idx).toEqual(ref.topk_indices_per_sample);
      t.values.forEach((row, b) => row.forEach((v, i) => close(v, ref.topk_values_per_sample[b][i], `${key} top-k value`)));
      const sums = t.values.map((row) => row.reduce((a, v) => a + v, 0));
      sums.forEach((s, b) => close(s, ref.per_sample_topk_sum[b], `${key} per-sample top-k sum`));
      close(sums[0] + sums[1], ref.topk_sum_over_batch, `${key} summed over the batch`);
      close((sums[0] + sums[1]) / 2 / 8, ref.topk_sum_div_k_mean_over_batch, `${key} / k`);
    }
    for (const [key, ref] of [["cpn_all19", r.cpn_ohkm_mean_over_pixels_all19], ["cpn_kp18", r.cpn_ohkm_mean_over_pixels_18kp]] as const) {
      const t = got[key] as { idx: number[][]; values: number[][]; sum_div_k_mean: number };
      expect(t.idx).toEqual(ref.topk_indices_per_sample);
      t.values.forEach((row, b) => row.forEach((v, i) => close(v, ref.topk_values_per_sample[b][i], `${key} value`)));
      close(t.sum_div_k_mean, ref.topk_sum_div_k_mean_over_batch, key);
    }
    close(got.cpn_all19 ? (got.cpn_all19 as { sum_div_k_mean: number }).sum_div_k_mean : NaN, vectors.headline.cpn_exact_convention_all19, "CPN headline");
    close((got.cpn_kp18 as { sum_div_k_mean: number }).sum_div_k_mean, vectors.headline.cpn_exact_convention_18kp, "CPN headline 18");
    // the hard-joint loss, posec's convention: top-8 per sample summed, then the batch mean
    close(got.include as number, vectors.headline.top8_per_sample_sum_then_mean_over_batch_all19, "include");
    close(got.exclude as number, vectors.headline.top8_per_sample_sum_then_mean_over_batch_18kp, "exclude");
    const background = (r.per_joint_sum_over_pixels[0][18] + r.per_joint_sum_over_pixels[1][18]) / 2;
    close(got.separate as number, vectors.headline.top8_per_sample_sum_then_mean_over_batch_18kp + background, "separate");
    // the pooled top-16 over the batch is a different convention, which posec does not use
    expect(Math.abs((got.include as number) * 2 - r.not_cpn_pooled_batch_top16_sum_over_pixels_all19)).toBeGreaterThan(0.1);
    // gradient only through the chosen joints
    expect(got.grad_channels).toEqual(r.top8_sum_over_pixels_18kp.topk_indices_per_sample.map((row) => [...row].sort((a, b) => a - b)));
  });
});

describe("losses.py against posec's tfjs loss", () => {
  it("gives the same total and per-stage losses (stage weights, masks, hard-joint stages 5 and 6)", () => {
    const [B, H, W] = [2, 5, 7];
    const J = ir.keypoints!.heatmapChannels;
    const P = ir.keypoints!.pafChannels;
    const rng = new Rng(9);
    const rand = (n: number, lo = 0, hi = 1) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
    const heat = rand(B * H * W * J);
    const paf = rand(B * H * W * P, -1, 1);
    const mask = Float32Array.from({ length: B * H * W }, () => (rng.next() < 0.2 ? 0 : rng.uniform(0.3, 1)));
    const stages = Array.from({ length: 6 }, () => ({ heatmaps: rand(B * H * W * J), pafs: rand(B * H * W * P, -1, 1) }));
    writeFloats(join(tmp.dir, "heat.bin"), nhwcToNchw(heat, [B, H, W, J]));
    writeFloats(join(tmp.dir, "paf.bin"), nhwcToNchw(paf, [B, H, W, P]));
    writeFloats(join(tmp.dir, "mask.bin"), mask);
    stages.forEach((s, i) => {
      writeFloats(join(tmp.dir, `s${i}_heat.bin`), nhwcToNchw(s.heatmaps, [B, H, W, J]));
      writeFloats(join(tmp.dir, `s${i}_paf.bin`), nhwcToNchw(s.pafs, [B, H, W, P]));
    });
    const loss = { ...ir.loss!, stageWeights: [1, 0.5, 2, 1, 0.25, 3], heatmap: { ...ir.loss!.heatmap, weight: 1.5 } };
    const got = pythonJson<{ total: number; stages: number[][]; modes: Record<string, number> }>(
      `
import json
import numpy as np
import torch
from losses import hard_joint_loss, pose_loss
from spec import LOSS
d = ${JSON.stringify(tmp.dir)}
load = lambda name, c: torch.from_numpy(np.fromfile(f"{d}/{name}.bin", dtype="<f4").reshape(${B}, c, ${H}, ${W}))
heat, paf, mask = load("heat", ${J}), load("paf", ${P}), load("mask", 1)
stages = [(load(f"s{i}_paf", ${P}), load(f"s{i}_heat", ${J})) for i in range(6)]
loss = dict(LOSS, stage_weights=${JSON.stringify(loss.stageWeights)}, heatmap=dict(LOSS["heatmap"], weight=1.5))
total, per_stage = pose_loss(stages, heat, paf, mask, loss)
modes = {m: hard_joint_loss(stages[5][1], heat, mask, 8, m, True).item() for m in ("exclude", "include", "separate")}
print(json.dumps({"total": total.item(), "stages": [[s, h.item(), p.item()] for s, h, p in per_stage], "modes": modes}))
`,
      pkg,
    );
    const t4 = (d: Float32Array, c: number) => tf.tensor4d(d, [B, H, W, c]);
    const ref = poseLoss(
      stages.map((s) => ({ heatmaps: t4(s.heatmaps, J), pafs: t4(s.pafs, P) })),
      { heatmaps: t4(heat, J), pafs: t4(paf, P), mask: t4(mask, 1) },
      loss,
      ir.keypoints!,
    );
    expect(ir.loss!.hardjoint).toMatchObject({ topk: 8, stages: [5, 6], background: "exclude" });
    close(got.total, ref.total.dataSync()[0], "total");
    ref.perStage.forEach((s, i) => {
      expect(got.stages[i][0]).toBe(s.stage);
      close(got.stages[i][1], s.heatmap.dataSync()[0], `stage ${s.stage} heatmap`);
      close(got.stages[i][2], s.paf.dataSync()[0], `stage ${s.stage} paf`);
    });
    for (const mode of ["exclude", "include", "separate"] as const) {
      const want = hardJointLoss(t4(stages[5].heatmaps, J), t4(heat, J), t4(mask, 1), 8, mode, true).dataSync()[0];
      close(got.modes[mode], want, mode);
    }
  });
});
