// The compiler's one entry point: a spec path and a host (file access) -> IR, shape report at the spec's
// input size, diagnostics, and the texts of every file involved (for rendering diagnostics). Pure apart
// from what the host reads; never throws on any input.
import { checkDeclarations } from "./check-decls.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "../core/diagnostics.js";
import type { Ir } from "../core/ir/types.js";
import { codecFor } from "../core/ir/codec.js";
import { validateIr } from "../core/ir/validate.js";
import { lowerSpec } from "./lower.js";
import { loadProgram, type Host, type Program } from "./modules.js";
import { collectSections } from "./sections.js";
import { inferShapes, type ShapeReport } from "../core/shapes.js";
import { checkWeightFiles } from "./weight-sources.js";

export interface CompileResult {
  ir?: Ir;
  /** shapes and costs at the spec's own input size */
  report?: ShapeReport;
  diagnostics: Diagnostic[];
  program: Program;
}

export interface CompileOptions {
  /**
   * Validate the compiler's own output against the IR schema (default true). `posec check`, which
   * writes no IR, skips it; everything that writes or hands an IR on keeps it.
   */
  validate?: boolean;
}

export function compile(rootPath: string, host: Host, options: CompileOptions = {}): CompileResult {
  const program = loadProgram(rootPath, host);
  const diagnostics = [...program.diagnostics, ...checkDeclarations(program)];
  let ir: Ir | undefined;
  let report: ShapeReport | undefined;
  try {
    if (program.root && !hasErrors(diagnostics)) {
      const sections = collectSections(program.root, diagnostics);
      if (!hasErrors(diagnostics)) ir = lowerSpec(sections, program.root, diagnostics);
      if (ir) diagnostics.push(...checkWeightFiles(ir, host));
    }
    if (ir) {
      // The compiler validates its own output: an invalid IR here is a compiler bug, reported as such.
      const checked = options.validate === false ? { ir, diagnostics: [] } : validateIr(ir, `${rootPath} (compiled IR)`);
      diagnostics.push(...checked.diagnostics);
      if (checked.ir) {
        const shapes = inferShapes(ir, ir.input.height, ir.input.width);
        diagnostics.push(...shapes.diagnostics);
        report = shapes.report;
        // the label grid is the stage outputs' size, known only now
        const grid = report?.outputs.heatmaps;
        if (grid) ir = { ...ir, codec: codecFor(ir, [grid[0], grid[1]]) };
      }
    }
  } catch (e) {
    // Never let an internal failure escape as a stack trace: report it as a diagnostic at the spec.
    diagnostics.push({
      code: "PN9001",
      severity: "error",
      message: `internal compiler error: ${(e as Error).message}`,
      span: { file: rootPath, line: 1, col: 1, endLine: 1, endCol: 1 },
      labels: [],
      notes: [(e as Error).stack?.split("\n").slice(0, 4).join(" | ") ?? ""],
      help: "this is a bug in posec; please report it with the spec",
    });
  }
  const sorted = sortDiagnostics(diagnostics);
  const ok = !hasErrors(sorted);
  return { ir: ok ? ir : undefined, report: ok ? report : undefined, diagnostics: sorted, program };
}

export function sourceLookup(program: Program): (file: string) => string | undefined {
  return (file) => program.modules.get(file)?.parsed.text;
}
