// Semantic tokens: what the TextMate grammar cannot know. A grammar sees `conv_dw 64` as a word and a
// number; the server knows that `conv_dw` is a block in scope (and `conv` a built-in layer), so it marks
// calls of blocks and built-in layers, and block declarations, as functions.
import type { SemanticTokens } from "vscode-languageserver";
import { OPS } from "../compiler/layer-catalog.js";
import { lookup } from "../compiler/suggest.js";
import type { Ident } from "../grammar/ast.js";
import { allLayerStmts } from "./locate.js";
import type { OpenDocument, Workspace } from "./workspace.js";

export const SEMANTIC_LEGEND = { tokenTypes: ["function"], tokenModifiers: ["declaration", "defaultLibrary"] };
const DECLARATION = 1;
const DEFAULT_LIBRARY = 2;

export function semanticTokens(ws: Workspace, doc: OpenDocument): SemanticTokens {
  const module = ws.compile(doc.path).program.modules.get(doc.path);
  if (!module) return { data: [] };
  const marks: { ident: Ident; modifiers: number }[] = [];
  for (const s of allLayerStmts(module.parsed.ast)) {
    if (lookup(OPS, s.callee.name)) marks.push({ ident: s.callee, modifiers: DEFAULT_LIBRARY });
    else if (module.visible.has(s.callee.name)) marks.push({ ident: s.callee, modifiers: 0 });
  }
  for (const d of module.parsed.ast.decls) {
    if (d.kind === "Backbone" && d.callee && module.visible.has(d.callee.name)) marks.push({ ident: d.callee, modifiers: 0 });
    if (d.kind === "Block" && d.name) marks.push({ ident: d.name, modifiers: DECLARATION });
  }
  marks.sort((a, b) => a.ident.span.start - b.ident.span.start);
  // LSP's relative encoding: per token, line delta, start delta (from the previous token on the same line), length, type, modifiers
  const data: number[] = [];
  let line = 0;
  let char = 0;
  for (const { ident, modifiers } of marks) {
    const l = ident.span.line - 1;
    const c = ident.span.col - 1;
    if (ident.span.endLine !== ident.span.line) continue;
    data.push(l - line, l === line ? c - char : c, ident.name.length, 0, modifiers);
    line = l;
    char = c;
  }
  return { data };
}
