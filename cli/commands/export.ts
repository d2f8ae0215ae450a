// `posec export`: a trained checkpoint as an ONNX model. The network comes from the spec when one is
// given, else from the IR the trainer saves beside the weights (DIR/model.ir.json); the checkpoint must
// hold exactly that network's parameters (checked by name and shape before anything is written).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { sourceLookup } from "../../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../../compiler/diagnostics.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadIr } from "../../compiler/ir/load.js";
import { modelParams } from "../../compiler/weights/index.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../args.js";
import { compileSpec, displayPath, printDiagnosticList } from "../common.js";

export const exportCommand: CommandSpec = {
  name: "export",
  summary: "write a trained checkpoint as an ONNX model",
  usage: "posec export [FILE] --checkpoint DIR [--out model.onnx] [--all-stages] [--fold-bn]",
  positionals: { min: 0, max: 1, name: "a .posenet file (default: the checkpoint's model.ir.json)" },
  flags: {
    checkpoint: { type: "string", value: "PATH", help: "a checkpoint folder (model.json + weights.bin), a run folder (its latest checkpoint), or a PyTorch state dict (.pt) from the generated PyTorch program" },
    out: { type: "string", value: "FILE", help: "the ONNX file to write (default: build/<model name>/model.onnx)" },
    "all-stages": { type: "boolean", help: "also output every stage's heatmaps and PAFs (stage<N>_heatmaps, stage<N>_pafs)" },
    "fold-bn": { type: "boolean", help: "fold batch normalisation into the preceding convolution" },
  },
  async run({ flags, positionals }) {
    if (typeof flags.checkpoint !== "string") throw new UsageError("--checkpoint DIR is required (the folder training wrote)");
    if (!existsSync(flags.checkpoint)) throw new PosecError(`--checkpoint ${flags.checkpoint}: no such file or folder`, "PN5301", "give the folder `posec train` wrote (or one checkpoint in it), or a .pt state dict");
    // a PyTorch state dict written by the generated PyTorch program, or a tfjs checkpoint / run folder
    // (a checkpoint's model.json stands for its folder)
    const given = basename(flags.checkpoint) === "model.json" ? dirname(flags.checkpoint) : flags.checkpoint;
    const torchFile = statSync(given).isFile();
    if (torchFile && positionals.length === 0) throw new UsageError("give the spec: a PyTorch checkpoint does not carry the network");
    const { resolveCheckpointDir } = await import("../../runtime/train/checkpoint-dir.js");
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
    const built = buildOnnx(ir, weights, { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"], weights: { kind: "checkpoint", path: displayPath(checkpoint) } });
    printDiagnosticList(built.diagnostics, sources, "pretty");
    if (hasErrors(built.diagnostics) || !built.bytes) return 1;
    const out = typeof flags.out === "string" ? flags.out : join("build", ir.model.name, "model.onnx");
    writeFileAtomic(out, built.bytes);
    process.stdout.write(`wrote ${out} (outputs: ${built.outputs.join(", ")})\n`);
    return 0;
  },
};
