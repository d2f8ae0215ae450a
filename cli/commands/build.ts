import { join } from "node:path";
import { hasErrors } from "../../compiler/diagnostics.js";
import { TARGETS, type EmittedFile } from "../../compiler/emit/emitter.js";
import { sourceLookup } from "../../compiler/compile.js";
import { didYouMean } from "../../compiler/suggest.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import { UsageError, type CommandSpec } from "../args.js";
import { compileSpec, printDiagnosticList } from "../common.js";

export const build: CommandSpec = {
  name: "build",
  summary: "compile a spec to one or more targets (one compilation shared by all of them)",
  usage: "posec build FILE [--target ir,onnx,tfjs,pytorch] [--out DIR] [--seed N]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    target: { type: "string", value: "LIST", help: `comma-separated targets: ${Object.keys(TARGETS).join(", ")}`, default: "ir" },
    emit: { type: "string", value: "LIST", help: "same as --target" },
    out: { type: "string", value: "DIR", help: "output directory (default: build/<model name>)" },
    seed: { type: "int", value: "N", help: "seed of the initial weights", default: 1 },
    "all-stages": { type: "boolean", help: "onnx: also output every stage's heatmaps and PAFs" },
    "fold-bn": { type: "boolean", help: "onnx: fold batch normalisation into the preceding convolution" },
  },
  async run({ flags, positionals }) {
    const targets = String(flags.emit ?? flags.target).split(",").map((t) => t.trim()).filter(Boolean);
    for (const t of targets) {
      if (!Object.prototype.hasOwnProperty.call(TARGETS, t)) {
        throw new UsageError(`unknown target \`${t}\`${didYouMean(t, Object.keys(TARGETS)) ? `: ${didYouMean(t, Object.keys(TARGETS))}` : ""} (targets: ${Object.keys(TARGETS).join(", ")})`);
      }
    }
    const result = compileSpec(positionals[0]);
    const sources = sourceLookup(result.program);
    if (!result.ir) {
      printDiagnosticList(result.diagnostics, sources, "pretty");
      return 1;
    }
    printDiagnosticList(result.diagnostics, sources, "pretty");
    const outDir = typeof flags.out === "string" ? flags.out : join("build", result.ir.model.name);
    // Emit everything first, write only if every target succeeded: no half-built output directory.
    const files: EmittedFile[] = [];
    const owners: string[] = [];
    for (const t of [...new Set(targets)]) {
      const emitter = await TARGETS[t].load();
      const emitted = await emitter.emit(result.ir, { seed: flags.seed as number, flags: { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"] } });
      printDiagnosticList(emitted.diagnostics, sources, "pretty");
      if (hasErrors(emitted.diagnostics)) return 1;
      files.push(...emitted.files);
      owners.push(...emitted.files.map(() => t));
    }
    // Two targets writing the same path with different bytes would silently lose one of them.
    const seen = new Map<string, { target: string; data: string | Uint8Array }>();
    for (const [i, f] of files.entries()) {
      const prev = seen.get(f.path);
      const same = prev && Buffer.compare(Buffer.from(prev.data), Buffer.from(f.data)) === 0;
      if (prev && !same) throw new UsageError(`targets ${prev.target} and ${owners[i]} both write ${f.path}: build them into separate --out folders`);
      seen.set(f.path, { target: owners[i], data: f.data });
    }
    for (const f of files) writeFileAtomic(join(outDir, f.path), f.data);
    for (const f of files) process.stdout.write(`wrote ${join(outDir, f.path)}\n`);
    return 0;
  },
};
