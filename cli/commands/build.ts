import { join } from "node:path";
import { hasErrors } from "../../core/diagnostics.js";
import type { EmittedFile } from "../../compiler/emit/emitter.js";
import { TARGETS } from "../../compiler/emit/targets.js";
import { sourceLookup } from "../../compiler/compile.js";
import { didYouMean } from "../../compiler/suggest.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";
import { checkOutDir, checkOutFile } from "../../runtime/util/out-path.js";
import { UsageError, type CommandSpec } from "../flags.js";
import { buildReport, type BuiltTarget } from "./build-report.js";
import { RUNTIME_TARBALL } from "../../compiler/emit/tfjs/project.js";
import { compileSpec, PACKAGE_ROOT, printDiagnosticList } from "../common.js";
import { packPackage, RUNTIME_PACKAGE_DIR } from "../pack.js";

/** What `posec build FILE` builds without --target: the tfjs training program and the ONNX model. */
export const DEFAULT_TARGETS = ["tfjs", "onnx"];

/**
 * Where each target's files go: one target writes into --out itself; several write one folder each,
 * `<out>/<target>/`, so that no two targets share a file name (both tfjs and pytorch write README.md).
 */
export function targetDir(outDir: string, target: string, targetCount: number): string {
  return targetCount === 1 ? outDir : join(outDir, target);
}

export const build: CommandSpec = {
  name: "build",
  summary: "compile a spec to one or more targets (one compilation shared by all of them)",
  usage: "posec build FILE [--target ir,onnx,tfjs,pytorch] [--out DIR] [--seed N]\n\nwithout --target: the tfjs training program and the ONNX model, in DIR/tfjs and DIR/onnx",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    target: { type: "string", value: "LIST", help: `comma-separated targets: ${Object.keys(TARGETS).join(", ")} (default: ${DEFAULT_TARGETS.join(",")}); several go to one subfolder each` },
    emit: { type: "string", value: "LIST", help: "same as --target" },
    out: { type: "string", value: "DIR", help: "output directory (default: build/<model name>)" },
    seed: { type: "int", value: "N", help: "seed of the initial weights", default: 1 },
    "all-stages": { type: "boolean", help: "onnx: also output every stage's heatmaps and PAFs" },
    "fold-bn": { type: "boolean", help: "onnx: fold batch normalisation into the preceding convolution" },
  },
  async run({ flags, positionals }) {
    const given = (flags.emit ?? flags.target) as string | undefined;
    const targets = given === undefined ? DEFAULT_TARGETS : [...new Set(given.split(",").map((t) => t.trim()).filter(Boolean))];
    if (!targets.length) throw new UsageError(`--target needs at least one target (targets: ${Object.keys(TARGETS).join(", ")})`);
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
    checkOutDir(outDir, "the output folder (--out)");
    // Emit everything first, write only if every target succeeded: no half-built output directory.
    const built: BuiltTarget[] = [];
    const files: EmittedFile[] = [];
    for (const t of targets) {
      const emitter = await TARGETS[t].load();
      const emitted = await emitter.emit(result.ir, { seed: flags.seed as number, flags: { allStages: !!flags["all-stages"], foldBn: !!flags["fold-bn"] } });
      printDiagnosticList(emitted.diagnostics, sources, "pretty");
      if (hasErrors(emitted.diagnostics)) return 1;
      // the tfjs program depends on the runtime of the posec that generated it, written beside it as a tarball
      if (t === "tfjs") emitted.files.push({ path: RUNTIME_TARBALL, data: packPackage(join(PACKAGE_ROOT, RUNTIME_PACKAGE_DIR)) });
      const dir = targetDir(outDir, t, targets.length);
      built.push({ target: t, dir, files: emitted.files.map((f) => f.path) });
      files.push(...emitted.files.map((f) => ({ path: join(dir, f.path), data: f.data })));
    }
    for (const f of files) checkOutFile(f.path);
    for (const f of files) writeFileAtomic(f.path, f.data);
    const { inferShapes } = await import("../../core/shapes.js");
    const shapes = inferShapes(result.ir, result.ir.input.height, result.ir.input.width).report;
    process.stdout.write(buildReport(result.ir, shapes, built));
    return 0;
  },
};
