// Generated hostile specs for the language side: a spec body wrapped around a base model, an in-memory
// host, and the line:col of an offset (computed here from the text, independently of the lexer).
import { readFileSync } from "node:fs";
import { compile, type CompileResult } from "../../compiler/compile.js";
import type { Host } from "../../compiler/modules.js";
import { REPO } from "../helpers.js";

const std = new Map(["vgg", "resnet", "se"].map((n) => [`std/${n}.posenet`, readFileSync(`${REPO}/models/std/${n}.posenet`, "utf8")]));
const base = readFileSync(`${REPO}/test/fixtures/invalid/lib/base.posenet`, "utf8");

/** Two header lines, then `body` from line 3. */
export const HEADER = 'posenet 1\nmodel hostile extends "lib/base.posenet"\n';

export function memoryHost(files: Record<string, string>): Host {
  return { read: (p) => files[p] ?? (p === "lib/base.posenet" ? base : std.get(p)) };
}

export function compileText(text: string): CompileResult {
  return compile("spec.posenet", memoryHost({ "spec.posenet": text }));
}

/** 1-based line and column of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

/** Offset of the n-th (1-based) occurrence of `needle`. */
export function nth(text: string, needle: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`fewer than ${n} occurrences of ${needle}`);
  }
  return at;
}
