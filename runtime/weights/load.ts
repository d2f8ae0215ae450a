// One entry point for foreign weights: a file's format is recognised from its content (a zip archive is
// torch.save's format, torch.save's magic number its legacy pre-1.6 format, a folder is a posec
// checkpoint, a `.onnx` file or a protobuf that starts with ModelProto's ir_version is ONNX, anything
// else is read as a caffemodel), mapped onto the spec by name, and returned with its load report.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { Ir } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";
import { PosecError } from "../errors.js";
import { isLegacyTorch, readLegacyTorchStateDict } from "../checkpoint/torch-legacy.js";
import { readCaffeModel } from "./caffe.js";
import { assembleWeights, type SourceMatch } from "./map.js";
import { matchCaffe } from "./map-caffe.js";
import { matchTorch } from "./map-torchvision.js";
import type { LoadReport } from "./report.js";
import { WEIGHTS_UNREADABLE } from "./wire.js";

export type WeightsFormat = "caffe" | "torch" | "torch-legacy" | "posec" | "onnx";

export function detectFormat(path: string): WeightsFormat {
  if (!existsSync(path)) throw new PosecError(`${path}: no such file or folder`, WEIGHTS_UNREADABLE, "give a .caffemodel, a PyTorch .pth/.pt state dict, an .onnx model, or a posec checkpoint folder");
  if (statSync(path).isDirectory()) return "posec";
  const head = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head.readUInt32LE(0) === 0x04034b50) return "torch";
  if (isLegacyTorch(head)) return "torch-legacy";
  // ModelProto's first field is ir_version (field 1, varint: byte 0x08); a NetParameter starts with its
  // name (field 1, bytes: 0x0a) or its layers
  if (/\.onnx$/i.test(path) || head[0] === 0x08) return "onnx";
  if (head[0] === 0x80 && /\.(pth?|pt|bin|ckpt|tar)$/i.test(path)) {
    throw new PosecError(`${path}: a Python pickle, but not one torch.save wrote (no torch.save magic number)`, WEIGHTS_UNREADABLE, "save the weights with torch.save(model.state_dict(), f)");
  }
  return "caffe";
}

/** The source match of a file against a spec (exported for the benchmark and tests). */
export async function matchFile(path: string, ir: Ir, label = path): Promise<SourceMatch> {
  const format = detectFormat(path);
  if (format === "caffe") return matchCaffe(readCaffeModel(path), ir);
  if (format === "onnx") {
    const [{ readOnnxWeights }, { matchOnnx }] = await Promise.all([import("./onnx.js"), import("./map-onnx.js")]);
    return matchOnnx(await readOnnxWeights(path), ir);
  }
  if (format === "torch" || format === "torch-legacy") {
    const { readTorchStateDict } = await import("../checkpoint/torch.js");
    const { isLightweightNaming, matchLightweight } = await import("./map-lightweight.js");
    const stateDict = format === "torch" ? readTorchStateDict(path) : readLegacyTorchStateDict(path);
    // Lightweight OpenPose's checkpoints by their adapter and stage modules; their ImageNet MobileNet
    // (only `model.<i>.<j>` keys) when neither torchvision's nor posec's naming names any layer
    if (isLightweightNaming([...stateDict.keys()])) return matchLightweight(stateDict, ir);
    const torch = matchTorch(stateDict, ir);
    if (torch.nodes.size > 0) return torch;
    const lightweight = matchLightweight(stateDict, ir);
    return lightweight.nodes.size > 0 ? lightweight : torch;
  }
  const { resolveCheckpointDir } = await import("../checkpoint/folder.js");
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
