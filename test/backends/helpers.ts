// Shared helpers for the backend tests: seeded data, error measures, running a function on a given
// backend, and PyTorch float64 references through Debian's /usr/bin/python3 (torch 1.13).
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../../runtime/util/rng.js";

export function randomValues(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** max |a - e| / max |e| (0 when both are all zero) */
export function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs `f` on `backend` and returns copies of its outputs' values (everything else is disposed). */
export async function valuesOn(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  const outs = tf.tidy(f);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
}

const TORCH_PRELUDE = `
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
data = json.loads(sys.stdin.read())
def nhwc(name, shape):
    return torch.tensor(data[name], dtype=torch.float64).reshape(shape).permute(0, 3, 1, 2).contiguous()
def flat(t, nchw=True):
    t = t.detach()
    if nchw and t.dim() == 4:
        t = t.permute(0, 2, 3, 1)
    return t.reshape(-1).tolist()
out = {}
`;

/**
 * Runs a PyTorch script (float64) with `inputs` (arrays) available through nhwc(name, shape) and
 * returns the JSON of the dict `out` it fills.
 */
export function torch(script: string, inputs: Record<string, ArrayLike<number>>): Record<string, number[]> {
  const payload = JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Array.from(v)])));
  const code = `${TORCH_PRELUDE}\n${script}\nprint(json.dumps(out))`;
  const stdout = execFileSync("/usr/bin/python3", ["-c", code], { input: payload, maxBuffer: 1 << 28 });
  return JSON.parse(stdout.toString()) as Record<string, number[]>;
}

/**
 * Starts wasm (2 threads) and cpu with posec's kernels registered on both; leaves wasm active.
 * The cpu backend keeps tfjs's stock conv and max-pool backprops, which the wasm kernels are compared with.
 */
export async function initBackends(): Promise<void> {
  const { selectBackend } = await import("../../runtime/backends/select.js");
  const { registerPosecKernels } = await import("../../runtime/backends/wasm-kernels.js");
  await selectBackend({ prefer: "cpu" });
  registerPosecKernels("cpu");
  await selectBackend({ prefer: "wasm", threads: 2 });
}
