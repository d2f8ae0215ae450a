// Reading an IR document back: JSON syntax errors with their line and column, then validation.
import { diag, type Diagnostic } from "../diagnostics.js";
import { IR_FORMAT, type Ir } from "./types.js";
import { validateIr } from "./validate.js";

export function loadIr(text: string, file: string): { ir?: Ir; diagnostics: Diagnostic[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const offset = m ? Number(m[1]) : 0;
    const before = text.slice(0, offset).split("\n");
    const line = before.length;
    const col = before[before.length - 1].length + 1;
    return { diagnostics: [diag("PN4001", { file, line, col, endLine: line, endCol: col + 1 }, `invalid IR (${file}): not valid JSON: ${(e as Error).message}`)] };
  }
  // compile() fills the codec in; a pose IR without one was written before posec had it
  const head = doc as { format?: unknown; stages?: unknown; codec?: unknown } | null;
  if (typeof head === "object" && head !== null && head.format === IR_FORMAT && head.stages && !head.codec) {
    return { diagnostics: [diag("PN4002", { file, line: 1, col: 1, endLine: 1, endCol: 1 }, `${file}: this IR has no codec section (label grid, target and decoder settings): it was written by an older posec; compile the spec again`)] };
  }
  // the block scopes (Ir.scopes) arrived later still: an IR without them cannot say how the spec nests its blocks
  if (typeof head === "object" && head !== null && head.format === IR_FORMAT && !("scopes" in head)) {
    return { diagnostics: [diag("PN4002", { file, line: 1, col: 1, endLine: 1, endCol: 1 }, `${file}: this IR has no block scopes (how the spec nests its blocks): it was written by an older posec; compile the spec again`)] };
  }
  return validateIr(doc, file);
}
