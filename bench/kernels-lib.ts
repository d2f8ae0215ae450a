// Reusable pieces of the kernel benchmark: timing a forward pass or a training step of a tfjs model
// (a function or a tf.LayersModel), profiling a step's kernel time against its wall time, the OpenPose
// refinement block in tfjs and in PyTorch, and table formatting. Used by bench/kernels.ts; meant for
// the project's `npm run bench` too.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import * as tf from "@tensorflow/tfjs-core";
import type { LayersModel } from "@tensorflow/tfjs-layers";
import { maskedL2 } from "../runtime/losses/pose-loss.js";
import { Rng } from "../runtime/util/rng.js";

export interface Timing {
  medianMs: number;
  /** the fastest run: on a shared machine the least disturbed one */
  minMs: number;
  runsMs: number[];
}
export interface TimingOptions {
  warmup?: number;
  runs?: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time of `run` (which must finish its work before returning: read a value back). */
export async function timeIt(run: () => void | Promise<void>, { warmup = 1, runs = 5 }: TimingOptions = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await run();
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    runsMs.push(performance.now() - t0);
  }
  return { medianMs: median(runsMs), minMs: Math.min(...runsMs), runsMs };
}

export type Forward = (x: tf.Tensor4D) => tf.Tensor4D;
export type Trainable = Forward | LayersModel;

function asForward(model: Trainable, training: boolean): Forward {
  if (typeof model === "function") return model;
  return (x) => model.apply(x, { training }) as tf.Tensor4D;
}
function variablesOf(model: Trainable, variables?: tf.Variable[]): tf.Variable[] | undefined {
  if (variables) return variables;
  if (typeof model === "function") return undefined; // all trainable variables
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Median time of one forward pass (outputs read back). */
export function timeForward(model: Trainable, x: tf.Tensor4D, options?: TimingOptions): Promise<Timing> {
  const forward = asForward(model, false);
  return timeIt(() => {
    const y = tf.tidy(() => forward(x));
    y.dataSync();
    y.dispose();
  }, options);
}

export interface TrainBatch {
  x: tf.Tensor4D;
  target: tf.Tensor4D;
  /** [B,H,W,1]; default: no mask */
  mask?: tf.Tensor4D;
}

/**
 * One SGD step of the masked L2 loss (posec's sample_sum_batch_mean) between the model output and
 * `target`: forward, backward, update. Returns a function that runs a step and reads the loss back.
 */
export function makeTrainingStep(
  model: Trainable,
  batch: TrainBatch,
  opts: { optimizer?: tf.Optimizer; variables?: tf.Variable[] } = {},
): () => number {
  const forward = asForward(model, true);
  const optimizer = opts.optimizer ?? tf.train.sgd(1e-6);
  const varList = variablesOf(model, opts.variables);
  return () => {
    const loss = optimizer.minimize(() => maskedL2(forward(batch.x), batch.target, batch.mask ?? null), true, varList);
    const value = loss ? loss.dataSync()[0] : NaN;
    loss?.dispose();
    return value;
  };
}

/** Median time of one training step (see makeTrainingStep). */
export function timeTrainingStep(
  model: Trainable,
  batch: TrainBatch,
  options: TimingOptions & { optimizer?: tf.Optimizer; variables?: tf.Variable[] } = {},
): Promise<Timing> {
  const step = makeTrainingStep(model, batch, options);
  return timeIt(() => void step(), options);
}

export interface StepProfile {
  /** wall time of the profiled step */
  wallMs: number;
  /** sum of the kernels' own times over that step */
  kernelMs: number;
  kernelCount: number;
  /** kernel time per kernel name, largest first */
  byKernel: { name: string; ms: number; calls: number }[];
}

/**
 * Runs `step` once under tf.profile and adds up the kernel times; the wall time is that of the same
 * run, so their ratio does not suffer from run-to-run noise (the profiler's own bookkeeping is in it).
 */
export async function profileStep(step: () => unknown): Promise<StepProfile> {
  let wallMs = 0;
  const info = await tf.profile(() => {
    const t0 = performance.now();
    step();
    wallMs = performance.now() - t0;
    return [] as tf.Tensor[];
  });
  const times = await Promise.all(info.kernels.map((k) => Promise.resolve(k.kernelTimeMs)));
  const byName = new Map<string, { ms: number; calls: number }>();
  info.kernels.forEach((k, i) => {
    const ms = typeof times[i] === "number" ? (times[i] as number) : 0;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    byName.set(k.name, { ms: e.ms + ms, calls: e.calls + 1 });
  });
  const byKernel = [...byName].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.ms - a.ms);
  return { wallMs, kernelMs: byKernel.reduce((s, k) => s + k.ms, 0), kernelCount: info.kernels.length, byKernel };
}

/** CMU-Pose's refinement-stage branch (stages 2-6): 5 x 7x7 convs, then two 1x1 convs; ReLU after all but the last. */
export const REFINEMENT_BLOCK = {
  inChannels: 185,
  layers: [
    { kernel: 7, filters: 128 },
    { kernel: 7, filters: 128 },
    { kernel: 7, filters: 128 },
    { kernel: 7, filters: 128 },
    { kernel: 7, filters: 128 },
    { kernel: 1, filters: 128 },
    { kernel: 1, filters: 38 },
  ],
};

/** Forward FLOPs (2 x multiply-adds) of the block for one size and batch. */
export function refinementFlops(size: number, batch: number): number {
  let cin = REFINEMENT_BLOCK.inChannels;
  let macs = 0;
  for (const l of REFINEMENT_BLOCK.layers) {
    macs += size * size * l.kernel * l.kernel * cin * l.filters;
    cin = l.filters;
  }
  return 2 * macs * batch;
}

export interface Block {
  forward: Forward;
  variables: tf.Variable[];
  dispose(): void;
}

/** The refinement block as tfjs variables (normal std 0.01 weights, zero biases, as CMU initialises). */
export function refinementBlock(seed = 1): Block {
  const rng = new Rng(seed);
  let cin = REFINEMENT_BLOCK.inChannels;
  const params = REFINEMENT_BLOCK.layers.map((l, i) => {
    const n = l.kernel * l.kernel * cin * l.filters;
    const w = tf.variable(tf.tensor4d(Float32Array.from({ length: n }, () => 0.01 * rng.normal()), [l.kernel, l.kernel, cin, l.filters]), true, `rb_w${i}_${seed}`);
    const b = tf.variable(tf.zeros([l.filters]), true, `rb_b${i}_${seed}`);
    cin = l.filters;
    return { w, b, pad: (l.kernel - 1) / 2 };
  });
  const forward: Forward = (x) => {
    let h = x;
    params.forEach((p, i) => {
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [p.pad, p.pad], [p.pad, p.pad], [0, 0]];
      const y = tf.add(tf.conv2d(h, p.w as tf.Tensor4D, 1, pad), p.b) as tf.Tensor4D;
      h = i < params.length - 1 ? tf.relu(y) : y;
    });
    return h;
  };
  const variables = params.flatMap((p) => [p.w, p.b]);
  return { forward, variables, dispose: () => variables.forEach((v) => v.dispose()) };
}

export interface TorchTimes {
  threads: number;
  version: string;
  forward: Timing;
  train: Timing;
}

/**
 * The same block in PyTorch (float32, channels-first, SGD step of the same loss), timed by Debian's
 * /usr/bin/python3. Returns a reason string instead when PyTorch is not available.
 */
export function torchRefinementTimes(opts: { threads: number[]; size: number; batch: number; runs: number }): TorchTimes[] | string {
  const script = `
import json, sys, time, statistics
try:
    import torch
except Exception as e:
    print(json.dumps({"error": "torch not importable: %s" % e})); sys.exit(0)
cfg = json.loads(sys.argv[1])
layers, cin = [], ${REFINEMENT_BLOCK.inChannels}
for i, (k, f) in enumerate(${JSON.stringify(REFINEMENT_BLOCK.layers.map((l) => [l.kernel, l.filters]))}):
    layers.append(torch.nn.Conv2d(cin, f, k, padding=(k - 1) // 2))
    if i < ${REFINEMENT_BLOCK.layers.length - 1}:
        layers.append(torch.nn.ReLU())
    cin = f
net = torch.nn.Sequential(*layers)
x = torch.randn(cfg["batch"], ${REFINEMENT_BLOCK.inChannels}, cfg["size"], cfg["size"])
t = torch.randn(cfg["batch"], cin, cfg["size"], cfg["size"])
opt = torch.optim.SGD(net.parameters(), lr=1e-6)
def fwd():
    with torch.no_grad():
        net(x).sum().item()
def train():
    opt.zero_grad()
    loss = ((net(x) - t) ** 2).sum() / x.shape[0]
    loss.backward()
    opt.step()
    loss.item()
def timing(f):
    f()
    ts = []
    for _ in range(cfg["runs"]):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1000)
    return {"medianMs": statistics.median(ts), "minMs": min(ts), "runsMs": ts}
out = []
for n in cfg["threads"]:
    torch.set_num_threads(n)
    out.append({"threads": n, "forward": timing(fwd), "train": timing(train), "version": torch.__version__})
print(json.dumps(out))
`;
  try {
    const stdout = execFileSync("/usr/bin/python3", ["-c", script, JSON.stringify(opts)], { encoding: "utf8", timeout: 600_000 });
    const parsed = JSON.parse(stdout.trim().split("\n").pop() ?? "null") as TorchTimes[] | { error: string };
    return Array.isArray(parsed) ? parsed : parsed.error;
  } catch (e) {
    return `/usr/bin/python3 failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** Fixed-width text table; the first row is the header. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
