// The picture's content, before any layout: one box per IR node (op, shape, parameters, MACs, spec
// location), the edges between them, the column each belongs to (the backbone and adapter, then one
// column per stage, so that stages stand side by side) and the block instances that the overview
// collapses into one box each (a ResNet-50 backbone becomes 16 bottlenecks instead of 170 layers).
import type { Ir, IrNode, SourceSpan } from "../core/ir/types.js";
import type { ShapeReport } from "../core/shapes.js";

export interface ViewNode {
  id: string;
  op: string;
  part: string;
  column: string;
  shape: string;
  params: number;
  macs: number;
  receptiveField: string;
  /** file:line:col of the spec statement, then the block calls that led to it (outermost first) */
  where: string;
  callers: string[];
  group?: string;
}

export interface ViewGroup {
  id: string;
  label: string;
  part: string;
  column: string;
  members: string[];
  params: number;
  macs: number;
  shape: string;
}

export interface ViewGraph {
  model: string;
  input: { id: string; shape: string };
  nodes: ViewNode[];
  edges: { from: string; to: string }[];
  groups: ViewGroup[];
  columns: string[];
  totals: { params: number; macs: number };
}

/** `file:line:col`: how the page shows a spec location, and the key that tells call sites apart. */
export const where = (s: SourceSpan) => `${s.file}:${s.line}:${s.col}`;
const spanKey = where;

/** Backbone and adapter share the first column; `stage3.heatmap` and `stage3` belong to `stage3`. */
export function columnOf(part: string): string {
  return part === "backbone" || part === "adapter" ? "features" : part.split(".")[0];
}

function commonPrefix(names: string[]): string {
  let p = names[0] ?? "";
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p.slice(0, p.lastIndexOf("_") + 1);
}

/**
 * Block instances: consecutive nodes of a part made by the same call site. A call repeated with `xN`
 * (or a loop) has one call site for all its instances; a new instance starts where the block's first
 * statement comes round again. Calls that every node of a part shares (the backbone's `resnet50`, and
 * the `resnet` it calls) are looked through: the instances are the calls one level further in.
 */
function blockInstances(nodes: IrNode[]): { members: IrNode[]; call: SourceSpan }[] {
  const out: { members: IrNode[]; call: SourceSpan }[] = [];
  const byPart = new Map<string, IrNode[]>();
  for (const n of nodes) byPart.set(n.part, [...(byPart.get(n.part) ?? []), n]);
  for (const partNodes of byPart.values()) {
    // skip the calls every node of the part shares (`backbone resnet18`, and `resnet` inside it)
    let depth = 0;
    const shared = (d: number) => partNodes.every((n) => n.callers[d] && spanKey(n.callers[d]) === spanKey(partNodes[0].callers[d]));
    while (depth < 16 && shared(depth)) depth++;
    let run: IrNode[] = [];
    let runKey = "";
    let startKey = "";
    let prevInner = "";
    const flush = () => {
      if (run.length >= 2) out.push({ members: run, call: run[0].callers[depth] });
      run = [];
    };
    for (const n of partNodes) {
      const call = n.callers[depth];
      if (!call) {
        flush();
        runKey = "";
        continue;
      }
      const inner = spanKey(n.callers[depth + 1] ?? n.span);
      const key = spanKey(call);
      if (key !== runKey || (inner === startKey && prevInner !== inner)) {
        flush();
        runKey = key;
        startKey = inner;
      }
      run.push(n);
      prevInner = inner;
    }
    flush();
  }
  return out;
}

export function viewGraph(ir: Ir, report: ShapeReport, sources: (file: string) => string | undefined): ViewGraph {
  const costs = new Map(report.nodes.map((c) => [c.name, c]));
  const dims = (t: string) => report.shapes[t]?.join("×") ?? "?";
  const callName = (s: SourceSpan) => {
    const line = sources(s.file)?.split("\n")[s.line - 1] ?? "";
    // the callee after an optional label (plain or templated: `conv5_{k}:`)
    const call = line.slice(s.col - 1).replace(/^\s*(?:[A-Za-z0-9_]|\{[^}\n]*\})+\s*:(?!=)/, "");
    return /^\s*([A-Za-z_]\w*)/.exec(call)?.[1] ?? "block";
  };
  const nodes: ViewNode[] = ir.nodes.map((n) => {
    const c = costs.get(n.name);
    const rf = report.receptiveFields[n.name];
    return {
      id: n.name,
      op: n.op,
      part: n.part,
      column: columnOf(n.part),
      shape: dims(n.name),
      params: c?.params ?? 0,
      macs: c?.macs ?? 0,
      receptiveField: rf ? (rf.size ? `${rf.size[0]}×${rf.size[1]}, stride ${rf.stride[0]}` : "whole image") : "",
      where: where(n.span),
      callers: n.callers.map(where),
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const groups: ViewGroup[] = blockInstances(ir.nodes).map(({ members, call }, i) => {
    const first = members[0];
    const prefix = commonPrefix(members.map((m) => m.name)).replace(/_$/, "");
    const id = `group${i + 1}`;
    for (const m of members) byId.get(m.name)!.group = id;
    // the IR's scopes name the block even where the call went through a block-typed parameter (`unit`)
    const scope = ir.scopes.find((sc) => sc.block !== null && spanKey(sc.span) === spanKey(call) && first.name.startsWith(sc.prefix) && sc.prefix !== "");
    const block = scope?.block ?? callName(call);
    return {
      id,
      // an automatic instance name (`layer1_bottleneck2`) already names the block; a label may not
      label: !prefix ? block : /[A-Za-z]\d+$/.test(prefix) ? prefix : `${prefix} (${block})`,
      part: first.part,
      column: columnOf(first.part),
      members: members.map((m) => m.name),
      params: members.reduce((a, m) => a + (costs.get(m.name)?.params ?? 0), 0),
      macs: members.reduce((a, m) => a + (costs.get(m.name)?.macs ?? 0), 0),
      shape: dims(members[members.length - 1].name),
    };
  });
  const producer = new Map(ir.tensors.map((t) => [t.name, t.producer ?? ir.input.tensor]));
  const edges = ir.nodes.flatMap((n) => n.inputs.map((t) => ({ from: producer.get(t) ?? ir.input.tensor, to: n.name })));
  const columns = ["features", ...new Set(nodes.map((n) => n.column).filter((c) => c !== "features"))];
  return {
    model: ir.model.name,
    input: { id: ir.input.tensor, shape: report.input.join("×") },
    nodes,
    edges,
    groups,
    columns,
    totals: { params: report.totals.params, macs: report.totals.macs },
  };
}
