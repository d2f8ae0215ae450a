// One zoo model on one tfjs backend, in its own process (a wasm thread count is fixed per process):
// forward ms at batch 1, training-step ms at the given batch, and one profiled step (kernel time vs
// wall time). Prints one JSON object. Used by bench/all.ts.
//   node scripts/run-ts.mjs bench/tfjs-model.ts SPEC --backend wasm --threads 2 --batch 8 --runs 3
import * as tf from "@tensorflow/tfjs";
import { compile } from "../compiler/compile.js";
import { fileHost } from "../compiler/host.js";
import { isPoseIr } from "../core/ir/types.js";
import { initialWeights, modelParams } from "../core/params/index.js";
import { selectBackend } from "../runtime/backends/select.js";
import { buildModel } from "../runtime/model/build.js";
import { trainableParams, trainStep } from "../runtime/train/loop.js";
import { PoseOptimizer } from "../runtime/train/optimizer.js";
import { profileStep, timeIt } from "./kernels-lib.js";

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const spec = args[0];
const batch = Number(flag("batch", "1"));
const runs = Number(flag("runs", "3"));
const skipTrain = args.includes("--forward-only");
const report = await selectBackend({ prefer: flag("backend", "wasm") as "wasm", threads: Number(flag("threads", "2")) });
const ir = compile(spec, fileHost("models/std")).ir;
if (!ir || !isPoseIr(ir)) throw new Error(`${spec}: not a pose model`);
const { model, stages } = buildModel(ir, initialWeights(modelParams(ir), 1));
const [H, W] = [ir.input.height, ir.input.width];
const x1 = tf.randomNormal([1, H, W, 3], 0, 0.3, "float32", 1) as tf.Tensor4D;
const forward = await timeIt(() => {
  const ys = model.predict(x1) as tf.Tensor[];
  ys[ys.length - 1].dataSync();
  tf.dispose(ys);
}, { warmup: 1, runs });
let step: { medianMs: number; minMs: number } | null = null;
let profile: { wallMs: number; kernelMs: number } | null = null;
if (!skipTrain) {
  const params = trainableParams(model, ir);
  const optimizer = new PoseOptimizer(ir.train.optimizer, params);
  const out = model.outputs[model.outputs.length - 1].shape;
  const [h, w] = [out[1]!, out[2]!];
  const K = ir.keypoints.heatmapChannels;
  const P = ir.keypoints.pafChannels;
  const b = {
    step: 0,
    epoch: 0,
    indices: [],
    images: new Float32Array(batch * H * W * 3).map((_, i) => Math.sin(i) * 0.3),
    heatmaps: new Float32Array(batch * h * w * K).fill(0.1),
    pafs: new Float32Array(batch * h * w * P),
    masks: new Float32Array(batch * h * w).fill(1),
    shapes: { images: [batch, H, W, 3], heatmaps: [batch, h, w, K], pafs: [batch, h, w, P], masks: [batch, h, w, 1] },
  } as Parameters<typeof trainStep>[4];
  const one = () => void trainStep(model, stages, params, optimizer, b, ir, 1e-6);
  step = await timeIt(one, { warmup: 1, runs });
  const p = args.includes("--no-profile") ? null : await profileStep(one);
  // --kernels: where the step's time goes, largest first (on stderr; stdout stays one JSON object)
  if (p && args.includes("--kernels")) for (const k of p.byKernel.slice(0, 30)) console.error(`${k.name.padEnd(32)} ${k.ms.toFixed(1).padStart(8)} ms  ${String(k.calls).padStart(4)} calls`);
  // op-level entries (`name__op`) wrap kernels that are profiled themselves: count kernels once
  if (p) profile = { wallMs: p.wallMs, kernelMs: p.byKernel.filter((k) => !k.name.endsWith("__op")).reduce((s, k) => s + k.ms, 0) };
}
console.log(JSON.stringify({ backend: report.backend, threads: report.threads, batch, forwardMs: forward.medianMs, stepMs: step?.medianMs ?? null, profile }));
process.exit(0);
