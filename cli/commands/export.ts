// `posec export`: a trained checkpoint as an ONNX model. The network comes from the spec when one is
// given, else from the IR the trainer saves beside the weights (DIR/model.ir.json); the checkpoint must
// hold exactly that network's parameters (checked by name and shape before anything is written).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { sourceLookup } from "../../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../../core/diagnostics.js";
import type { Ir } from "../../core/ir/types.js";
import { loadIr } from "../../core/ir/load.js";
import { modelParams } from "../../core/params/index.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import { checkOutFile } from "../../runtime/util/out-path.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../flags.js";
import { compileSpec, displayPath, printDiagnosticList } from "../common.js";

export const exportCommand: CommandSpec = {
  name: "export",
  summary: "write a trained checkpoint as an ONNX model (or a PyTorch state dict for the generated model.py)",
  usage: "posec export [FILE] --checkpoint DIR [--out model.onnx] [--all-stages] [--fold-bn]\n       posec export FILE --weights WEIGHTS [--strict] [--out model.onnx]\n       posec export FILE --checkpoint DIR --format pytorch [--out model.pt]",
  positionals: { min: 0, max: 1, name: "a .posenet file (default: the checkpoint's model.ir.json)" },
  flags: {
    checkpoint: { type: "string", value: "PATH", help: "a checkpoint folder (model.json + weights.bin), a run folder (its latest checkpoint), or a PyTorch state dict (.pt) from the generated PyTorch program" },
    weights: { type: "string", value: "FILE", help: "foreign weights mapped onto the spec by name, as `posec import` does: a Caffe .caffemodel, a PyTorch state dict (torchvision, Lightweight OpenPose or posec naming) or an ONNX model's initializers" },
    strict: { type: "boolean", help: "with --weights: refuse unless every tensor of the spec is loaded and every tensor of the file is used" },
    out: { type: "string", value: "FILE", help: "the ONNX file to write (default: build/<model name>/model.onnx)" },
    "all-stages": { type: "boolean", help: "also output every stage's heatmaps and PAFs (stage<N>_heatmaps, stage<N>_pafs)" },
    "fold-bn": { type: "boolean", help: "fold batch normalisation into the preceding convolution" },
    format: { type: "string", value: "F", help: "onnx (default), or pytorch: a torch.save state dict that `posec build --target pytorch`'s model.py loads with load_state_dict(strict=True)" },
  },
  async run({ flags, positionals }) {
    if (flags.format !== undefined && flags.format !== "onnx" && flags.format !== "pytorch") throw new UsageError(`--format must be onnx or pytorch, got \`${String(flags.format)}\``);
    if (flags.format === "pytorch" && (flags["all-stages"] || flags["fold-bn"])) throw new UsageError("--all-stages and --fold-bn shape the ONNX graph; a state dict has neither");
    if (typeof flags.weights === "string") return exportForeign(flags, positionals);
    if (typeof flags.checkpoint !== "string") throw new UsageError("--checkpoint DIR is required (the folder training wrote)");
    if (!existsSync(flags.checkpoint)) throw new PosecError(`--checkpoint ${flags.checkpoint}: no such file or folder`, "PN5301", "give the folder `posec train` wrote (or one checkpoint in it), or a .pt state dict");
    // a PyTorch state dict written by the generated PyTorch program, or a tfjs checkpoint / run folder
    // (a checkpoint's model.json stands for its folder)
    const given = basename(flags.checkpoint) === "model.json" ? dirname(flags.checkpoint) : flags.checkpoint;
    const torchFile = statSync(given).isFile();
    if (torchFile && positionals.length === 0) throw new UsageError("give the spec: a PyTorch checkpoint does not carry the network");
    const { resolveCheckpointDir } = await import("../../runtime/checkpoint/folder.js");
    const checkpoint = torchFile ? given : resolveCheckpointDir(given);
    let ir: Ir | undefined;
    let sources: (file: string) => string | undefined = () => undefined;
    let diagnostics: Diagnostic[];
    let specName: string;
    if (positionals.length === 1) {
      const result = compileSpec(positionals[0]);
      ({ ir, diagnostics } = result);
      sources = sourceLookup(result.program);
      specName = displayPath(positionals[0]);
    } else {
      const irFile = join(checkpoint, "model.ir.json");
      if (!existsSync(irFile)) throw new UsageError(`give the spec: ${irFile} does not exist`);
      ({ ir, diagnostics } = loadIr(readFileSync(irFile, "utf8"), displayPath(irFile)));
      specName = displayPath(irFile);
    }
    printDiagnosticList(diagnostics, sources, "pretty");
    if (!ir || hasErrors(diagnostics)) return 1;
    const pytorch = flags.format === "pytorch";
    const out = typeof flags.out === "string" ? flags.out : join("build", ir.model.name, pytorch ? "model.pt" : "model.onnx");
    checkOutFile(out, pytorch ? "the state dict file (--out)" : "the ONNX file (--out)");
    // Loaded here, not at the top, so that `posec export --help` stays fast.
    const { readCheckpointWeights, assertWeightsMatch } = await import("../../runtime/checkpoint/read.js");
    const { buildOnnx } = await import("../../compiler/emit/onnx/index.js");
    let weights;
    if (torchFile) {
      const { readTorchStateDict, torchToPosecWeights } = await import("../../runtime/checkpoint/torch.js");
      weights = torchToPosecWeights(readTorchStateDict(checkpoint), ir, displayPath(checkpoint));
    } else {
      weights = readCheckpointWeights(checkpoint);
      assertWeightsMatch(modelParams(ir), weights, displayPath(checkpoint), specName);
    }
    if (pytorch) return writeTorch(ir, weights, out);
    const built = buildOnnx(ir, weights, { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"], weights: { kind: "checkpoint", path: displayPath(checkpoint) } });
    printDiagnosticList(built.diagnostics, sources, "pretty");
    if (hasErrors(built.diagnostics) || !built.bytes) return 1;
    writeFileAtomic(out, built.bytes);
    process.stdout.write(`wrote ${out} (outputs: ${built.outputs.join(", ")})\n`);
    return 0;
  },
};

/** `--weights FILE`: a caffemodel or torchvision state dict mapped onto the spec (runtime/weights), then ONNX. */
async function exportForeign(flags: Record<string, unknown>, positionals: string[]): Promise<number> {
  if (flags.checkpoint !== undefined) throw new UsageError("give --weights or --checkpoint, not both");
  if (positionals.length !== 1) throw new UsageError("give the spec: a foreign weights file does not carry the network");
  const result = compileSpec(positionals[0]);
  const sources = sourceLookup(result.program);
  printDiagnosticList(result.diagnostics, sources, "pretty");
  if (!result.ir || hasErrors(result.diagnostics)) return 1;
  const ir = result.ir;
  const file = flags.weights as string;
  const { loadForeignWeights } = await import("../../runtime/weights/load.js");
  const { assertStrict, summariseReport } = await import("../../runtime/weights/report.js");
  const { weights, report } = await loadForeignWeights(file, ir, ir.train?.seed ?? 1, displayPath(file));
  process.stderr.write(summariseReport(report) + "\n");
  if (flags.strict) assertStrict(report);
  if (flags.format === "pytorch") return writeTorch(ir, weights, typeof flags.out === "string" ? flags.out : join("build", ir.model.name, "model.pt"));
  const { buildOnnx } = await import("../../compiler/emit/onnx/index.js");
  const built = buildOnnx(ir, weights, { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"], weights: { kind: "checkpoint", path: displayPath(file) } });
  printDiagnosticList(built.diagnostics, sources, "pretty");
  if (hasErrors(built.diagnostics) || !built.bytes) return 1;
  const out = typeof flags.out === "string" ? flags.out : join("build", ir.model.name, "model.onnx");
  writeFileAtomic(out, built.bytes);
  process.stdout.write(`wrote ${out} (outputs: ${built.outputs.join(", ")})\n`);
  return 0;
}

/** `--format pytorch`: the weights as the generated model.py's state dict (runtime/weights/torch-write.ts). */
async function writeTorch(ir: Ir, weights: Parameters<typeof import("../../runtime/weights/torch-write.js").torchStateDict>[1], out: string): Promise<number> {
  const { torchSaveBytes, torchStateDict } = await import("../../runtime/weights/torch-write.js");
  const entries = torchStateDict(ir, weights);
  writeFileAtomic(out, torchSaveBytes(entries));
  process.stdout.write(`wrote ${out} (${entries.length} tensors, model.py's keys; load with model.load_state_dict(torch.load(path)))\n`);
  return 0;
}
