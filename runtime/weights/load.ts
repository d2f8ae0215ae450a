// One entry point for foreign weights: a file's format is recognised from its content (a zip archive is
// torch.save's format, a folder is a posec checkpoint, anything else is read as a caffemodel), mapped
// onto the spec by name, and returned with its load report.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { Ir } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { PosecError } from "../errors.js";
import { readCaffeModel } from "./caffe.js";
import { assembleWeights, type SourceMatch } from "./map.js";
import { matchCaffe } from "./map-caffe.js";
import { matchTorch } from "./map-torchvision.js";
import type { LoadReport } from "./report.js";
import { WEIGHTS_UNREADABLE } from "./wire.js";

export type WeightsFormat = "caffe" | "torch" | "posec";

export function detectFormat(path: string): WeightsFormat {
  if (!existsSync(path)) throw new PosecError(`${path}: no such file or folder`, WEIGHTS_UNREADABLE, "give a .caffemodel, a PyTorch .pth/.pt state dict, or a posec checkpoint folder");
  if (statSync(path).isDirectory()) return "posec";
  const head = Buffer.alloc(4);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32LE(0) === 0x04034b50) return "torch";
  if (/\.onnx$/i.test(path)) {
    throw new PosecError(`${path}: ONNX files are not a weights source for import`, WEIGHTS_UNREADABLE, "import the caffemodel, state dict or checkpoint the ONNX file was made from");
  }
  if (head[0] === 0x80 && /\.(pth?|pt|bin|ckpt)$/i.test(path)) {
    throw new PosecError(`${path}: a PyTorch file in the legacy (pre-1.6) pickle format`, WEIGHTS_UNREADABLE, "re-save it with torch >= 1.6: torch.save(torch.load(f), f2)");
  }
  return "caffe";
}

/** The source match of a file against a spec (exported for the benchmark and tests). */
export async function matchFile(path: string, ir: Ir, label = path): Promise<SourceMatch> {
  const format = detectFormat(path);
  if (format === "caffe") return matchCaffe(readCaffeModel(path), ir);
  if (format === "torch") {
    const { readTorchStateDict } = await import("../checkpoint/torch.js");
    return matchTorch(readTorchStateDict(path), ir);
  }
  const { resolveCheckpointDir } = await import("../train/checkpoint-dir.js");
  const { readCheckpointWeights } = await import("../checkpoint/read.js");
  const dir = resolveCheckpointDir(path);
  const weights = readCheckpointWeights(dir);
  const nodes: SourceMatch["nodes"] = new Map();
  const ignored: SourceMatch["ignored"] = [];
  const owners = new Set(ir.nodes.map((n) => n.name));
  for (const [name, t] of weights) {
    const slash = name.lastIndexOf("/");
    const node = name.slice(0, slash);
    const role = name.slice(slash + 1);
    if (!owners.has(node)) {
      ignored.push({ key: `${label}:${name}`, shape: t.shape, reason: `the spec has no layer \`${node}\`` });
      continue;
    }
    const entry = nodes.get(node) ?? { from: node, tensors: {} };
    (entry.tensors as Record<string, unknown>)[role] = { key: name, shape: t.shape, posecShape: t.shape, layout: "posec", convert: () => t.data };
    nodes.set(node, entry);
  }
  return { format: "posec checkpoint", nodes, ignored, notes: [] };
}

/** A weights file mapped onto `ir`, with fresh seeded tensors for what it lacks, and the report. */
export async function loadForeignWeights(path: string, ir: Ir, seed: number, label = path): Promise<{ weights: WeightSet; report: LoadReport }> {
  const match = await matchFile(path, ir, label);
  const result = assembleWeights(ir, match, label, seed);
  if (result.report.counts.loaded === 0) {
    throw new PosecError(`${label} holds no tensor of ${ir.model.name} (${result.report.counts.ignored} tensors, none named like a layer of the spec)`, "PN5311", "see the naming conventions in `posec import --help`");
  }
  return result;
}
