// The compiler's diagnostics as LSP diagnostics, and the quick fixes that follow from them. A
// diagnostic in another file (a parent spec, an imported file) is shown on the line of this file that
// brings that file in, so that an error is never invisible from the spec being edited.
import type { CodeAction, Diagnostic as LspDiagnostic } from "vscode-languageserver";
import { CodeActionKind, DiagnosticSeverity } from "./protocol.js";
import type { CompileResult } from "../compiler/compile.js";
import type { Diagnostic } from "../core/diagnostics.js";
import { resolveRef } from "../compiler/modules.js";
import type { FileAst } from "../grammar/ast.js";
import { toRange } from "./locate.js";
import type { OpenDocument, Workspace } from "./workspace.js";

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, note: DiagnosticSeverity.Information } as const;

/** Where this file brings in `file` (its `extends` or `import`), if it does directly. */
function referenceTo(ast: FileAst | undefined, from: string, file: string) {
  for (const d of ast?.decls ?? []) {
    if (d.kind === "Model" && d.extends && resolveRef(from, d.extends.value) === file) return d.extends.span;
    if (d.kind === "Import" && d.path && resolveRef(from, d.path.value) === file) return d.path.span;
  }
  return undefined;
}

export function toLspDiagnostics(result: CompileResult, doc: OpenDocument, ws: Workspace): LspDiagnostic[] {
  const ast = result.program.modules.get(doc.path)?.parsed.ast;
  const firstRef = ast?.decls.find((d) => (d.kind === "Model" && d.extends) || d.kind === "Import");
  // A file without `model` is a library of blocks (models/std, an imported file): it is not a spec, so
  // "the spec has no `input` section" is noise there; its blocks are checked where specs call them.
  const library = !!ast && !ast.decls.some((d) => d.kind === "Model");
  const shown = library ? result.diagnostics.filter((d) => !(d.code === "PN2011" && / has no `/.test(d.message))) : result.diagnostics;
  return shown.map((d: Diagnostic) => {
    const here = d.span.file === doc.path;
    const anchor = here ? d.span : (referenceTo(ast, doc.path, d.span.file) ?? firstRef?.span ?? { file: doc.path, line: 1, col: 1, endLine: 1, endCol: 1 });
    const related = d.labels.map((l) => ({ location: { uri: ws.uriOf(l.span.file), range: toRange(l.span) }, message: l.message }));
    if (!here) related.unshift({ location: { uri: ws.uriOf(d.span.file), range: toRange(d.span) }, message: d.message });
    const message = [here ? d.message : `in ${d.span.file}:${d.span.line}: ${d.message}`, ...d.notes.filter((n) => n).map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])].join("\n");
    return {
      range: toRange(anchor),
      severity: SEVERITY[d.severity],
      code: d.code,
      source: "posec",
      message,
      ...(related.length ? { relatedInformation: related } : {}),
      data: { help: d.help ?? null, here },
    };
  });
}

const DID_YOU_MEAN = /did you mean `([^`]+)`\?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quick fixes for the diagnostics of one request: did-you-mean replacements, a missing `posenet 1`. */
export function quickFixes(doc: OpenDocument, diagnostics: LspDiagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const lines = doc.text.split("\n");
  for (const d of diagnostics) {
    const message = typeof d.message === "string" ? d.message : d.message.value;
    const data = d.data as { help?: string | null; here?: boolean } | undefined;
    const help = data?.help ?? /help: (.*)$/m.exec(message)?.[1];
    const suggestion = help ? DID_YOU_MEAN.exec(help)?.[1] : undefined;
    const { start, end } = d.range;
    const current = start.line === end.line ? (lines[start.line] ?? "").slice(start.character, end.character) : "";
    if (suggestion && data?.here !== false && IDENT.test(current)) {
      actions.push({
        title: `Replace \`${current}\` with \`${suggestion}\``,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [doc.uri]: [{ range: d.range, newText: suggestion }] } },
      });
    }
    if (d.code === "PN2011" && /does not start with `posenet 1`/.test(message) && data?.here !== false) {
      actions.push({
        title: "Add `posenet 1` at the top",
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: { changes: { [doc.uri]: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: "posenet 1\n" }] } },
      });
    }
  }
  return actions;
}
