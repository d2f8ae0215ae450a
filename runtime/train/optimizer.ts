// The optimizer of `posec train`, written out (not tf.train.*) so that every variable can have its own
// learning-rate multiplier (CMU-Pose: stages 2-6 at 4x on weights, 8x on biases) and so that its state
// is checkpointed exactly. Semantics are PyTorch's, so the generated PyTorch program matches:
//   SGD:  buf = momentum * buf + (g + wd * w);  w -= lr * buf        (nesterov: w -= lr * (g' + momentum * buf))
//   Adam: m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2;  w -= lr * m_hat / (sqrt(v_hat) + eps),  g' = g + wd * w
// Weight decay applies to convolution and dense kernels only (Caffe's decay_mult 0 for biases; BN and
// PReLU parameters are not decayed either).
import * as tf from "@tensorflow/tfjs";
import type { LrMultIR, OptimizerIR, ScheduleIR } from "../../core/ir/types.js";

export interface ParamGroupInfo {
  /** canonical name, e.g. stage3_paf_conv2/kernel */
  name: string;
  /** the IR part of the layer, e.g. stage3.paf */
  part: string;
}

export interface TrainableParam extends ParamGroupInfo {
  variable: tf.Variable;
  lrMult: number;
  decay: boolean;
}

/** Learning-rate multiplier and decay flag of a parameter, from the spec's `lr_mult` lines. */
export function paramPolicy(info: ParamGroupInfo, lrMult: LrMultIR[]): { lrMult: number; decay: boolean } {
  const role = info.name.slice(info.name.lastIndexOf("/") + 1);
  const isWeight = role === "kernel" || role === "gamma" || role === "alpha";
  const stage = /^stage(\d+)/.exec(info.part);
  const rule = stage ? lrMult.find((m) => m.stages.includes(Number(stage[1]))) : undefined;
  return { lrMult: rule ? (isWeight ? rule.weight : rule.bias) : 1, decay: role === "kernel" };
}

/** Learning rate at a 0-based step (before multipliers). */
export function learningRate(base: number, schedule: ScheduleIR, warmup: number, step: number, totalSteps: number): number {
  let lr = base;
  switch (schedule.kind) {
    case "step":
      lr = base * schedule.gamma ** Math.floor(step / schedule.every);
      break;
    case "cosine":
      lr = schedule.minLr + ((base - schedule.minLr) * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / Math.max(1, totalSteps)))) / 2;
      break;
    case "poly":
      lr = base * Math.max(0, 1 - step / Math.max(1, totalSteps)) ** schedule.power;
      break;
  }
  return warmup > 0 && step < warmup ? (lr * (step + 1)) / warmup : lr;
}

export interface OptimizerState {
  /** number of updates applied */
  updates: number;
  /** slot name (e.g. "stage1_paf_conv1/kernel#m") -> values */
  slots: Map<string, { shape: number[]; data: Float32Array }>;
}

export class PoseOptimizer {
  private readonly slots = new Map<string, tf.Variable>();
  updates = 0;

  constructor(
    readonly config: OptimizerIR,
    readonly params: TrainableParam[],
  ) {}

  private slot(p: TrainableParam, kind: "m" | "v"): tf.Variable {
    const key = `${p.name}#${kind}`;
    let s = this.slots.get(key);
    if (!s) {
      s = tf.variable(tf.zerosLike(p.variable), false);
      this.slots.set(key, s);
    }
    return s;
  }

  /** Applies one update with the given gradients (by canonical name) at learning rate `lr`. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    this.updates++;
    const c = this.config;
    tf.tidy(() => {
      for (const p of this.params) {
        const g0 = grads.get(p.name);
        if (!g0) continue;
        const w = p.variable;
        const g = p.decay && c.weightDecay > 0 ? tf.add(g0, tf.mul(w, c.weightDecay)) : g0;
        const rate = lr * p.lrMult;
        if (c.kind === "sgd") {
          if (c.momentum === 0) {
            w.assign(tf.sub(w, tf.mul(g, rate)));
            continue;
          }
          const buf = this.slot(p, "m");
          const next = this.updates === 1 ? g : tf.add(tf.mul(buf, c.momentum), g);
          buf.assign(next);
          const step = c.nesterov ? tf.add(g, tf.mul(next, c.momentum)) : next;
          w.assign(tf.sub(w, tf.mul(step, rate)));
        } else {
          const m = this.slot(p, "m");
          const v = this.slot(p, "v");
          m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
          v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
          const mHat = tf.div(m, 1 - c.beta1 ** this.updates);
          const vHat = tf.div(v, 1 - c.beta2 ** this.updates);
          w.assign(tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon)), rate)));
        }
      }
    });
  }

  getState(): OptimizerState {
    const slots = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, v] of [...this.slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) slots.set(k, { shape: v.shape, data: v.dataSync() as Float32Array });
    return { updates: this.updates, slots };
  }

  setState(state: OptimizerState): void {
    this.updates = state.updates;
    for (const [key, value] of state.slots) {
      const [name, kind] = key.split("#") as [string, "m" | "v"];
      const p = this.params.find((q) => q.name === name);
      if (!p) continue;
      const slot = this.slot(p, kind);
      tf.tidy(() => slot.assign(tf.tensor(value.data, value.shape)));
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
  }
}
