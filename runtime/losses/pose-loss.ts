// The pose losses on tfjs tensors, channels-last, as the IR's LossIR describes them.
//
// Per stage and branch (heatmaps [B,H,W,J], PAFs [B,H,W,2L]) the loss is the masked L2
//   sum_p W(p) * (S(p) - S*(p))^2
// summed per sample over pixels and channels, then averaged over the batch ("sample_sum_batch_mean").
// W is CMU's mask_miss, [B,H,W,1], broadcast over the channels, times an optional per-channel weight
// (0 for the channels of joints the dataset does not provide and of limbs touching them; see
// runtime/data/joints.ts datasetChannelWeights). Caffe's EuclideanLoss (used by CMU's training) has an
// extra factor 1/2: we do not, so our values are twice Caffe's for the same data.
//
// A stage contributes only the branches it produces (IR StageOutputIR: heatmaps only, PAFs only, or both);
// a network whose schema has no limbs has no PAF targets at all. Hard-joint mining applies to stages that
// produce heatmaps.
//
// Hard-joint mining (LossIR.hardjoint, on the heatmap branch of the listed stages): per sample and per
// joint f_j = sum_p W(p) * (S_j(p) - S*_j(p))^2, keep the K largest joints of that sample, sum them;
// then average over the batch. The candidates depend on the background mode (the background channel
// is the last heatmap channel when keypoints.background is true):
//   exclude  - keypoint channels only; the background adds nothing at those stages;
//   include  - the background competes as one more joint;
//   separate - keypoint channels, plus the background's plain masked L2.
// The choice of the K joints is made from the values (a constant mask); the gradient flows through
// the chosen joints' errors, as with sort-and-sum in PyTorch. tfjs has no TopK gradient, so the
// selection is read back (B x J numbers) and rebuilt as a constant 0/1 mask.
//
// Everything here works inside tf.variableGrads / optimizer.minimize: the results are scalars
// computed from the inputs by differentiable ops.
import * as tf from "@tensorflow/tfjs-core";
import type { KeypointsIR, LossIR } from "../../core/ir/types.js";

/** One stage's maps; null for a branch the stage does not produce. */
export interface StageOutput {
  heatmaps: tf.Tensor4D | null;
  pafs: tf.Tensor4D | null;
}
export interface PoseTargets {
  heatmaps: tf.Tensor4D;
  /** null (or absent) when no stage produces PAFs (a schema without limbs) */
  pafs?: tf.Tensor4D | null;
  /** [B,H,W,1], 1 where the annotation is trusted */
  mask: tf.Tensor4D;
  /** per-channel loss weights [C] for each branch (0 = the dataset does not provide it); absent: all 1 */
  channelWeights?: { heatmaps: tf.Tensor1D; pafs: tf.Tensor1D | null } | null;
}
/**
 * Branch losses of one stage before the stage and branch weights are applied (hard-joint mined where
 * listed); a branch the stage does not produce is 0.
 */
export interface StageLoss {
  stage: number;
  heatmap: tf.Scalar;
  paf: tf.Scalar;
}
export interface PoseLossValue {
  /** sum over stages of stageWeight * (heatmap.weight * heatmap + paf.weight * paf) */
  total: tf.Scalar;
  perStage: StageLoss[];
}

/** W * (S - S*)^2, elementwise; mask null means W = 1. */
export function maskedSquaredError(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D | null): tf.Tensor4D {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(pred, target);
    return (mask ? tf.mul(sq, mask) : sq) as tf.Tensor4D;
  });
}

/** Per sample and channel, the masked squared error summed over pixels: [B, C]. */
export function perChannelLoss(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D | null): tf.Tensor2D {
  return tf.tidy(() => tf.sum(maskedSquaredError(pred, target, mask), [1, 2]) as tf.Tensor2D);
}

/** Masked L2 summed per sample over pixels and channels, averaged over the batch. */
export function maskedL2(pred: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D | null): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(maskedSquaredError(pred, target, mask)), pred.shape[0]) as tf.Scalar);
}

/**
 * Indices of the k largest of `values[row*cols + c]` for c < candidates, per row, largest first;
 * ties go to the lower index (deterministic).
 */
export function topKPerRow(values: ArrayLike<number>, rows: number, cols: number, candidates: number, k: number): number[][] {
  if (!(Number.isInteger(k) && k >= 1 && k <= candidates && candidates <= cols)) {
    throw new Error(`top-k: need 1 <= k (${k}) <= candidates (${candidates}) <= channels (${cols})`);
  }
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const idx = Array.from({ length: candidates }, (_, c) => c);
    const v = (c: number) => values[r * cols + c];
    idx.sort((a, b) => v(b) - v(a) || a - b);
    out.push(idx.slice(0, k));
  }
  return out;
}

export type BackgroundMode = "exclude" | "include" | "separate";

/**
 * The hard-joint heatmap loss of one stage (see the file comment), averaged over the batch.
 * `hasBackground`: the last channel of `pred` is the background.
 */
export function hardJointLoss(
  pred: tf.Tensor4D,
  target: tf.Tensor4D,
  mask: tf.Tensor4D | null,
  topk: number,
  background: BackgroundMode,
  hasBackground: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    const [batch, , , channels] = pred.shape;
    const perJoint = perChannelLoss(pred, target, mask); // [B, C]
    const keypoints = hasBackground ? channels - 1 : channels;
    const candidates = hasBackground && background === "include" ? channels : keypoints;
    const chosen = topKPerRow(perJoint.dataSync(), batch, channels, candidates, topk);
    const select = new Float32Array(batch * channels);
    chosen.forEach((row, b) => row.forEach((c) => (select[b * channels + c] = 1)));
    if (hasBackground && background === "separate") {
      for (let b = 0; b < batch; b++) select[b * channels + channels - 1] = 1;
    }
    const picked = tf.sum(tf.mul(perJoint, tf.tensor2d(select, [batch, channels])));
    return tf.div(picked, batch) as tf.Scalar;
  });
}

/** Which of its parameters each loss needs; the whole KeypointsIR / LossIR can be passed. */
export type LossSpec = Pick<LossIR, "heatmap" | "paf" | "stageWeights" | "hardjoint">;
export type KeypointSpec = Pick<KeypointsIR, "background">;

/**
 * The training loss of a multi-stage pose network. `stageOutputs[i]` is stage i+1; every stage is
 * compared with the same targets (they share the label grid).
 */
export function poseLoss(
  stageOutputs: StageOutput[],
  targets: PoseTargets,
  loss: LossSpec,
  keypoints: KeypointSpec,
): PoseLossValue {
  checkShapes(stageOutputs, targets, loss);
  // tidy keeps the tensors of the returned object and frees every intermediate.
  const run = (): PoseLossValue => {
    const mined = new Set(loss.hardjoint?.stages ?? []);
    const perStage: StageLoss[] = [];
    let total: tf.Scalar = tf.scalar(0);
    const cw = targets.channelWeights ?? null;
    const hmMask = branchWeight(loss.heatmap.masked ? targets.mask : null, cw?.heatmaps ?? null);
    const pafMask = branchWeight(loss.paf.masked ? targets.mask : null, cw?.pafs ?? null);
    stageOutputs.forEach((out, i) => {
      const stage = i + 1;
      const heatmap = !out.heatmaps
        ? tf.scalar(0)
        : loss.hardjoint && mined.has(stage)
          ? hardJointLoss(out.heatmaps, targets.heatmaps, hmMask, loss.hardjoint.topk, loss.hardjoint.background, keypoints.background)
          : maskedL2(out.heatmaps, targets.heatmaps, hmMask);
      const paf = out.pafs && targets.pafs ? maskedL2(out.pafs, targets.pafs, pafMask) : tf.scalar(0);
      perStage.push({ stage, heatmap, paf });
      const weighted = tf.add(tf.mul(heatmap, loss.heatmap.weight), tf.mul(paf, loss.paf.weight));
      total = tf.add(total, tf.mul(weighted, loss.stageWeights[i])) as tf.Scalar;
    });
    return { total, perStage };
  };
  return tf.tidy(run as unknown as () => tf.TensorContainer) as unknown as PoseLossValue;
}

/** The loss weight of one branch: the pixel mask [B,H,W,1] times the per-channel weights [C]; null = all ones. */
function branchWeight(mask: tf.Tensor4D | null, channels: tf.Tensor1D | null): tf.Tensor4D | null {
  if (!channels) return mask;
  const perChannel = tf.reshape(channels, [1, 1, 1, channels.shape[0]]) as tf.Tensor4D;
  return mask ? (tf.mul(mask, perChannel) as tf.Tensor4D) : perChannel;
}

function checkShapes(stageOutputs: StageOutput[], targets: PoseTargets, loss: LossSpec): void {
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  if (stageOutputs.length !== loss.stageWeights.length) {
    throw new Error(`poseLoss: ${stageOutputs.length} stage outputs but ${loss.stageWeights.length} stage weights`);
  }
  const [b, h, w] = targets.heatmaps.shape;
  if (!same(targets.mask.shape, [b, h, w, 1])) {
    throw new Error(`poseLoss: mask shape [${targets.mask.shape}] should be [${[b, h, w, 1]}]`);
  }
  const pafs = targets.pafs ?? null;
  if (pafs && !same(pafs.shape.slice(0, 3), [b, h, w])) {
    throw new Error(`poseLoss: PAF targets [${pafs.shape}] and heatmap targets [${targets.heatmaps.shape}] differ in size`);
  }
  const cw = targets.channelWeights;
  if (cw && (cw.heatmaps.shape[0] !== targets.heatmaps.shape[3] || (pafs && cw.pafs && cw.pafs.shape[0] !== pafs.shape[3]))) {
    throw new Error(`poseLoss: channel weights [${cw.heatmaps.shape}] / [${cw.pafs?.shape ?? "-"}] do not match the targets' channels`);
  }
  const mined = new Set(loss.hardjoint?.stages ?? []);
  stageOutputs.forEach((o, i) => {
    const shape = (t: tf.Tensor | null | undefined) => (t ? `[${t.shape}]` : "none");
    if (!o.heatmaps && !o.pafs) throw new Error(`poseLoss: stage ${i + 1} outputs neither heatmaps nor PAFs`);
    if (o.pafs && !pafs) throw new Error(`poseLoss: stage ${i + 1} outputs PAFs but there are no PAF targets`);
    if (!o.heatmaps && mined.has(i + 1)) throw new Error(`poseLoss: hard-joint mining lists stage ${i + 1}, which outputs no heatmaps`);
    if ((o.heatmaps && !same(o.heatmaps.shape, targets.heatmaps.shape)) || (o.pafs && pafs && !same(o.pafs.shape, pafs.shape))) {
      throw new Error(
        `poseLoss: stage ${i + 1} outputs heatmaps ${shape(o.heatmaps)} and PAFs ${shape(o.pafs)}, ` +
          `targets are [${targets.heatmaps.shape}] and ${shape(pafs)}`,
      );
    }
  });
}
