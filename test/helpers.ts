// Helpers shared by the test suites: compiling specs from the repository with the real file host.
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile, sourceLookup, type CompileResult } from "../compiler/compile.js";
import { fileHost } from "../compiler/host.js";
import type { Ir } from "../core/ir/types.js";
import { renderPlain, renderPretty } from "../compiler/format-diagnostics.js";
import { isPosecError } from "../runtime/errors.js";

export const REPO = join(import.meta.dirname, "..");
export const STD = join(REPO, "models", "std");

/** Compiles a spec given relative to the repository root (tests run with the root as cwd). */
export function compileFile(path: string): CompileResult {
  return compile(path, fileHost(STD));
}

/** The IR of a spec that must compile (a test fixture or zoo model); throws with its diagnostics otherwise. */
export function compileIr(path: string): Ir {
  const r = compileFile(path);
  if (!r.ir) throw new Error(`${path} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir;
}

/** Writes `text` as `DIR/NAME.posenet` and returns its IR; throws with the diagnostics if it does not compile. */
export function compileText(dir: string, text: string, name: string): Ir {
  const path = join(dir, `${name}.posenet`);
  writeFileSync(path, text);
  const r = compile(path, fileHost(STD));
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return r.ir;
}

/** The PosecError `f` throws (its code and message); anything else it throws, or nothing, fails the test. */
export function posecErrorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (!isPosecError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error("no error");
}

/** The PosecError an async `f` rejects with, as { code, message }; anything else fails the test. */
export async function posecErrorOfAsync(f: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await f();
  } catch (e) {
    if (!isPosecError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error("no error");
}

export function renderAll(result: CompileResult): string {
  const sources = sourceLookup(result.program);
  return result.diagnostics.map((d) => `${renderPlain(d)}\n${renderPretty(d, sources)}`).join("\n\n") + "\n";
}

export function specsIn(dir: string): string[] {
  return readdirSync(join(REPO, dir))
    .filter((f) => f.endsWith(".posenet"))
    .sort()
    .map((f) => `${dir}/${f}`);
}

export const ZOO = specsIn("models");
