// Checkpoints: tfjs's own format (model.json + weights.bin, loadable with tf.loadLayersModel once
// posec's runtime is imported for its two custom layers), plus optimizer.bin/json and state.json.
// A checkpoint is written into a temporary folder, every file fsynced, checksums recorded, then renamed
// into place, and only then does `latest` (itself replaced atomically) point at it: a kill at any moment
// leaves the previous checkpoint intact. The two most recent are kept.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Ir } from "../../compiler/ir/types.js";
import type { WeightSet } from "../../compiler/weights/index.js";
import { checkpointCandidates, listCheckpoints } from "./checkpoint-dir.js";
import { PosecError } from "../errors.js";
import { readCheckpointWeights, readVerified, recordedChecksums } from "../checkpoint/read.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { OptimizerState } from "./optimizer.js";

export interface TrainState {
  step: number;
  model: string;
  /** hash of the graph (ops, attributes, wiring; not source positions): a checkpoint fits one graph */
  graph: string;
  seed: number;
  backend: string;
  checksums: Record<string, string>;
  /** last logged losses, for the progress display after a resume */
  lastLoss: number | null;
}

const KEEP = 2;

export function graphHash(ir: Ir): string {
  const graph = JSON.stringify({ input: [ir.input.channels], nodes: ir.nodes.map((n) => [n.name, n.op, n.inputs, n.attrs]) });
  return createHash("sha256").update(graph).digest("hex").slice(0, 16);
}

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

function toBytes(parts: Float32Array[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
    off += p.byteLength;
  }
  return out;
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: OptimizerState, state: Omit<TrainState, "checksums">, ir: Ir): Promise<string> {
  const root = join(dir, "checkpoints");
  mkdirSync(root, { recursive: true });
  const name = `step-${String(state.step).padStart(7, "0")}`;
  const tmp = join(root, `${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" as const } })));
  const weightData = new Uint8Array(artifacts!.weightData as ArrayBuffer);
  const modelJson = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts!.modelTopology,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts!.weightSpecs }],
    userDefinedMetadata: { posec: { step: state.step, model: state.model } },
  };
  const slots = [...optimizer.slots];
  const optimizerBytes = toBytes(slots.map(([, v]) => v.data));
  const optimizerJson = { updates: optimizer.updates, slots: slots.map(([k, v]) => ({ name: k, shape: v.shape })) };
  writeFileAtomic(join(tmp, "model.json"), JSON.stringify(modelJson));
  writeFileAtomic(join(tmp, "weights.bin"), weightData);
  writeFileAtomic(join(tmp, "optimizer.json"), JSON.stringify(optimizerJson));
  writeFileAtomic(join(tmp, "optimizer.bin"), optimizerBytes);
  // the IR makes a checkpoint self-describing: `posec infer` and `posec export` need no spec
  const irText = JSON.stringify(ir, null, 2) + "\n";
  writeFileAtomic(join(tmp, "model.ir.json"), irText);
  const full: TrainState = { ...state, checksums: { "weights.bin": sha(weightData), "optimizer.bin": sha(optimizerBytes), "model.ir.json": sha(Buffer.from(irText, "utf8")) } };
  writeFileAtomic(join(tmp, "state.json"), JSON.stringify(full, null, 2) + "\n");
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileAtomic(join(root, "latest"), name + "\n");
  for (const old of listCheckpoints(root).slice(0, -KEEP)) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

/** Removes folders that a killed run left half-written (their names end in .tmp-<pid>). */
export function removeStaleTemporaries(runDir: string): number {
  const root = join(runDir, "checkpoints");
  if (!existsSync(root)) return 0;
  const stale = readdirSync(root).filter((f) => /\.tmp-\d+$/.test(f));
  for (const f of stale) rmSync(join(root, f), { recursive: true, force: true });
  return stale.length;
}


export interface LoadedCheckpoint {
  dir: string;
  state: TrainState;
  weights: WeightSet;
  optimizer: OptimizerState;
}

/** Reads one checkpoint folder for a resume, verifying its checksums; PosecError naming the file if anything is off. */
export function readCheckpoint(dir: string): LoadedCheckpoint {
  const file = (f: string) => join(dir, f);
  let state: TrainState;
  let optimizerJson: { updates: number; slots: { name: string; shape: number[] }[] };
  try {
    state = JSON.parse(readFileSync(file("state.json"), "utf8"));
    optimizerJson = JSON.parse(readFileSync(file("optimizer.json"), "utf8"));
  } catch (e) {
    throw new PosecError(`checkpoint ${dir} is unreadable: ${(e as Error).message}`, "PN5301", "resume from another checkpoint, or start again without --resume");
  }
  // the weights in posec's names and layouts, checked against their checksum (runtime/checkpoint/read.ts)
  const weights = readCheckpointWeights(dir);
  const checksums = recordedChecksums(dir);
  readVerified(dir, "model.ir.json", checksums);
  const optimizerBytes = readVerified(dir, "optimizer.bin", checksums);
  const odata = new Float32Array(optimizerBytes.buffer.slice(optimizerBytes.byteOffset, optimizerBytes.byteOffset + optimizerBytes.byteLength));
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  let off = 0;
  for (const s of optimizerJson.slots) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    slots.set(s.name, { shape: s.shape, data: odata.slice(off, off + n) });
    off += n;
  }
  return { dir, state, weights, optimizer: { updates: optimizerJson.updates, slots } };
}

/** The latest checkpoint under a run folder, or null when there is none. A corrupt latest falls back to the one before. */
export function latestCheckpoint(runDir: string, onWarning: (msg: string) => void = () => {}): LoadedCheckpoint | null {
  for (const dir of checkpointCandidates(runDir)) {
    try {
      return readCheckpoint(dir);
    } catch (e) {
      onWarning(`${(e as Error).message}; trying an older checkpoint`);
    }
  }
  return null;
}

/** A checkpoint must belong to the spec being trained. */
export function checkCompatible(ckpt: LoadedCheckpoint, ir: Ir): void {
  if (ckpt.state.graph !== graphHash(ir)) {
    throw new PosecError(
      `checkpoint ${ckpt.dir} was written for model \`${ckpt.state.model}\` with a different network than \`${ir.model.name}\``,
      "PN5302",
      "resume only with the spec it was trained from; start a new run with another --out folder",
    );
  }
}
