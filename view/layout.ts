// Layout with ELK (elkjs, the Eclipse Layout Kernel): each column (backbone + adapter, then each stage)
// is laid out top-down by ELK's layered algorithm, which also routes its edges; the columns are then
// set side by side, stages beside the features they read, and the edges between columns are drawn as
// curves. Layout runs here, at `posec view` time, so the page carries positions, not a layout engine.
import { createRequire } from "node:module";
import type { ViewGraph } from "./graph.js";
import { ACTIVATION_OPS } from "../core/ops/index.js";

export type BoxKind = "node" | "activation" | "group" | "input";

export interface Box {
  id: string;
  kind: BoxKind;
  column: string;
  lines: string[];
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Edge {
  from: string;
  to: string;
  /** SVG path data */
  d: string;
  crossColumn: boolean;
}

export interface Layout {
  boxes: Box[];
  edges: Edge[];
  width: number;
  height: number;
}

interface ElkNode {
  id: string;
  width: number;
  height: number;
  x?: number;
  y?: number;
}
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  sections?: { startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: { x: number; y: number }[] }[];
}
interface ElkGraph {
  id: string;
  layoutOptions: Record<string, string>;
  children: ElkNode[];
  edges: ElkEdge[];
  width?: number;
  height?: number;
}
type Elk = { layout(g: ElkGraph): Promise<ElkGraph> };

// elkjs is CommonJS (a GWT build); Node's require loads it so that it stays out of the ESM bundle.
const ELK = createRequire(import.meta.url)("elkjs/lib/elk.bundled.js") as new () => Elk;

/** activations are drawn as small boxes: the op table says which ops are (core/ops/) */
const ACTIVATIONS = new Set<string>(ACTIVATION_OPS);
const CHAR_W = 6.8;
const LINE_H = 14;
const COLUMN_GAP = 80;

const fmtCount = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

function sized(id: string, kind: BoxKind, column: string, lines: string[]): Box {
  const w = Math.max(110, Math.ceil(Math.max(...lines.map((l) => l.length)) * CHAR_W) + 16);
  return { id, kind, column, lines, x: 0, y: 0, w, h: lines.length * LINE_H + 10 };
}

/** Boxes for one level of detail: every node, or block instances collapsed into one box each. */
export function boxesOf(g: ViewGraph, collapsed: boolean): { boxes: Box[]; edges: { from: string; to: string }[] } {
  const boxOf = new Map<string, string>();
  const boxes: Box[] = [sized(g.input.id, "input", "features", [`input ${g.input.id}`, g.input.shape])];
  boxOf.set(g.input.id, g.input.id);
  const groups = new Map(g.groups.map((x) => [x.id, x]));
  const placed = new Set<string>();
  for (const n of g.nodes) {
    if (collapsed && n.group) {
      boxOf.set(n.id, n.group);
      if (placed.has(n.group)) continue;
      placed.add(n.group);
      const grp = groups.get(n.group)!;
      boxes.push(sized(grp.id, "group", grp.column, [`▸ ${grp.label}`, `${grp.members.length} layers → ${grp.shape}`, `${fmtCount(grp.params)} params · ${fmtCount(grp.macs)} MACs`]));
      continue;
    }
    boxOf.set(n.id, n.id);
    if (ACTIVATIONS.has(n.op)) boxes.push(sized(n.id, "activation", n.column, [`${n.op}  ${n.shape}`]));
    else boxes.push(sized(n.id, "node", n.column, [`${n.id} (${n.op})`, n.shape, `${fmtCount(n.params)} params · ${fmtCount(n.macs)} MACs`]));
  }
  const seen = new Set<string>();
  const edges: { from: string; to: string }[] = [];
  for (const e of g.edges) {
    const from = boxOf.get(e.from)!;
    const to = boxOf.get(e.to)!;
    const key = `${from}->${to}`;
    if (from === to || seen.has(key)) continue;
    seen.add(key);
    edges.push({ from, to });
  }
  return { boxes, edges };
}

const ELK_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.spacing.nodeNode": "18",
  "elk.layered.spacing.nodeNodeBetweenLayers": "22",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.padding": "[top=10,left=10,bottom=10,right=10]",
};

export async function layout(g: ViewGraph, collapsed: boolean): Promise<Layout> {
  const { boxes, edges } = boxesOf(g, collapsed);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const elk = new ELK();
  const out: Edge[] = [];
  let x0 = 0;
  let featuresBottom = 0;
  let height = 0;
  for (const column of g.columns) {
    const inColumn = boxes.filter((b) => b.column === column);
    if (!inColumn.length) continue;
    const local = edges.filter((e) => byId.get(e.from)!.column === column && byId.get(e.to)!.column === column);
    const result = await elk.layout({
      id: column,
      layoutOptions: ELK_OPTIONS,
      children: inColumn.map((b) => ({ id: b.id, width: b.w, height: b.h })),
      edges: local.map((e, i) => ({ id: `${column}_e${i}`, sources: [e.from], targets: [e.to] })),
    });
    // stages start level with the end of the features they read
    const y0 = column === "features" ? 0 : Math.max(0, featuresBottom - 40);
    for (const c of result.children) {
      const b = byId.get(c.id)!;
      b.x = (c.x ?? 0) + x0;
      b.y = (c.y ?? 0) + y0;
    }
    for (const e of result.edges) {
      const s = e.sections?.[0];
      const i = Number(e.id.slice(e.id.lastIndexOf("_e") + 2));
      if (!s) continue;
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => `${(p.x + x0).toFixed(1)},${(p.y + y0).toFixed(1)}`);
      out.push({ from: local[i].from, to: local[i].to, d: `M${pts.join("L")}`, crossColumn: false });
    }
    if (column === "features") featuresBottom = result.height ?? 0;
    height = Math.max(height, y0 + (result.height ?? 0));
    x0 += (result.width ?? 0) + COLUMN_GAP;
  }
  for (const e of edges) {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    if (a.column === b.column) continue;
    const sx = a.x + a.w / 2;
    const sy = a.y + a.h;
    const tx = b.x + b.w / 2;
    const ty = b.y;
    const bend = Math.max(40, Math.abs(ty - sy) / 2);
    out.push({ from: e.from, to: e.to, d: `M${sx.toFixed(1)},${sy.toFixed(1)}C${sx.toFixed(1)},${(sy + bend).toFixed(1)} ${tx.toFixed(1)},${(ty - bend).toFixed(1)} ${tx.toFixed(1)},${ty.toFixed(1)}`, crossColumn: true });
  }
  return { boxes, edges: out, width: Math.max(1, x0 - COLUMN_GAP), height: Math.max(1, height) };
}
