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
import { listCheckpoints } from "./folder.js";
import { stateJsonText } from "./read.js";
import type { TrainState } from "./resume.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { OptimizerState } from "../train/optimizer.js";

const KEEP = 2;

const sha = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * Writes the values of `items` one after the other as the file `path` (atomically), each fetched only
 * when it is due (a wasm tensor's values are a copy out of the wasm heap: never all held at once) and
 * hashed as it goes out; returns the file's SHA-256. A .bin file is never joined into one buffer.
 */
function writeValues<T>(path: string, items: readonly T[], valuesOf: (item: T) => ArrayBufferView): string {
  const hash = createHash("sha256");
  function* parts(): Generator<Uint8Array> {
    for (const item of items) {
      const a = valuesOf(item);
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      hash.update(bytes);
      yield bytes;
    }
  }
  writeFileAtomic(path, parts());
  return hash.digest("hex");
}

export async function saveCheckpoint(dir: string, model: tf.LayersModel, optimizer: OptimizerState, state: Omit<TrainState, "checksums">, ir: Ir): Promise<string> {
  const root = join(dir, "checkpoints");
  mkdirSync(root, { recursive: true });
  const name = `step-${String(state.step).padStart(7, "0")}`;
  const tmp = join(root, `${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  // what model.save would write (its topology, each weight's original name and shape, the values in that
  // order), without its one buffer of all weights: each variable's values are written as they are
  const variables = model.weights;
  const weightSpecs = variables.map((v) => ({ name: v.originalName, shape: [...(v.shape as number[])], dtype: v.dtype }));
  const modelJson = {
    format: "layers-model",
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: model.toJSON(null, false),
    weightsManifest: [{ paths: ["weights.bin"], weights: weightSpecs }],
    userDefinedMetadata: { posec: { step: state.step, model: state.model } },
  };
  const slots = [...optimizer.slots];
  const optimizerJson = { updates: optimizer.updates, slots: slots.map(([k, v]) => ({ name: k, shape: v.shape })) };
  const modelText = JSON.stringify(modelJson);
  const optimizerText = JSON.stringify(optimizerJson);
  writeFileAtomic(join(tmp, "model.json"), modelText);
  const weightsSha = writeValues(join(tmp, "weights.bin"), variables, (v) => v.read().dataSync() as Float32Array | Int32Array);
  writeFileAtomic(join(tmp, "optimizer.json"), optimizerText);
  const optimizerSha = writeValues(join(tmp, "optimizer.bin"), slots, ([, v]) => v.data);
  // the IR makes a checkpoint self-describing: `posec infer` and `posec export` need no spec
  const irText = JSON.stringify(ir, null, 2) + "\n";
  writeFileAtomic(join(tmp, "model.ir.json"), irText);
  const text = (t: string) => sha(Buffer.from(t, "utf8"));
  const checksums = { "weights.bin": weightsSha, "optimizer.bin": optimizerSha, "model.ir.json": text(irText), "model.json": text(modelText), "optimizer.json": text(optimizerText) };
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

// reading back lives in resume.ts (no tfjs); re-exported for the callers of this module
export { checkCompatible, graphHash, latestCheckpoint, readCheckpoint, type LoadedCheckpoint, type TrainState } from "./resume.js";
