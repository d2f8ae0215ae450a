// The weights a fresh training run starts from: the spec's weight sources (`init from "FILE"`, the
// backbone's `weights="FILE"`, lowered to Ir.weightSources) or `posec train --init-from FILE`, each mapped by
// name (runtime/weights/load.ts), over the spec's own seeded initialisation. Unlike `--resume`, only the
// weights are taken: the optimizer state and the schedule start at step 0.
//   - a backbone source sets only the backbone's layers; a tensor of the file that maps onto another
//     layer is ignored, with the reason;
//   - sources apply in order (the backbone's, then the whole model's), a later one winning;
//   - every layer no source sets keeps the seeded initialisation `posec train` gives it without weights.
// Each load's report is printed and saved as the run folder's weights-report.json.
import { join } from "node:path";
import type { Ir, WeightSourceIR } from "../../core/ir/types.js";
import { initialWeights, modelParams, type WeightSet } from "../../core/params/index.js";
import { PosecError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { matchFile } from "./load.js";
import { assembleWeights, WEIGHTS_MISMATCH } from "./map.js";
import type { LoadReport } from "./report.js";

/** One source's load, as saved in weights-report.json. */
export interface SourceLoad {
  path: string;
  scope: WeightSourceIR["scope"];
  /** where the spec names it (file:line:col), or `--init-from` */
  from: string;
  report: LoadReport;
}

export const WEIGHTS_REPORT = "weights-report.json";
const INIT_FROM_FLAG = "--init-from";

function where(src: WeightSourceIR): string {
  return src.span.file === INIT_FROM_FLAG ? INIT_FROM_FLAG : `${src.span.file}:${src.span.line}:${src.span.col}`;
}

/** One source mapped onto `ir`: its report, and the tensors it loaded (only those). */
async function loadSource(ir: Ir, src: WeightSourceIR, seed: number): Promise<{ loaded: WeightSet; load: SourceLoad }> {
  const match = await matchFile(src.path, ir, src.path);
  if (src.scope === "backbone") {
    // the backbone's `weights=` may set the backbone's layers only: the rest of the file is ignored
    const allowed = new Set(src.nodes);
    for (const [node, source] of [...match.nodes]) {
      if (allowed.has(node)) continue;
      for (const t of Object.values(source.tensors)) if (t) match.ignored.push({ key: t.key, shape: t.shape, reason: `maps to \`${node}\`, which is not a backbone layer (the file is the backbone's weights=, ${where(src)})` });
      match.nodes.delete(node);
    }
  }
  const { weights, report } = assembleWeights(ir, match, src.path, seed);
  if (src.scope === "backbone") {
    for (const e of report.entries) if (e.status === "fresh" && e.tensor && !src.nodes.includes(e.tensor.slice(0, e.tensor.lastIndexOf("/")))) e.reason = "not a backbone layer: initialised as the spec says";
  }
  if (report.counts.loaded === 0) {
    throw new PosecError(`${src.path} (${where(src)}) holds no tensor of ${src.scope === "backbone" ? `the backbone of ${ir.model.name}` : ir.model.name} (${report.counts.ignored} tensors, none named like one of its layers)`, WEIGHTS_MISMATCH, "see the naming conventions in `posec import --help`");
  }
  const loaded: WeightSet = new Map();
  for (const e of report.entries) if (e.status === "loaded" && e.tensor) loaded.set(e.tensor, weights.get(e.tensor)!);
  return { loaded, load: { path: src.path, scope: src.scope, from: where(src), report } };
}

/**
 * The starting weights for `ir`: its seeded initialisation with each source's tensors laid over it.
 * `print` gets each load's summary; the reports are written to `out`/weights-report.json.
 */
export async function startingWeights(ir: Ir, sources: WeightSourceIR[], seed: number, out: string, print: (text: string) => void): Promise<{ weights: WeightSet; loads: SourceLoad[] }> {
  const weights = initialWeights(modelParams(ir), seed);
  const loads: SourceLoad[] = [];
  const { summariseReport } = await import("./report.js");
  for (const src of sources) {
    const { loaded, load } = await loadSource(ir, src, seed);
    for (const [name, t] of loaded) weights.set(name, t);
    loads.push(load);
    print(`weights from ${load.from}: ${summariseReport(load.report)}`);
  }
  writeFileAtomic(join(out, WEIGHTS_REPORT), JSON.stringify({ model: ir.model.name, seed, sources: loads }, null, 2) + "\n");
  return { weights, loads };
}

/** `posec train --init-from FILE`: one whole-model source, in place of the spec's. */
export function initFromFlag(path: string): WeightSourceIR {
  return { path, scope: "model", nodes: [], span: { file: INIT_FROM_FLAG, line: 1, col: 1, endLine: 1, endCol: 1 } };
}
