// Positions: LSP ranges from spans, and "what is under the cursor" in a parsed file. The AST carries a
// span on every node, so a cursor offset is resolved by walking down to the innermost node covering it.
import type { Range } from "vscode-languageserver";
import type { Arg, Body, Decl, DeclOf, FileAst, Ident, LayerStmt, Setting, Stmt } from "../grammar/ast.js";
import type { SourceSpan } from "../core/ir/types.js";

export function toRange(s: SourceSpan): Range {
  const line = Math.max(0, s.line - 1);
  const endLine = Math.max(line, s.endLine - 1);
  return { start: { line, character: Math.max(0, s.col - 1) }, end: { line: endLine, character: Math.max(0, s.endCol - 1) } };
}

/** 0-based offset of an LSP position in a text. */
export function offsetAt(text: string, line: number, character: number): number {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf("\n", offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + character);
}

interface Spanned {
  span: { start: number; end: number };
}
export const covers = (node: Spanned | undefined, offset: number): boolean => !!node && node.span.start <= offset && offset <= node.span.end;

export type SettingSection = "loss" | "train" | "keypoints";

/** What the cursor is on, innermost first. */
export type Hit =
  | { kind: "callee"; stmt: LayerStmt; ident: Ident }
  | { kind: "label"; ident: Ident; stmt?: LayerStmt; group?: Extract<Stmt, { kind: "Group" }> }
  | { kind: "argName"; stmt: LayerStmt; arg: Extract<Arg, { kind: "Named" }> }
  | { kind: "layer"; stmt: LayerStmt }
  | { kind: "backbone"; decl: DeclOf<"Backbone">; ident: Ident }
  | { kind: "until"; decl: DeclOf<"Backbone">; ident: Ident }
  | { kind: "path"; decl: DeclOf<"Import"> | DeclOf<"Model">; value: string; span: SourceSpan }
  | { kind: "setting"; section: SettingSection; setting: Setting; arg?: Extract<Arg, { kind: "Named" }> }
  | { kind: "header"; decl: DeclOf<"Input"> | DeclOf<"Stages">; arg?: Extract<Arg, { kind: "Named" }> }
  | { kind: "blockName"; decl: DeclOf<"Block"> }
  | { kind: "keyword"; decl: Decl };

function namedArgAt(args: Arg[], offset: number): Extract<Arg, { kind: "Named" }> | undefined {
  for (const a of args) if (a.kind === "Named" && covers(a.name, offset)) return a;
  return undefined;
}

function inBody(body: Body | undefined, offset: number): Hit | undefined {
  if (!body || !covers(body, offset)) return undefined;
  for (const s of body.stmts) {
    const hit = inStmt(s, offset);
    if (hit) return hit;
  }
  return undefined;
}

function inStmt(s: Stmt, offset: number): Hit | undefined {
  if (!covers(s, offset)) return undefined;
  switch (s.kind) {
    case "Layer": {
      if (covers(s.label, offset)) return { kind: "label", ident: s.label!, stmt: s };
      if (covers(s.callee, offset)) return { kind: "callee", stmt: s, ident: s.callee };
      for (const b of s.branches) {
        const hit = inBody(b, offset);
        if (hit) return hit;
      }
      const arg = namedArgAt(s.args, offset);
      return arg ? { kind: "argName", stmt: s, arg } : { kind: "layer", stmt: s };
    }
    case "Group":
      if (covers(s.label, offset)) return { kind: "label", ident: s.label!, group: s };
      return inBody(s.body, offset);
    case "If": {
      const hit = inBody(s.then, offset);
      if (hit) return hit;
      return s.otherwise ? (s.otherwise.kind === "If" ? inStmt(s.otherwise, offset) : inBody(s.otherwise, offset)) : undefined;
    }
    case "For":
      return inBody(s.body, offset);
    default:
      return undefined;
  }
}

/** The bodies of a `stages` section: `first`/`refine`, or the parts of its stage groups. */
export function stageBodies(d: DeclOf<"Stages">): Body[] {
  const out: Body[] = [];
  for (const sb of [d.first, d.refine]) if (sb) out.push(...(sb.kind === "EachBranch" ? [sb.body] : sb.branches.map((b) => b.body)));
  for (const g of d.groups ?? []) for (const item of g.items) if (item.kind === "Part") out.push(item.body);
  return out;
}

function inSettings(section: SettingSection, settings: Setting[] | undefined, offset: number): Hit | undefined {
  for (const setting of settings ?? []) if (covers(setting, offset)) return { kind: "setting", section, setting, arg: namedArgAt(setting.args, offset) };
  return undefined;
}

export function hitAt(ast: FileAst, offset: number): Hit | undefined {
  for (const d of ast.decls) {
    if (!covers(d, offset)) continue;
    switch (d.kind) {
      case "Model":
        if (d.extends && covers(d.extends, offset)) return { kind: "path", decl: d, value: d.extends.value, span: d.extends.span };
        return { kind: "keyword", decl: d };
      case "Import":
        if (d.path && covers(d.path, offset)) return { kind: "path", decl: d, value: d.path.value, span: d.path.span };
        return { kind: "keyword", decl: d };
      case "Backbone":
        if (covers(d.callee, offset)) return { kind: "backbone", decl: d, ident: d.callee! };
        if (covers(d.until, offset)) return { kind: "until", decl: d, ident: d.until! };
        return inBody(d.body, offset) ?? { kind: "keyword", decl: d };
      case "Adapter":
        return inBody(d.body, offset) ?? { kind: "keyword", decl: d };
      case "Stages": {
        for (const b of stageBodies(d)) {
          const hit = inBody(b, offset);
          if (hit) return hit;
        }
        return { kind: "header", decl: d, arg: namedArgAt(d.args, offset) };
      }
      case "Input":
        return { kind: "header", decl: d, arg: namedArgAt(d.args, offset) };
      case "Keypoints":
        return inSettings("keypoints", d.body, offset) ?? { kind: "keyword", decl: d };
      case "Loss":
        return inSettings("loss", d.settings, offset) ?? { kind: "keyword", decl: d };
      case "Train":
        return inSettings("train", d.settings, offset) ?? { kind: "keyword", decl: d };
      case "Block":
        if (covers(d.name, offset)) return { kind: "blockName", decl: d };
        return inBody(d.body, offset) ?? { kind: "keyword", decl: d };
      default:
        return { kind: "keyword", decl: d };
    }
  }
  return undefined;
}

/** Every layer statement of a body, at any depth (branches, groups, loops, conditionals). */
export function layerStmtsOf(body: Body | undefined): LayerStmt[] {
  const out: LayerStmt[] = [];
  const walkBody = (b: Body | undefined) => b?.stmts.forEach(walk);
  const walk = (s: Stmt) => {
    if (s.kind === "Layer") {
      out.push(s);
      s.branches.forEach(walkBody);
    } else if (s.kind === "Group" || s.kind === "For") walkBody(s.body);
    else if (s.kind === "If") {
      walkBody(s.then);
      if (s.otherwise) (s.otherwise.kind === "If" ? walk(s.otherwise) : walkBody(s.otherwise));
    }
  };
  walkBody(body);
  return out;
}

/** Every layer statement of a file (for references). */
export function allLayerStmts(ast: FileAst): LayerStmt[] {
  const out: LayerStmt[] = [];
  for (const d of ast.decls) {
    if (d.kind === "Backbone" || d.kind === "Adapter" || d.kind === "Block") out.push(...layerStmtsOf(d.body));
    if (d.kind === "Stages") for (const b of stageBodies(d)) out.push(...layerStmtsOf(b));
  }
  return out;
}

// the labelled statements of a body, nested groups included (what `until` may name)
export { labelIdents as labelDecls } from "../compiler/elaborate.js";

/**
 * Whether a label names `name`: a plain label by equality, a template (`layer{i + 1}`) when its literal
 * parts match around some text (the value is only known when the block runs).
 */
export function labelMatches(label: Ident & { template?: (string | unknown)[] }, name: string): boolean {
  if (!label.template) return label.name === name;
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = label.template.map((part) => (typeof part === "string" ? escape(part) : "[A-Za-z0-9_]+")).join("");
  return new RegExp(`^${pattern}$`).test(name);
}
