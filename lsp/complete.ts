// Completion from the text before the cursor (it is usually mid-edit and need not parse): which
// section the cursor is in (the last top-level keyword line whose braces are still open, or the top
// level), and which word of the current statement. Candidates come from the compiler's own tables:
// OPS, the visible blocks, the setting tables, the built-in keypoint schemas.
import type { CompletionItem } from "vscode-languageserver";
import { CompletionItemKind, InsertTextFormat } from "./protocol.js";
import type { ParamSpec } from "../compiler/bind-args.js";
import { BUILTIN_KEYPOINTS } from "../core/keypoints/builtin.js";
import { INIT_STATEMENT, OPS } from "../compiler/layer-catalog.js";
import { INPUT_PARAMS, KEYPOINT_SETTINGS, LOSS_SETTINGS, STAGES_PARAMS, TRAIN_SETTINGS, type SettingDef } from "../compiler/settings.js";
import type { BlockRef } from "../compiler/modules.js";
import type { DeclOf } from "../grammar/ast.js";
import { cutLabels } from "./navigate.js";
import { lookup } from "../compiler/suggest.js";
import { blockDoc, blockSignature, describeDefault, describeParam } from "./describe.js";
import type { OpenDocument, Workspace } from "./workspace.js";

const TOP_KEYWORDS = ["posenet 1", "model", "import", "input", "keypoints", "backbone", "adapter", "stages", "loss", "train", "init", "block"];
const BODY_KEYWORDS = ["if", "else", "require", "init", "for"];
const SECTION_WORDS = new Set(["posenet", "model", "import", "input", "keypoints", "backbone", "adapter", "stages", "loss", "train", "init", "block"]);

/** Text with comments and strings blanked, so that braces and words inside them do not count. */
function code(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.)*"?|#[^\n]*/g, (m) => " ".repeat(m.length));
}

interface Context {
  /** the top-level keyword of the section the cursor is in, or "" at the top level */
  section: string;
  /** words of the current statement before the cursor, the last one possibly partial */
  words: string[];
  /** the cursor is right after `name=` */
  valueOf?: string;
}

export function contextAt(text: string, offset: number): Context {
  const before = code(text.slice(0, offset));
  const lines = before.split("\n");
  let section = "";
  let depth = 0;
  // walk back to the last top-level line (no indentation) that opens a section and is still open
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    for (let j = line.length - 1; j >= 0; j--) {
      if (line[j] === "}") depth++;
      else if (line[j] === "{") depth--;
    }
    const first = /^([A-Za-z_]+)/.exec(line)?.[1];
    if (first && SECTION_WORDS.has(first)) {
      if (depth < 0 || i === lines.length - 1) section = first;
      break;
    }
  }
  const statement = lines[lines.length - 1].split(/[;{]/).pop() ?? "";
  const stripped = statement.replace(/^\s*[A-Za-z_][A-Za-z0-9_]*\s*:(?!=)/, "");
  const valueOf = /([A-Za-z_][A-Za-z0-9_]*)=[^\s=]*$/.exec(stripped)?.[1];
  const words = stripped.trimStart().split(/\s+/);
  return { section, words, valueOf };
}

const item = (label: string, kind: CompletionItemKind, detail?: string, documentation?: string, insertText?: string): CompletionItem => ({
  label,
  kind,
  ...(detail ? { detail } : {}),
  ...(documentation ? { documentation: { kind: "markdown", value: documentation } } : {}),
  ...(insertText ? { insertText, insertTextFormat: InsertTextFormat.PlainText } : {}),
});

function paramItems(params: ParamSpec[], given: string[], valueOf?: string): CompletionItem[] {
  if (valueOf) {
    const p = params.find((q) => q.name === valueOf);
    if (!p) return [];
    const options = p.type.kind === "choice" ? p.type.options : p.type.kind === "bool" ? ["true", "false"] : p.default !== undefined ? [describeDefault(p.default)] : [];
    return options.map((o) => item(o, CompletionItemKind.Value, describeParam(p)));
  }
  const out: CompletionItem[] = [];
  for (const p of params) {
    if (p.flag && p.type.kind === "choice") for (const o of p.type.options) out.push(item(o, CompletionItemKind.EnumMember, `${p.name}`, p.doc));
    else if (!given.includes(p.name)) out.push(item(`${p.name}=`, CompletionItemKind.Property, describeParam(p), p.doc, `${p.name}=`));
  }
  return out;
}

function settingItems(table: Record<string, SettingDef>, ctx: Context): CompletionItem[] {
  if (ctx.words.length <= 1) return Object.entries(table).map(([name, def]) => item(name, CompletionItemKind.Property, def.doc));
  const def = lookup(table, ctx.words[0]);
  if (!def) return [];
  const given = ctx.words.map((w) => w.split("=")[0]);
  if (def.variants) {
    const variant = lookup(def.variants, ctx.words[1]);
    if (ctx.words.length === 2 && !variant) return Object.keys(def.variants).map((v) => item(v, CompletionItemKind.EnumMember, `${ctx.words[0]} ${v}`));
    return variant ? paramItems(variant, given, ctx.valueOf) : [];
  }
  return paramItems(def.params ?? [], given, ctx.valueOf);
}

function layerItems(ws: Workspace, doc: OpenDocument, ctx: Context): CompletionItem[] {
  const visible: Map<string, BlockRef> = ws.compile(doc.path).program.modules.get(doc.path)?.visible ?? new Map();
  if (ctx.words.length <= 1) {
    const ops = Object.entries(OPS).map(([name, def]) => item(name, CompletionItemKind.Function, def.summary, def.params.map((p) => `- ${describeParam(p)}`).join("\n")));
    const blocks = [...visible.values()].map((ref) => item(ref.decl.name!.name, CompletionItemKind.Module, blockSignature(ref), blockDoc(ref) || `from \`${ref.module.path}\``));
    const keywords = [...BODY_KEYWORDS, ...(ctx.section === "stages" ? ["first", "refine", "each branch", "heatmap", "paf", "group", "input", "trunk", "heatmaps", "pafs"] : [])].map((k) => item(k, CompletionItemKind.Keyword));
    return [...ops, ...blocks, ...keywords];
  }
  const head = ctx.words[0];
  const given = ctx.words.map((w) => w.split("=")[0]);
  if (head === "init") return ctx.words.length === 2 ? Object.keys(INIT_STATEMENT).map((s) => item(s, CompletionItemKind.EnumMember)) : paramItems(INIT_STATEMENT[ctx.words[1]]?.params ?? [], given, ctx.valueOf);
  const op = lookup(OPS, head);
  if (op) return paramItems(op.params, given, ctx.valueOf);
  const ref = visible.get(head);
  if (ref) return ref.decl.params.filter((p) => !given.includes(p.name.name)).map((p) => item(`${p.name.name}=`, CompletionItemKind.Property, blockSignature(ref), undefined, `${p.name.name}=`));
  return [];
}

export function completions(ws: Workspace, doc: OpenDocument, offset: number): CompletionItem[] {
  const ctx = contextAt(doc.text, offset);
  if (ctx.words.length <= 1 && ctx.section === "") return TOP_KEYWORDS.map((k) => item(k, CompletionItemKind.Keyword));
  if (ctx.words.length > 1 && SECTION_WORDS.has(ctx.words[0])) {
    const visible: Map<string, BlockRef> = ws.compile(doc.path).program.modules.get(doc.path)?.visible ?? new Map();
    const given = ctx.words.map((w) => w.split("=")[0]);
    switch (ctx.words[0]) {
      case "backbone":
        if (ctx.words.length === 2) return [...visible.values()].map((ref) => item(ref.decl.name!.name, CompletionItemKind.Module, blockSignature(ref), blockDoc(ref)));
        if (ctx.words[ctx.words.length - 2] === "until") {
          // the cut points of the called block (templated labels like `layer{i + 1}` are shown as written)
          const m = ws.compile(doc.path).program.modules.get(doc.path);
          const callee = visible.get(ctx.words[1]);
          if (!m || !callee) return [];
          const decl = { kind: "Backbone", callee: { kind: "Ident", name: ctx.words[1], span: callee.decl.span }, args: [], span: callee.decl.span } as DeclOf<"Backbone">;
          return [...new Set(cutLabels(m, decl).map((l) => l.name))].map((l) => item(l, CompletionItemKind.Field, "cut point"));
        }
        return [item("until", CompletionItemKind.Keyword), ...(visible.get(ctx.words[1])?.decl.params.map((p) => item(`${p.name.name}=`, CompletionItemKind.Property, undefined, undefined, `${p.name.name}=`)) ?? [])];
      case "keypoints":
        return ctx.words.length === 2 ? Object.keys(BUILTIN_KEYPOINTS).map((k) => item(k, CompletionItemKind.EnumMember, "built-in keypoint schema")) : [];
      case "input":
        return ctx.words.length > 3 ? paramItems(INPUT_PARAMS, given, ctx.valueOf) : [];
      case "stages":
        return ctx.words.length > 2 ? paramItems(STAGES_PARAMS, given, ctx.valueOf) : [];
      case "init":
        return ctx.words.length === 2 ? Object.keys(INIT_STATEMENT).map((s) => item(s, CompletionItemKind.EnumMember)) : paramItems(INIT_STATEMENT[ctx.words[1]]?.params ?? [], given, ctx.valueOf);
      default:
        return [];
    }
  }
  switch (ctx.section) {
    case "loss":
      return settingItems(LOSS_SETTINGS, ctx);
    case "train":
      return settingItems(TRAIN_SETTINGS, ctx);
    case "keypoints":
      return settingItems(KEYPOINT_SETTINGS, ctx);
    default:
      return layerItems(ws, doc, ctx);
  }
}
