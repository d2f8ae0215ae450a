// `posec train`: backend, data, model from the IR, the pose loss, the optimizer, checkpoints, logs.
// The step is written by hand (tfjs's compile()/fit() cannot weight losses per stage or mine hard
// joints): forward in training mode, poseLoss over every stage, gradients of the total, one optimizer
// update with per-parameter learning-rate multipliers.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { DataIR, PoseIr } from "../../core/ir/types.js";
import { initialWeights, modelParams, type WeightSet } from "../../core/params/index.js";
import { formatBackendReport, selectBackend, type BackendPreference, type BackendReport } from "../backends/select.js";
import { asWasmMemoryError } from "../backends/wasm-threads.js";
import { batches, openDataset, sampleConfigFromIr, type Batch } from "../data/index.js";
import { datasetChannelWeights } from "../data/joints.js";
import { PosecError } from "../errors.js";
import { poseLoss } from "../losses/index.js";
import { buildModel, canonicalWeightName, setWeights, type BuiltModel } from "../model/build.js";
import { lossSeries, writeCurve } from "../render/curve.js";
import { writeFileAtomic } from "../util/atomic.js";
import { prepareRunFolder } from "../util/run-folder.js";
import { synthCacheDir } from "../data/choose.js";
import { capWorkers, checkTrainBatch, clampBatch } from "./batch-limit.js";
import { formatDuration, type Progress } from "../util/progress.js";
import { checkCompatible, graphHash, latestCheckpoint, removeStaleTemporaries, saveCheckpoint } from "../checkpoint/write.js";
import { listCheckpoints } from "../checkpoint/folder.js";
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
  /** write into a non-empty folder that is not a posec run (runtime/util/run-folder.ts) */
  force?: boolean;
  /**
   * the weights a run that does not resume starts from, given the seed (runtime/weights/start.ts: the
   * spec's weight sources or --init-from); default: the spec's seeded initialisation
   */
  startWeights?: (seed: number) => Promise<WeightSet>;
}

/** One stage's branch losses in a step; null for a branch the stage does not produce. */
export interface StageLossRecord {
  stage: number;
  heatmap: number | null;
  paf: number | null;
}

export interface StepRecord {
  step: number;
  loss: number;
  stages: StageLossRecord[];
  lr: number;
  imagesPerSec: number;
  seconds: number;
  /** bad samples skipped so far (--skip-bad); absent while none */
  skipped?: number;
}

export interface TrainResult {
  steps: number;
  backend: BackendReport;
  history: StepRecord[];
  checkpoint: string;
  skipped: number;
  /** stopped by Ctrl-C (after writing a checkpoint): the CLI exits 130 */
  interrupted: "SIGINT" | null;
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

/**
 * Trains in the run folder `o.out`, which is checked, marked and locked first (one writer per run
 * folder: runtime/util/run-folder.ts); the lock is released when training ends, however it ends.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const data = o.data ?? o.ir.train.data;
  const dataDirs = [data.kind === "coco" ? resolve(o.baseDir, data.root) : synthCacheDir(data)].filter((d): d is string => !!d);
  checkTrainBatch(o.ir, o.batch ?? o.ir.train.batch);
  const lock = prepareRunFolder({ out: o.out, model: o.ir.model.name, dataDirs, force: !!o.force, command: `posec train ${o.ir.model.name}`, onWarning: (w) => o.progress.line(`warning: ${w}`) });
  try {
    return await trainInFolder({ ...o, dataWorkers: capWorkers(o.dataWorkers, (w) => o.progress.line(w)) });
  } finally {
    lock.release();
  }
}

async function trainInFolder(o: TrainOptions): Promise<TrainResult> {
  const { ir, progress } = o;
  // A fresh run in a used folder would prune the old run's checkpoints and truncate its metrics.
  if (!o.resume && listCheckpoints(join(o.out, "checkpoints")).length > 0) {
    throw new PosecError(`${o.out} already holds a run's checkpoints`, "PN5303", "pass --resume to continue that run, or --out another folder for a new one");
  }
  mkdirSync(o.out, { recursive: true });

  // Resume (and check the checkpoint fits the spec) before the backend starts and any data is read or generated.
  const stale = removeStaleTemporaries(o.out);
  if (stale) progress.line(`removed ${stale} half-written checkpoint folder(s) left by an interrupted run`);
  const resumed = o.resume ? latestCheckpoint(o.out, (w) => progress.line(`warning: ${w}`)) : null;
  if (o.resume && !resumed) progress.line(`no checkpoint in ${o.out}: starting from step 0`);
  if (resumed) checkCompatible(resumed, ir);
  const backend = await selectBackend({ prefer: o.backend, threads: o.threads });
  progress.line(formatBackendReport(backend));

  const data = o.data ?? ir.train.data;
  const dataset = await openDataset(data, ir.keypoints, {
    baseDir: o.baseDir,
    skipBad: o.skipBad,
    onSynthProgress: (done, total) => progress.update(done, total, `generating the synthetic dataset: ${done}/${total} images`),
  });
  progress.line(`data: ${dataset.samples.length} training samples from ${dataset.images.length} images (${data.kind === "synth" ? "built-in synthetic set" : dataset.annotationsFile})`);
  // what --skip-bad dropped while reading the annotations, each named (the batches name their own below)
  for (const bad of dataset.skipped) progress.line(`skipped ${bad.file} (--skip-bad): ${bad.reason}`);
  if (dataset.skipped.length) progress.line(`skipped ${dataset.skipped.length} bad annotation entr${dataset.skipped.length === 1 ? "y" : "ies"} while reading the data (--skip-bad)`);

  const config = sampleConfigFromIr(ir);
  const batchSize = clampBatch(o.batch ?? ir.train.batch, dataset.samples.length, (w) => progress.line(w));
  const seed = o.seed ?? ir.train.seed;

  const start = resumed?.weights ?? (o.startWeights ? await o.startWeights(seed) : initialWeights(modelParams(ir), seed));
  const { model, stages } = (o.buildModel ?? buildModel)(ir, start);
  const params = trainableParams(model, ir);
  const optimizer = new PoseOptimizer(o.lr ? { ...ir.train.optimizer, lr: o.lr } : ir.train.optimizer, params);
  if (resumed) optimizer.setState(resumed.optimizer);
  const startStep = resumed?.state.step ?? 0;

  const onBad = (bad: { file: string; reason: string }) => progress.line(`skipped ${bad.file} (--skip-bad): ${bad.reason}`);
  const stream = batches({ dataset, config, batchSize, seed, steps: o.steps ?? (o.epochs ? null : ir.train.steps), epochs: o.epochs ?? (o.steps ? null : ir.train.epochs), startStep, skipBad: o.skipBad, onBad, workers: o.dataWorkers, workerScript: o.workerScript });
  const totalSteps = o.steps ?? (o.epochs ?? ir.train.epochs ? (o.epochs ?? ir.train.epochs!) * stream.batchesPerEpoch : ir.train.steps!);
  const metricsPath = join(o.out, "metrics.jsonl");
  const history = readHistory(metricsPath, startStep);
  writeFileAtomic(metricsPath, history.map((r) => JSON.stringify(r) + "\n").join(""));
  if (resumed) progress.line(`resuming from ${resumed.dir} (step ${startStep})`);

  const save = async (step: number) =>
    saveCheckpoint(o.out, model, optimizer.getState(), { step, model: ir.model.name, graph: graphHash(ir), seed, backend: backend.backend, lastLoss: history.at(-1)?.loss ?? null }, ir);
  // Ctrl-C finishes the step and checkpoints (the CLI then exits 130); SIGTERM keeps its default (at
  // once: tools that send it, like timeouts, expect the process gone, and the last checkpoint is whole)
  let stop: "SIGINT" | null = null;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = "SIGINT";
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
      const record: StepRecord = { step, loss: losses.total, stages: losses.stages, lr, imagesPerSec: batchSize / seconds, seconds, ...(stream.skipped.length ? { skipped: stream.skipped.length } : {}) };
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
      const branch = (v: number | null) => (v === null ? "-" : v.toFixed(3));
      progress.update(
        step,
        totalSteps,
        `step ${step}/${totalSteps}  loss ${losses.total.toFixed(3)}  last stage hm ${branch(last.heatmap)} paf ${branch(last.paf)}  lr ${lr.toExponential(2)}  ${record.imagesPerSec.toFixed(1)} img/s  ETA ${formatDuration(eta)}`,
      );
      const timeUp = o.timeLimit !== undefined && (Date.now() - started) / 1000 > o.timeLimit;
      if (step % ir.train.checkpointEvery === 0 || step === totalSteps || stop || timeUp) {
        lastCheckpoint = await save(step);
        await writeCurve(join(o.out, "loss.png"), lossSeries(history), `${ir.model.name}: training loss`);
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
  if (stream.skipped.length) {
    const files = [...new Set(stream.skipped.map((b) => b.file))];
    progress.line(`skipped ${stream.skipped.length} bad sample(s) from ${files.length} image(s) (--skip-bad): ${files.join(", ")}`);
  }
  const result: TrainResult = { steps: step, backend, history, checkpoint: lastCheckpoint, skipped: stream.skipped.length, interrupted: stop };
  model.dispose();
  optimizer.dispose();
  return result;
}

/**
 * One optimisation step; returns the losses as numbers. `stages` gives each stage's output indices in the
 * model's outputs (null: the stage does not produce that branch, and its loss is reported as null).
 */
export function trainStep(
  model: tf.LayersModel,
  stages: { stage: number; pafs: number | null; heatmaps: number | null }[],
  params: TrainableParam[],
  optimizer: PoseOptimizer,
  batch: Batch,
  ir: PoseIr,
  lr: number,
): { total: number; stages: StageLossRecord[] } {
  const kept: tf.Tensor[] = [];
  const channelWeights = datasetChannelWeights(ir.keypoints);
  const hasPafs = ir.keypoints.pafChannels > 0;
  const result = tf.tidy(() => {
    const x = tf.tensor4d(batch.images, batch.shapes.images);
    const targets = {
      heatmaps: tf.tensor4d(batch.heatmaps, batch.shapes.heatmaps),
      pafs: hasPafs ? tf.tensor4d(batch.pafs, batch.shapes.pafs) : null,
      mask: tf.tensor4d(batch.masks, batch.shapes.masks),
      channelWeights: channelWeights && { heatmaps: tf.tensor1d(channelWeights.heatmaps), pafs: hasPafs ? tf.tensor1d(channelWeights.pafs) : null },
    };
    const { value, grads } = tf.variableGrads(() => {
      const outs = model.apply(x, { training: true }) as tf.Tensor4D[];
      const pick = (i: number | null) => (i === null ? null : outs[i]);
      const loss = poseLoss(stages.map((s) => ({ pafs: pick(s.pafs), heatmaps: pick(s.heatmaps) })), targets, ir.loss, ir.keypoints);
      for (const s of loss.perStage) kept.push(tf.keep(s.heatmap), tf.keep(s.paf));
      return loss.total;
    }, params.map((p) => p.variable));
    const byName = new Map(params.map((p) => [p.name, grads[p.variable.name]]));
    optimizer.apply(byName, lr);
    // one read-back for all the losses: each dataSync waits for the device (a GPU backend)
    return tf.stack([value, ...kept]).dataSync();
  });
  tf.dispose(kept);
  return {
    total: result[0],
    stages: stages.map((s, i) => ({ stage: s.stage, heatmap: s.heatmaps === null ? null : result[1 + 2 * i], paf: s.pafs === null ? null : result[2 + 2 * i] })),
  };
}

export { setWeights };
