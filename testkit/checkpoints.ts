// Checkpoints for tests and benchmarks: one written the way the trainer writes it, and weights that look
// trained (statistics, biases and slopes away from their initial values), so that a wrong layout shows.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../core/rng.js";
import { initialWeights, type ParamSpec, type WeightSet } from "../core/params/index.js";

/** Writes a checkpoint the way the trainer does (tfjs LayersModel JSON + one weights.bin). */
export function writeCheckpoint(dir: string, weights: WeightSet, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  const entries = [...weights.entries()];
  const total = entries.reduce((a, [, t]) => a + t.data.length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const [, t] of entries) {
    bin.set(t.data, off);
    off += t.data.length;
  }
  const manifest = [{ paths: ["weights.bin"], weights: entries.map(([name, t]) => ({ name, shape: t.shape, dtype: "float32" })) }];
  writeFileSync(join(dir, "model.json"), JSON.stringify({ format: "layers-model", generatedBy: "posec test", modelTopology: {}, weightsManifest: manifest, ...extra }));
  writeFileSync(join(dir, "weights.bin"), new Uint8Array(bin.buffer));
}

/**
 * Initial weights with everything a trained model has and a fresh one lacks: batchnorm statistics away
 * from 0/1, gamma and beta away from 1/0, non-zero biases, PReLU slopes that differ per channel. Kernels
 * are rescaled to He's std sqrt(2 / fan_in), so that the input still shows in the last stage's maps (with
 * CMU's std 0.01 the outputs would be the last biases, and a wrong layout could pass unnoticed); the
 * layers in `quiet` (those producing the outputs and stage maps) get a fifth of that, so that the maps are
 * O(1) like trained heatmaps and PAFs, and the tolerances stay absolute ones at a realistic scale.
 */
export function perturbedWeights(specs: ParamSpec[], seed: number, quiet: Set<string> = new Set()): WeightSet {
  const w = initialWeights(specs, seed);
  const rng = new Rng(seed ^ 0x5eed);
  for (const s of specs) {
    const d = w.get(s.name)!.data;
    const set = (f: () => number) => {
      for (let i = 0; i < d.length; i++) d[i] = f();
    };
    if (s.role === "kernel") {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < d.length; i++) (sum += d[i]), (sq += d[i] * d[i]);
      const std = Math.sqrt(Math.max(sq / d.length - (sum / d.length) ** 2, 0));
      const target = Math.sqrt(2 / s.fans.in) * (quiet.has(s.node) ? 0.2 : 1);
      const k = std > 0 ? target / std : 0;
      if (k > 0) for (let i = 0; i < d.length; i++) d[i] *= k;
      else set(() => rng.normal() * target);
    } else if (s.role === "gamma" || s.role === "moving_variance") set(() => rng.uniform(0.5, 1.5));
    else if (s.role === "beta" || s.role === "moving_mean" || s.role === "bias") set(() => rng.uniform(-0.1, 0.1));
    else if (s.role === "alpha") set(() => rng.uniform(0, 0.5));
  }
  return w;
}
