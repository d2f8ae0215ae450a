// Checkpoints: tfjs's own format (model.json + weights.bin, loadable with tf.loadLayersModel once
// posec's runtime is imported for its two custom layers), plus optimizer.bin/json and state.json.
// A checkpoint is written into a temporary folder, every file fsynced, checksums recorded, then renamed
// into place, and only then does `latest` (itself replaced atomically) point at it: a kill at any moment
// leaves the previous checkpoint intact. The two most recent are kept.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { Ir } from "../../core/ir/types.js";
import { listCheckpoints } from "./checkpoint-dir.js";
import { stateJsonText } from "../checkpoint/read.js";
import type { TrainState } from "./checkpoint-read.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { OptimizerState } from "./optimizer.js";

const KEEP = 2;

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
  const modelText = JSON.stringify(modelJson);
  const optimizerText = JSON.stringify(optimizerJson);
  writeFileAtomic(join(tmp, "model.json"), modelText);
  writeFileAtomic(join(tmp, "weights.bin"), weightData);
  writeFileAtomic(join(tmp, "optimizer.json"), optimizerText);
  writeFileAtomic(join(tmp, "optimizer.bin"), optimizerBytes);
  // the IR makes a checkpoint self-describing: `posec infer` and `posec export` need no spec
  const irText = JSON.stringify(ir, null, 2) + "\n";
  writeFileAtomic(join(tmp, "model.ir.json"), irText);
  const text = (t: string) => sha(Buffer.from(t, "utf8"));
  const checksums = { "weights.bin": sha(weightData), "optimizer.bin": sha(optimizerBytes), "model.ir.json": text(irText), "model.json": text(modelText), "optimizer.json": text(optimizerText) };
  // state.json checksums itself too (its `sha256` covers the rest), so an edited step is refused
  writeFileAtomic(join(tmp, "state.json"), stateJsonText({ ...state, checksums }));
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

// reading back lives in checkpoint-read.ts (no tfjs); re-exported for the callers of this module
export { checkCompatible, graphHash, latestCheckpoint, readCheckpoint, type LoadedCheckpoint, type TrainState } from "./checkpoint-read.js";
