// Hover: on a layer line, what it produces at the spec's input size (shape, parameters, MACs,
// receptive field) read from the compiler's shape report; on a block call, the block's signature,
// doc comment and totals; on a setting or argument, its type, range, default and meaning.
import type { Hover } from "vscode-languageserver";
import type { ParamSpec } from "../compiler/bind-args.js";
import type { CompileResult } from "../compiler/compile.js";
import type { IrNode, SourceSpan } from "../core/ir/types.js";
import type { BlockRef } from "../compiler/modules.js";
import { OPS } from "../compiler/layer-catalog.js";
import { INPUT_PARAMS, KEYPOINT_SETTINGS, LOSS_SETTINGS, STAGES_PARAMS, TRAIN_SETTINGS, type SettingDef } from "../compiler/settings.js";
import type { ShapeReport } from "../core/shapes.js";
import { lookup } from "../compiler/suggest.js";
import type { Span } from "../grammar/ast.js";
import { blockDoc, blockSignature, count, describeParam } from "./describe.js";
import { hitAt, toRange, type Hit } from "./locate.js";
import type { OpenDocument, Workspace } from "./workspace.js";

const MAX_ROWS = 8;

/** A compilation that has shapes for this file: its own, or that of an open spec using it (a block file). */
export function shapeContext(ws: Workspace, doc: OpenDocument): CompileResult | undefined {
  const own = ws.compile(doc.path);
  if (own.report && own.ir) return own;
  for (const other of ws.documents()) {
    if (other.uri === doc.uri) continue;
    const r = ws.compile(other.path);
    if (r.ir && r.report && r.ir.nodes.some((n) => n.span.file === doc.path || n.callers.some((c) => c.file === doc.path))) return r;
  }
  return undefined;
}

const sameStart = (a: SourceSpan, b: Span) => a.file === b.file && a.line === b.line && a.col === b.col;
const within = (a: SourceSpan, b: Span) =>
  a.file === b.file && (a.line > b.line || (a.line === b.line && a.col >= b.col)) && (a.line < b.endLine || (a.line === b.endLine && a.col < b.endCol));

function nodeTable(nodes: IrNode[], report: ShapeReport): string {
  const costs = new Map(report.nodes.map((n) => [n.name, n]));
  const rows = ["| layer | output H×W×C | params | MACs | receptive field |", "|---|---|---|---|---|"];
  for (const n of nodes.slice(0, MAX_ROWS)) {
    const c = costs.get(n.name);
    const rf = report.receptiveFields[n.name];
    const rfText = rf ? (rf.size ? `${rf.size[0]}×${rf.size[1]} (stride ${rf.stride[0]})` : "whole image") : "–";
    rows.push(`| \`${n.name}\` (${n.op}) | ${c ? c.shape.join("×") : "–"} | ${c ? count(c.params) : "–"} | ${c ? count(c.macs) : "–"} | ${rfText} |`);
  }
  if (nodes.length > MAX_ROWS) rows.push(`| … ${nodes.length - MAX_ROWS} more | | | | |`);
  return rows.join("\n");
}

function totals(nodes: IrNode[], report: ShapeReport): string {
  const costs = new Map(report.nodes.map((n) => [n.name, n]));
  let params = 0;
  let macs = 0;
  for (const n of nodes) {
    params += costs.get(n.name)?.params ?? 0;
    macs += costs.get(n.name)?.macs ?? 0;
  }
  const last = nodes.length ? costs.get(nodes[nodes.length - 1].name) : undefined;
  return `${nodes.length} layer${nodes.length === 1 ? "" : "s"}, ${count(params)} parameters, ${count(macs)} MACs${last ? `, output ${last.shape.join("×")}` : ""}`;
}

function atInput(result: CompileResult): string {
  const [h, w, c] = result.report!.input;
  return `at the input size ${h}×${w}×${c}`;
}

function settingsTable(section: "loss" | "train" | "keypoints"): Record<string, SettingDef> {
  return section === "loss" ? LOSS_SETTINGS : section === "train" ? TRAIN_SETTINGS : KEYPOINT_SETTINGS;
}

function paramsText(params: ParamSpec[], only?: string): string {
  const chosen = only ? params.filter((p) => p.name === only) : params;
  return chosen.map((p) => `- ${describeParam(p)}`).join("\n");
}

function settingHover(name: string, def: SettingDef, only?: string): string {
  const parts = [`**${name}** — ${def.doc}`];
  if (def.params) parts.push(paramsText(def.params, only));
  for (const [variant, params] of Object.entries(def.variants ?? {})) {
    const text = paramsText(params, only);
    if (!only || text) parts.push(`\`${name} ${variant}\`${text ? `\n${text}` : ""}`);
  }
  return parts.join("\n\n");
}

function blockHover(ref: BlockRef, callSite: (c: SourceSpan) => boolean, result: CompileResult | undefined): string {
  const doc = blockDoc(ref);
  const parts = ["```posenet\n" + blockSignature(ref) + "\n```", ...(doc ? [doc] : []), `defined in \`${ref.module.path}:${ref.decl.span.line}\``];
  if (result?.ir && result.report) {
    const nodes = result.ir.nodes.filter((n) => n.callers.some(callSite));
    if (nodes.length) parts.push(`${atInput(result)}: ${totals(nodes, result.report)}`);
  }
  return parts.join("\n\n");
}

function hoverText(hit: Hit, ws: Workspace, doc: OpenDocument): string | undefined {
  const own = ws.compile(doc.path);
  const visible = own.program.modules.get(doc.path)?.visible;
  const ctx = () => shapeContext(ws, doc);
  switch (hit.kind) {
    case "callee":
    case "layer":
    case "label": {
      if (hit.kind === "label" && hit.group) {
        // a labelled group (`layer2: { ... }`): the totals of everything made inside it
        const group = hit.group;
        const result = ctx();
        const nodes = result?.ir?.nodes.filter((n) => within(n.span, group.span) || n.callers.some((c) => within(c, group.span))) ?? [];
        return `**${hit.ident.name}** — labelled group${nodes.length && result ? `\n\n${atInput(result)}: ${totals(nodes, result.report!)}` : ""}`;
      }
      const stmt = hit.stmt;
      if (!stmt) return undefined;
      const op = lookup(OPS, stmt.callee.name);
      if (!op) {
        const ref = visible?.get(stmt.callee.name);
        return ref ? blockHover(ref, (c) => sameStart(c, stmt.span), ctx()) : undefined;
      }
      const parts = [`**${stmt.callee.name}** — ${op.summary}`];
      const result = ctx();
      if (result?.ir && result.report) {
        const nodes = result.ir.nodes.filter((n) => sameStart(n.span, stmt.span));
        if (nodes.length) parts.push(`${atInput(result)}:\n\n${nodeTable(nodes, result.report)}`);
      }
      return parts.join("\n\n");
    }
    case "argName": {
      const op = lookup(OPS, hit.stmt.callee.name);
      const p = op?.params.find((q) => q.name === hit.arg.name.name);
      if (p) return describeParam(p);
      const ref = visible?.get(hit.stmt.callee.name);
      const bp = ref?.decl.params.find((q) => q.name.name === hit.arg.name.name);
      return bp && ref ? `parameter of \`${blockSignature(ref)}\`` : undefined;
    }
    case "backbone": {
      const ref = visible?.get(hit.ident.name);
      return ref ? blockHover(ref, (c) => within(c, hit.decl.span), ctx()) : undefined;
    }
    case "blockName": {
      const ref = visible?.get(hit.decl.name!.name) ?? own.program.modules.get(doc.path)?.own.get(hit.decl.name!.name);
      return ref ? blockHover(ref, () => false, undefined) : undefined;
    }
    case "setting": {
      const def = lookup(settingsTable(hit.section), hit.setting.name.name);
      return def ? settingHover(hit.setting.name.name, def, hit.arg?.name.name) : undefined;
    }
    case "header": {
      const params = hit.decl.kind === "Input" ? INPUT_PARAMS : STAGES_PARAMS;
      const head = hit.decl.kind === "Input" ? "**input** NAME HxWxC — the network input; pixels in 0..255 become `pixel * scale + shift`" : "**stages** N — the prediction stages (`first` then `refine`, each with a heatmap and a PAF branch)";
      const result = ctx();
      const outs = hit.decl.kind === "Stages" && result?.report ? Object.entries(result.report.outputs).map(([k, s]) => `- \`${k}\`: ${s.join("×")}`).join("\n") : "";
      return [head, paramsText(params, hit.arg?.name.name), outs && `outputs ${atInput(result!)}:\n${outs}`].filter(Boolean).join("\n\n");
    }
    case "until": {
      const result = ctx();
      const last = result?.ir?.nodes.filter((n) => n.part === "backbone").pop();
      const cost = last && result?.report?.nodes.find((c) => c.name === last.name);
      const rf = last && result?.report?.receptiveFields[last.name];
      const out = cost ? `\n\n${atInput(result!)}: the backbone's output \`${last!.name}\` is ${cost.shape.join("×")}${rf ? `, stride ${rf.stride[0]}` : ""}` : "";
      return `cut point: the backbone ends after the statement labelled \`${hit.ident.name}\`${out}`;
    }
    case "path":
    case "keyword":
      return undefined;
  }
}

export function hover(ws: Workspace, doc: OpenDocument, offset: number): Hover | null {
  const parsed = ws.compile(doc.path).program.modules.get(doc.path)?.parsed ?? ws.parse(doc.path, doc.text);
  const hit = hitAt(parsed.ast, offset);
  if (!hit) return null;
  const text = hoverText(hit, ws, doc);
  if (!text) return null;
  const span = hit.kind === "callee" || hit.kind === "backbone" || hit.kind === "until" || hit.kind === "label" ? hit.ident.span : hit.kind === "layer" ? hit.stmt.span : hit.kind === "setting" ? hit.setting.span : undefined;
  return { contents: { kind: "markdown", value: text }, ...(span ? { range: toRange(span) } : {}) };
}
