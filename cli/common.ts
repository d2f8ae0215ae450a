// Shared CLI plumbing: where the standard library lives, compiling a spec with the file host, and
// printing diagnostics in the chosen format. Only the CLI reads files and prints.
import { existsSync } from "node:fs";
import { dirname, join, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { compile, sourceLookup, type CompileOptions, type CompileResult } from "../compiler/compile.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { fileHost } from "../compiler/host.js";
import { renderJson, renderPlain, renderPretty, summaryLine } from "../compiler/format-diagnostics.js";
import { UsageError } from "./flags.js";

/** The package root: the nearest folder above this module holding models/std (bundled or from source). */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(join(dir, "models", "std")); i++) dir = dirname(dir);
  return dir;
})();
export const STD_DIR = join(PACKAGE_ROOT, "models", "std");

/** Display paths are relative POSIX paths, so that diagnostics and IR spans do not depend on the machine. */
export function displayPath(p: string): string {
  const rel = isAbsolute(p) ? relative(process.cwd(), p) : p;
  return rel.split("\\").join("/").replace(/^\.\//, "");
}

export function compileSpec(path: string, options: CompileOptions = {}): CompileResult {
  return compile(displayPath(path), fileHost(STD_DIR, join(PACKAGE_ROOT, "dist", "stdlib.parsed.json")), options);
}

export type Format = "pretty" | "plain" | "json";

export function checkFormat(value: unknown): Format {
  if (value === undefined) return "pretty";
  if (value === "pretty" || value === "plain" || value === "json") return value;
  throw new UsageError(`--format must be pretty, plain or json, got \`${String(value)}\``);
}

export function printDiagnostics(result: CompileResult, format: Format, stream: NodeJS.WriteStream = process.stderr): void {
  printDiagnosticList(result.diagnostics, sourceLookup(result.program), format, stream);
}

export function printDiagnosticList(diags: readonly Diagnostic[], sources: (f: string) => string | undefined, format: Format, stream: NodeJS.WriteStream = process.stderr): void {
  if (format === "json") {
    stream.write(renderJson(diags) + "\n");
    return;
  }
  if (diags.length === 0) return;
  const color = format === "pretty" && stream.isTTY && !process.env.NO_COLOR;
  const text = diags.map((d) => (format === "plain" ? renderPlain(d) : renderPretty(d, sources, { color }))).join(format === "plain" ? "\n" : "\n\n");
  stream.write(text + "\n");
  if (format === "pretty") stream.write(`\n${summaryLine(diags)}\n`);
}
