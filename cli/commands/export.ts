import { join } from "node:path";
import { sourceLookup } from "../../compiler/compile.js";
import { hasErrors } from "../../compiler/diagnostics.js";
import { modelParams } from "../../compiler/weights/index.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import { UsageError, type CommandSpec } from "../args.js";
import { compileSpec, displayPath, printDiagnosticList } from "../common.js";

export const exportCommand: CommandSpec = {
  name: "export",
  summary: "write a trained checkpoint as an ONNX model",
  usage: "posec export FILE --checkpoint DIR [--out model.onnx] [--all-stages] [--fold-bn]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    checkpoint: { type: "string", value: "DIR", help: "the checkpoint folder (model.json + weights.bin) written by training" },
    out: { type: "string", value: "FILE", help: "the ONNX file to write (default: build/<model name>/model.onnx)" },
    "all-stages": { type: "boolean", help: "also output every stage's heatmaps and PAFs (stage<N>_heatmaps, stage<N>_pafs)" },
    "fold-bn": { type: "boolean", help: "fold batch normalisation into the preceding convolution" },
  },
  async run({ flags, positionals }) {
    if (typeof flags.checkpoint !== "string") throw new UsageError("--checkpoint DIR is required (the folder training wrote)");
    const result = compileSpec(positionals[0]);
    const sources = sourceLookup(result.program);
    printDiagnosticList(result.diagnostics, sources, "pretty");
    if (!result.ir) return 1;
    // Loaded here, not at the top, so that `posec export --help` stays fast.
    const { readCheckpointWeights, assertWeightsMatch } = await import("../../runtime/checkpoint/read.js");
    const { buildOnnx } = await import("../../compiler/emit/onnx/index.js");
    const checkpoint = displayPath(flags.checkpoint);
    const weights = readCheckpointWeights(flags.checkpoint);
    assertWeightsMatch(modelParams(result.ir), weights, checkpoint, displayPath(positionals[0]));
    const built = buildOnnx(result.ir, weights, { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"], weights: { kind: "checkpoint", path: checkpoint } });
    printDiagnosticList(built.diagnostics, sources, "pretty");
    if (hasErrors(built.diagnostics) || !built.bytes) return 1;
    const out = typeof flags.out === "string" ? flags.out : join("build", result.ir.model.name, "model.onnx");
    writeFileAtomic(out, built.bytes);
    process.stdout.write(`wrote ${out} (outputs: ${built.outputs.join(", ")})\n`);
    return 0;
  },
};
