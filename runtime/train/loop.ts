// `posec train`: backend, data, model from the IR, the pose loss, the optimizer, checkpoints, logs.
// The step is written by hand (tfjs's compile()/fit() cannot weight losses per stage or mine hard
// joints): forward in training mode, poseLoss over every stage, gradients of the total, one optimizer
// update with per-parameter learning-rate multipliers.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { DataIR, PoseIr } from "../../compiler/ir/types.js";
import { inferShapes } from "../../compiler/shapes.js";
import { initialWeights, modelParams, type WeightSet } from "../../compiler/weights/index.js";
import { formatBackendReport, selectBackend, type BackendPreference, type BackendReport } from "../backends/select.js";
import { asWasmMemoryError } from "../backends/wasm-threads.js";
import { batches, openDataset, sampleConfigFromIr, type Batch } from "../data/index.js";
import { PosecError } from "../errors.js";
import { poseLoss } from "../losses/index.js";
import { buildModel, canonicalWeightName, setWeights, type BuiltModel } from "../model/build.js";
import { writeCurve } from "../render/curve.js";
import { writeFileAtomic } from "../util/atomic.js";
import { formatDuration, type Progress } from "../util/progress.js";
import { checkCompatible, graphHash, latestCheckpoint, removeStaleTemporaries, saveCheckpoint } from "./checkpoint.js";
import { listCheckpoints } from "./checkpoint-dir.js";
import { learningRate, paramPolicy, PoseOptimizer, type TrainableParam } from "./optimizer.js";

export interface TrainOptions {
  ir: PoseIr;
  /** run folder: checkpoints/, metrics.jsonl, loss.png */
  out: string;
  /** folder the spec's relative data paths are resolved against (the spec's folder) */
  baseDir: string;
  /** replaces the spec's `data` (e.g. --data DIR, or the synthetic set) */
  data?: DataIR;
  steps?: number;
  epochs?: number;
  batch?: number;
  seed?: number;
  lr?: number;
  resume: boolean;
  backend: BackendPreference;
  threads?: number;
  skipBad: boolean;
  /** worker threads for target generation, and the bundled worker script */
  dataWorkers?: number;
  workerScript?: string;
  progress: Progress;
  /** stop after this many seconds (a checkpoint is written first) */
  timeLimit?: number;
  /** builds the tfjs model (default: runtime/model/build.ts from the IR; generated programs pass their own) */
  buildModel?: (ir: PoseIr, weights: WeightSet) => BuiltModel;
}

export interface StepRecord {
  step: number;
  loss: number;
  stages: { stage: number; heatmap: number; paf: number }[];
  lr: number;
  imagesPerSec: number;
  seconds: number;
}

export interface TrainResult {
  steps: number;
  backend: BackendReport;
  history: StepRecord[];
  checkpoint: string;
  skipped: number;
}

/** The model's trainable variables with their canonical names, parts and learning-rate policies. */
export function trainableParams(model: tf.LayersModel, ir: PoseIr): TrainableParam[] {
  const parts = new Map(ir.nodes.map((n) => [n.name, n.part]));
  return model.trainableWeights.map((lv) => {
    const name = canonicalWeightName(lv.originalName);
    const layer = name.slice(0, name.lastIndexOf("/"));
    const info = { name, part: parts.get(layer) ?? "backbone" };
    return { ...info, variable: lv.read() as tf.Variable, ...paramPolicy(info, ir.train.lrMult) };
  });
}

function readHistory(path: string, upTo: number): StepRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as StepRecord];
      } catch {
        return [];
      }
    })
    .filter((r) => r.step <= upTo);
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const { ir, progress } = o;
  // A fresh run in a used folder would prune the old run's checkpoints and truncate its metrics.
  if (!o.resume && listCheckpoints(join(o.out, "checkpoints")).length > 0) {
    throw new PosecError(`${o.out} already holds a run's checkpoints`, "PN5303", "pass --resume to continue that run, or --out another folder for a new one");
  }
  const backend = await selectBackend({ prefer: o.backend, threads: o.threads });
  progress.line(formatBackendReport(backend));
  mkdirSync(o.out, { recursive: true });

  // Resume (and check the checkpoint fits the spec) before any data is read or generated.
  const stale = removeStaleTemporaries(o.out);
  if (stale) progress.line(`removed ${stale} half-written checkpoint folder(s) left by an interrupted run`);
  const resumed = o.resume ? latestCheckpoint(o.out, (w) => progress.line(`warning: ${w}`)) : null;
  if (o.resume && !resumed) progress.line(`no checkpoint in ${o.out}: starting from step 0`);
  if (resumed) checkCompatible(resumed, ir);

  const data = o.data ?? ir.train.data;
  const dataset = await openDataset(data, ir.keypoints, {
    baseDir: o.baseDir,
    skipBad: o.skipBad,
    onSynthProgress: (done, total) => progress.update(done, total, `generating the synthetic dataset: ${done}/${total} images`),
  });
  progress.line(`data: ${dataset.samples.length} training samples from ${dataset.images.length} images (${data.kind === "synth" ? "built-in synthetic set" : dataset.annotationsFile})`);

  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report!;
  const [gridH, gridW] = shapes.outputs.heatmaps;
  const config = sampleConfigFromIr(ir, { gridHeight: gridH, gridWidth: gridW });
  const batchSize = o.batch ?? ir.train.batch;
  const seed = o.seed ?? ir.train.seed;

  const { model, stages } = (o.buildModel ?? buildModel)(ir, resumed?.weights ?? initialWeights(modelParams(ir), seed));
  const params = trainableParams(model, ir);
  const optimizer = new PoseOptimizer(o.lr ? { ...ir.train.optimizer, lr: o.lr } : ir.train.optimizer, params);
  if (resumed) optimizer.setState(resumed.optimizer);
  const startStep = resumed?.state.step ?? 0;

  const stream = batches({ dataset, config, batchSize, seed, steps: o.steps ?? (o.epochs ? null : ir.train.steps), epochs: o.epochs ?? (o.steps ? null : ir.train.epochs), startStep, skipBad: o.skipBad, workers: o.dataWorkers, workerScript: o.workerScript });
  const totalSteps = o.steps ?? (o.epochs ?? ir.train.epochs ? (o.epochs ?? ir.train.epochs!) * stream.batchesPerEpoch : ir.train.steps!);
  const metricsPath = join(o.out, "metrics.jsonl");
  const history = readHistory(metricsPath, startStep);
  writeFileAtomic(metricsPath, history.map((r) => JSON.stringify(r) + "\n").join(""));
  if (resumed) progress.line(`resuming from ${resumed.dir} (step ${startStep})`);

  const save = async (step: number) =>
    saveCheckpoint(o.out, model, optimizer.getState(), { step, model: ir.model.name, graph: graphHash(ir), seed, backend: backend.backend, lastLoss: history.at(-1)?.loss ?? null }, ir);
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = true;
    progress.line("interrupted: finishing this step and writing a checkpoint (press Ctrl-C again to quit at once)");
  };
  process.on("SIGINT", onSignal);
  const started = Date.now();
  let step = startStep;
  let lastCheckpoint = resumed?.dir ?? "";
  const base = o.lr ?? ir.train.optimizer.lr;
  try {
    for await (const batch of stream) {
      const t0 = performance.now();
      const lr = learningRate(base, ir.train.schedule, ir.train.warmup, batch.step, totalSteps);
      const losses = trainStep(model, stages, params, optimizer, batch, ir, lr);
      step = batch.step + 1;
      const seconds = (performance.now() - t0) / 1000;
      const record: StepRecord = { step, loss: losses.total, stages: losses.stages, lr, imagesPerSec: batchSize / seconds, seconds };
      if (!Number.isFinite(losses.total)) {
        throw new PosecError(
          `the loss became ${losses.total} at step ${step}`,
          "PN5401",
          `the last good checkpoint is ${lastCheckpoint || "none (the run never reached one)"}; lower the learning rate (--lr) and resume with --resume`,
        );
      }
      history.push(record);
      appendFileSync(metricsPath, JSON.stringify(record) + "\n");
      const eta = ((Date.now() - started) / 1000 / (step - startStep)) * (totalSteps - step);
      const last = losses.stages[losses.stages.length - 1];
      progress.update(
        step,
        totalSteps,
        `step ${step}/${totalSteps}  loss ${losses.total.toFixed(3)}  last stage hm ${last.heatmap.toFixed(3)} paf ${last.paf.toFixed(3)}  lr ${lr.toExponential(2)}  ${record.imagesPerSec.toFixed(1)} img/s  ETA ${formatDuration(eta)}`,
      );
      const timeUp = o.timeLimit !== undefined && (Date.now() - started) / 1000 > o.timeLimit;
      if (step % ir.train.checkpointEvery === 0 || step === totalSteps || stop || timeUp) {
        lastCheckpoint = await save(step);
        await writeCurve(join(o.out, "loss.png"), curveSeries(history), `${ir.model.name}: training loss`);
      }
      if (stop || timeUp) break;
    }
  } catch (e) {
    throw asWasmMemoryError(e) ?? e;
  } finally {
    process.removeListener("SIGINT", onSignal);
    await stream.close();
  }
  if (step > startStep && !lastCheckpoint.endsWith(`step-${String(step).padStart(7, "0")}`)) lastCheckpoint = await save(step);
  progress.finish(`trained ${step - startStep} steps in ${formatDuration((Date.now() - started) / 1000)}; checkpoint ${lastCheckpoint}`);
  const result: TrainResult = { steps: step, backend, history, checkpoint: lastCheckpoint, skipped: stream.skipped.length };
  model.dispose();
  optimizer.dispose();
  return result;
}

function curveSeries(history: StepRecord[]) {
  const window = Math.max(1, Math.round(history.length / 20));
  return [
    { label: "total", points: history.map((r) => ({ step: r.step, value: r.loss })), color: [180, 180, 180] as [number, number, number] },
    { label: `total, mean of ${window}`, points: history.map((r) => ({ step: r.step, value: r.loss })), color: [20, 60, 200] as [number, number, number], smooth: window },
  ];
}

/** One optimisation step; returns the losses as numbers. */
export function trainStep(
  model: tf.LayersModel,
  stages: { stage: number; pafs: number; heatmaps: number }[],
  params: TrainableParam[],
  optimizer: PoseOptimizer,
  batch: Batch,
  ir: PoseIr,
  lr: number,
): { total: number; stages: { stage: number; heatmap: number; paf: number }[] } {
  const kept: tf.Tensor[] = [];
  const result = tf.tidy(() => {
    const x = tf.tensor4d(batch.images, batch.shapes.images);
    const targets = {
      heatmaps: tf.tensor4d(batch.heatmaps, batch.shapes.heatmaps),
      pafs: tf.tensor4d(batch.pafs, batch.shapes.pafs),
      mask: tf.tensor4d(batch.masks, batch.shapes.masks),
    };
    const { value, grads } = tf.variableGrads(() => {
      const outs = model.apply(x, { training: true }) as tf.Tensor4D[];
      const loss = poseLoss(stages.map((s) => ({ pafs: outs[s.pafs], heatmaps: outs[s.heatmaps] })), targets, ir.loss, ir.keypoints);
      for (const s of loss.perStage) kept.push(tf.keep(s.heatmap), tf.keep(s.paf));
      return loss.total;
    }, params.map((p) => p.variable));
    const byName = new Map(params.map((p) => [p.name, grads[p.variable.name]]));
    optimizer.apply(byName, lr);
    // one read-back for all the losses: each dataSync waits for the device (a GPU backend)
    return tf.stack([value, ...kept]).dataSync();
  });
  tf.dispose(kept);
  return { total: result[0], stages: stages.map((s, i) => ({ stage: s.stage, heatmap: result[1 + 2 * i], paf: result[2 + 2 * i] })) };
}

export { setWeights };
