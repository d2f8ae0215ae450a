// Reading checkpoints back for a resume, verified (every file against the checksums in state.json,
// state.json against its own), and the graph hash that ties a checkpoint to one network. Free of tfjs,
// so that `posec train --resume` can refuse a damaged run folder before the backend is loaded.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Ir } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { readCheckpointWeights, readState, readVerified, recordedChecksums } from "./read.js";
import { PosecError } from "../errors.js";
import { checkpointCandidates } from "./folder.js";
import type { OptimizerState } from "../train/optimizer.js";

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

export function graphHash(ir: Ir): string {
  const graph = JSON.stringify({ input: [ir.input.channels], nodes: ir.nodes.map((n) => [n.name, n.op, n.inputs, n.attrs]) });
  return createHash("sha256").update(graph).digest("hex").slice(0, 16);
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
  // state.json (verified against its own checksum) must exist: it is what makes a folder a resumable checkpoint
  const state = readState(dir, { required: true }) as unknown as TrainState;
  if (!(Number.isInteger(state.step) && state.step >= 0) || typeof state.graph !== "string") {
    throw new PosecError(`${file("state.json")}: no step or graph hash recorded`, "PN5301", "the checkpoint was damaged; resume from another one");
  }
  const checksums = recordedChecksums(dir);
  let optimizerJson: { updates: number; slots: { name: string; shape: number[] }[] };
  try {
    optimizerJson = JSON.parse(readVerified(dir, "optimizer.json", checksums).toString("utf8"));
  } catch (e) {
    if (e instanceof PosecError) throw e;
    throw new PosecError(`${file("optimizer.json")}: not valid JSON (${(e as Error).message})`, "PN5301", "the checkpoint was damaged; resume from another one");
  }
  // the weights in posec's names and layouts, checked against their checksum (runtime/checkpoint/read.ts)
  const weights = readCheckpointWeights(dir);
  readVerified(dir, "model.ir.json", checksums);
  const optimizerBytes = readVerified(dir, "optimizer.bin", checksums);
  const needed = 4 * (optimizerJson.slots ?? []).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
  if (optimizerBytes.byteLength !== needed) {
    throw new PosecError(`${file("optimizer.bin")}: holds ${optimizerBytes.byteLength} bytes, but ${file("optimizer.json")} lists ${needed}`, "PN5301", "the checkpoint was damaged; resume from another one");
  }
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

/**
 * The latest checkpoint under a run folder, or null when there is none. A damaged latest falls back to
 * the one before (with a warning); when every checkpoint folder is damaged, PN5301 lists each one's
 * problem: resuming must never silently start over (and rewrite metrics.jsonl).
 */
export function latestCheckpoint(runDir: string, onWarning: (msg: string) => void = () => {}): LoadedCheckpoint | null {
  const problems: string[] = [];
  for (const dir of checkpointCandidates(runDir)) {
    try {
      const ckpt = readCheckpoint(dir);
      for (const p of problems) onWarning(`${p}; resumed from an older checkpoint`);
      return ckpt;
    } catch (e) {
      if (!(e instanceof PosecError)) throw e;
      problems.push(`${dir}: ${e.message}`);
    }
  }
  if (problems.length > 0) {
    throw new PosecError(
      `no readable checkpoint in ${runDir}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      "PN5301",
      "restore a checkpoint from a backup, or start a new run in another --out folder (without --resume)",
    );
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
