// An imported weight set written as a posec checkpoint: the trainer's own format (runtime/checkpoint/
// write.ts, so one definition of it), at step 0 with an empty optimizer state, so that
// `train --resume` starts from these weights with a fresh optimizer and schedule. The load report goes
// beside it, as the run folder's import-report.json.
import { join } from "node:path";
import type { Ir } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { LoadReport } from "../weights/report.js";

/** Writes `out`/checkpoints/step-0000000 and `out`/import-report.json; returns the checkpoint folder. */
export async function writeImportedCheckpoint(out: string, ir: Ir, weights: WeightSet, seed: number, report: LoadReport): Promise<string> {
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const { buildModel } = await import("../model/build.js");
  const { graphHash, saveCheckpoint } = await import("./write.js");
  const { model } = buildModel(ir, weights);
  try {
    const reportText = JSON.stringify(report, null, 2) + "\n";
    writeFileAtomic(join(out, "import-report.json"), reportText);
    return await saveCheckpoint(out, model, { updates: 0, slots: new Map() }, { step: 0, model: ir.model.name, graph: graphHash(ir), seed, backend: "cpu", lastLoss: null }, ir);
  } finally {
    model.dispose();
  }
}
