// Go to definition, find references and document symbols. Names resolve the way the compiler resolves
// them (compiler/modules.ts: a module's visible blocks), so a jump lands on the block the compiler uses.
import type { DocumentSymbol, Location } from "vscode-languageserver";
import { SymbolKind } from "./protocol.js";
import type { CompileResult } from "../compiler/compile.js";
import { resolveRef, type BlockRef, type Module } from "../compiler/modules.js";
import type { Body, DeclOf, Ident, Span } from "../grammar/ast.js";
import { allLayerStmts, hitAt, labelDecls, labelMatches, layerStmtsOf, toRange } from "./locate.js";
import type { OpenDocument, Workspace } from "./workspace.js";

const START = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function loc(ws: Workspace, span: Span): Location {
  return { uri: ws.uriOf(span.file), range: toRange(span) };
}

const MAX_WRAP_DEPTH = 4;

/**
 * The labels `until` may name for a backbone: those of the block it calls (or of its inline body) and,
 * for blocks that wrap another (`resnet18` calls `resnet`), those of the blocks they call.
 */
export function cutLabels(m: Module, decl: DeclOf<"Backbone">): Ident[] {
  const start = decl.callee ? m.visible.get(decl.callee.name) : undefined;
  const out: Ident[] = labelDecls(decl.body);
  const seen = new Set<BlockRef>();
  let level: BlockRef[] = start ? [start] : [];
  for (let depth = 0; depth < MAX_WRAP_DEPTH && level.length; depth++) {
    const next: BlockRef[] = [];
    for (const ref of level) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      out.push(...labelDecls(ref.decl.body));
      for (const s of layerStmtsOf(ref.decl.body)) {
        const callee = ref.module.visible.get(s.callee.name);
        if (callee) next.push(callee);
      }
    }
    level = next;
  }
  return out;
}

type Target = { kind: "block"; ref: BlockRef } | { kind: "label"; ident: Ident } | { kind: "file"; path: string };

function targetAt(ws: Workspace, doc: OpenDocument, offset: number): { target?: Target; result: CompileResult } {
  const result = ws.compile(doc.path);
  const m = result.program.modules.get(doc.path);
  if (!m) return { result };
  const hit = hitAt(m.parsed.ast, offset);
  if (!hit) return { result };
  const block = (name: string) => m.visible.get(name) ?? m.own.get(name);
  switch (hit.kind) {
    case "callee":
    case "backbone": {
      const ref = block(hit.ident.name);
      return { result, target: ref ? { kind: "block", ref } : undefined };
    }
    case "blockName": {
      const ref = block(hit.decl.name!.name);
      return { result, target: ref ? { kind: "block", ref } : undefined };
    }
    case "path":
      return { result, target: { kind: "file", path: resolveRef(doc.path, hit.value) } };
    case "until": {
      const ident = cutLabels(m, hit.decl).find((l) => labelMatches(l, hit.ident.name));
      return { result, target: ident ? { kind: "label", ident } : undefined };
    }
    case "label":
      // a label is its own definition
      return { result, target: { kind: "label", ident: hit.ident } };
    default:
      return { result };
  }
}

export function definition(ws: Workspace, doc: OpenDocument, offset: number): Location | null {
  const { target } = targetAt(ws, doc, offset);
  if (!target) return null;
  if (target.kind === "block") return loc(ws, target.ref.decl.name!.span);
  if (target.kind === "label") return loc(ws, target.ident.span);
  return ws.read(target.path) === undefined ? null : { uri: ws.uriOf(target.path), range: START };
}

/** Every module of the compilations of the open documents (references reach as far as they do). */
function modulesInScope(ws: Workspace): Module[] {
  const seen = new Map<string, Module>();
  for (const d of ws.documents()) for (const m of ws.compile(d.path).program.modules.values()) if (!seen.has(m.path)) seen.set(m.path, m);
  return [...seen.values()];
}

export function references(ws: Workspace, doc: OpenDocument, offset: number, includeDeclaration: boolean): Location[] {
  const { target } = targetAt(ws, doc, offset);
  if (!target || target.kind === "file") return [];
  const out: Location[] = [];
  const decl = target.kind === "block" ? target.ref.decl.name! : target.ident;
  if (includeDeclaration) out.push(loc(ws, decl.span));
  for (const m of modulesInScope(ws)) {
    if (target.kind === "block") {
      const name = target.ref.decl.name!.name;
      const same = (id: Ident | undefined) => id && id.name === name && m.visible.get(name)?.decl === target.ref.decl;
      for (const s of allLayerStmts(m.parsed.ast)) if (same(s.callee)) out.push(loc(ws, s.callee.span));
      for (const d of m.parsed.ast.decls) if (d.kind === "Backbone" && same(d.callee)) out.push(loc(ws, d.callee!.span));
    } else {
      for (const d of m.parsed.ast.decls) {
        if (d.kind !== "Backbone" || !d.until || !labelMatches(target.ident, d.until.name)) continue;
        if (cutLabels(m, d).includes(target.ident)) out.push(loc(ws, d.until.span));
      }
    }
  }
  const key = (l: Location) => `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
  return [...new Map(out.map((l) => [key(l), l])).values()];
}

function symbol(name: string, detail: string, kind: SymbolKind, span: Span, selection: Span = span, children: DocumentSymbol[] = []): DocumentSymbol {
  return { name, detail, kind, range: toRange(span), selectionRange: toRange(selection), children };
}

const labelSymbols = (body: Body | undefined) => labelDecls(body).map((l) => symbol(l.name, "label", SymbolKind.Field, l.span));

export function documentSymbols(ws: Workspace, doc: OpenDocument): DocumentSymbol[] {
  const ast = ws.parse(doc.path, doc.text).ast;
  const out: DocumentSymbol[] = [];
  for (const d of ast.decls) {
    switch (d.kind) {
      case "Model":
        out.push(symbol(`model ${d.name?.name ?? ""}`.trim(), d.extends ? `extends ${d.extends.value}` : "", SymbolKind.Module, d.span, d.name?.span ?? d.span));
        break;
      case "Import":
        out.push(symbol(`import ${d.path?.value ?? ""}`, "", SymbolKind.File, d.span));
        break;
      case "Input":
      case "Adapter":
      case "Loss":
      case "Train":
        out.push(
          symbol(d.kind.toLowerCase(), "", SymbolKind.Namespace, d.span, d.span, d.kind === "Adapter" ? labelSymbols(d.body) : d.kind === "Loss" || d.kind === "Train" ? d.settings.map((s) => symbol(s.name.name, "setting", SymbolKind.Property, s.span, s.name.span)) : []),
        );
        break;
      case "Keypoints":
        out.push(symbol(`keypoints ${d.name?.name ?? ""}`.trim(), "", SymbolKind.Enum, d.span));
        break;
      case "Backbone":
        out.push(symbol(`backbone ${d.callee?.name ?? ""}`.trim(), d.until ? `until ${d.until.name}` : "", SymbolKind.Namespace, d.span, d.span, labelSymbols(d.body)));
        break;
      case "Stages": {
        const kids: DocumentSymbol[] = [];
        if (d.first) kids.push(symbol("first", "stage 1", SymbolKind.Namespace, d.first.span));
        if (d.refine) kids.push(symbol("refine", "stages 2..", SymbolKind.Namespace, d.refine.span));
        for (const g of d.groups ?? []) kids.push(symbol(`group ${g.name.name}`, g.count ? `${g.count.value} stage${g.count.value === 1 ? "" : "s"}` : "", SymbolKind.Namespace, g.span, g.name.span));
        out.push(symbol(`stages ${d.count?.value ?? ""}`.trim(), "", SymbolKind.Namespace, d.span, d.span, kids));
        break;
      }
      case "Block":
        if (d.name) out.push(symbol(d.name.name, "block", SymbolKind.Function, d.span, d.name.span, labelSymbols(d.body)));
        break;
      default:
        break;
    }
  }
  return out;
}
