// From a foreign weights file to posec's weight set, by name. Each format's mapper (map-caffe.ts,
// map-torchvision.ts) says which of the file's tensors belongs to which spec layer and role, by its
// written naming convention, and how to bring it into posec's layout; this module then checks every
// pairing against the spec's parameter list and writes the load report:
//   loaded   a spec tensor taken from the file
//   fresh    a spec tensor the file does not have, initialised as the spec says (seeded)
//   ignored  a file tensor no spec layer takes (e.g. a classifier the spec cuts off)
// A layer found in the file with a tensor of the wrong shape, or without a tensor the spec needs, is an
// error naming both sides and the spec line: silently loading by order or reshaping is never done.
import { spanText, type Ir } from "../../core/ir/types.js";
import { initialWeights, modelParams, type ParamSpec, type WeightSet } from "../../core/params/index.js";
import { PosecError } from "../errors.js";
import type { LoadEntry, LoadReport } from "./report.js";

/** PN5311: a tensor maps onto a spec layer but does not fit it. */
export const WEIGHTS_MISMATCH = "PN5311";

export type Role = ParamSpec["role"];

/** One tensor of the file, ready to become a spec tensor. */
export interface SourceTensor {
  /** how the file names it, e.g. `conv1_1` blob 0, or `layer1.0.conv1.weight` */
  key: string;
  /** its shape as stored in the file */
  shape: number[];
  /** its shape in posec's layout (core/params/params.ts), or null when it has no such reading (wrong rank) */
  posecShape: number[] | null;
  /** the layout it is stored in, for messages ("OIHW") */
  layout: string;
  /** its values in posec's layout (called once, after the shape check) */
  convert(): Float32Array;
  /** why it was taken from somewhere other than a plain copy (e.g. a BatchNorm's scale factor) */
  note?: string;
}

/** What the file has for one spec layer. */
export interface NodeSource {
  /** the file's layer (or key prefix) it comes from */
  from: string;
  tensors: Partial<Record<Role, SourceTensor>>;
  /** when set, the layer is initialised fresh on purpose, for this reason (its tensors then count as ignored) */
  fresh?: string;
}

export interface SourceMatch {
  format: string;
  /** spec node name -> what the file has for it */
  nodes: Map<string, NodeSource>;
  /** file tensors no spec layer takes, with the reason */
  ignored: { key: string; shape: number[]; reason: string }[];
  /** remarks that do not change the weights' numbers but may change the outputs (e.g. another BN epsilon) */
  notes: string[];
}

const fmt = (s: number[] | null) => (s ? `[${s.join(", ")}]` : "(no such shape)");

/**
 * Why a spec layer the file lacks starts fresh. When the file sets other layers of the same block call or
 * group (e.g. a ResNet bottleneck whose SE module an ImageNet ResNet does not have), the reason names that
 * block, so that a layer the file's network lacks is told apart from a layer outside the file's network.
 */
function missingLayerReason(ir: Ir, match: SourceMatch): (node: string) => string {
  const scopes = ir.scopes ?? [];
  const withTensors = new Set<number>();
  for (const n of ir.nodes) {
    if (!match.nodes.has(n.name)) continue;
    for (let s: number | null = n.scope; s !== null && s !== undefined && !withTensors.has(s); s = scopes[s]?.parent ?? null) withTensors.add(s);
  }
  const path = (id: number): string => {
    const labels: string[] = [];
    for (let s: number | null = id; s !== null; s = scopes[s]?.parent ?? null) if (scopes[s]?.label) labels.unshift(scopes[s].label);
    return labels.join(".");
  };
  const nodeScope = new Map(ir.nodes.map((n) => [n.name, n.scope]));
  return (node) => {
    for (let s: number | null = nodeScope.get(node) ?? null; s !== null && s !== undefined; s = scopes[s]?.parent ?? null) {
      const scope = scopes[s];
      if (!scope || scope.kind === "model" || scope.kind === "backbone") break;
      if (withTensors.has(s) && (scope.kind === "block" || scope.kind === "group")) {
        const what = scope.block ? `a \`${scope.block}\` block` : "a group";
        return `the file sets the other layers of \`${path(s)}\` (${what}) but has none for \`${node}\`: initialised as the spec says`;
      }
    }
    return `the file has no layer for \`${node}\``;
  };
}

/**
 * The weight set for `ir` from a match: loaded tensors, seeded fresh ones (`seed`, as `posec train`
 * initialises) for the rest, and the report. Throws PN5311 naming every misfit. Consumes `match`: each
 * file tensor is released once converted.
 */
export function assembleWeights(ir: Ir, match: SourceMatch, file: string, seed: number): { weights: WeightSet; report: LoadReport } {
  const specs = modelParams(ir);
  const nodes = new Map(ir.nodes.map((n) => [n.name, n]));
  const entries: LoadEntry[] = [];
  const problems: string[] = [];
  const loaded = new Map<string, Float32Array>();
  const ignored = [...match.ignored];
  const missingReason = missingLayerReason(ir, match);
  for (const spec of specs) {
    const node = nodes.get(spec.node)!;
    const where = spanText(node.span);
    const source = match.nodes.get(spec.node);
    if (!source || source.fresh !== undefined) {
      const reason = source?.fresh ?? missingReason(spec.node);
      entries.push({ tensor: spec.name, status: "fresh", shape: spec.shape, source: null, reason, spec: where });
      continue;
    }
    const t = source.tensors[spec.role];
    if (!t) {
      problems.push(`\`${spec.name}\` ${fmt(spec.shape)} (${where}) maps to \`${source.from}\` in ${file}, which has no ${spec.role} tensor`);
      continue;
    }
    if (!t.posecShape || t.posecShape.length !== spec.shape.length || t.posecShape.some((d, i) => d !== spec.shape[i])) {
      problems.push(`${t.key} in ${file} is ${fmt(t.shape)} (${t.layout}${t.posecShape ? `, ${fmt(t.posecShape)} in posec's layout` : ""}), but \`${spec.name}\` at ${where} needs ${fmt(spec.shape)}`);
      continue;
    }
    loaded.set(spec.name, t.convert());
    // drop the file's copy as soon as posec's exists, so that memory peaks near one copy of the weights
    delete source.tensors[spec.role];
    entries.push({ tensor: spec.name, status: "loaded", shape: spec.shape, source: t.key, reason: t.note ?? `by name from \`${source.from}\``, spec: where });
  }
  // the tensors of layers initialised fresh on purpose, and the roles the spec does not use, are ignored
  for (const [name, source] of match.nodes) {
    const used = new Set(specs.filter((s) => s.node === name).map((s) => s.role));
    for (const [role, t] of Object.entries(source.tensors)) {
      if (!t) continue;
      if (source.fresh !== undefined) ignored.push({ key: t.key, shape: t.shape, reason: source.fresh });
      else if (!used.has(role as Role)) problems.push(`${t.key} in ${file} maps to \`${name}/${role}\`, which ${ir.model.name} does not have (${spanText(nodes.get(name)!.span)}: e.g. a convolution without bias)`);
    }
  }
  if (problems.length) {
    const shown = problems.slice(0, 8).join("; ") + (problems.length > 8 ? `; and ${problems.length - 8} more` : "");
    throw new PosecError(`${file} does not fit ${ir.model.name}: ${shown}`, WEIGHTS_MISMATCH, "check that the file and the spec describe the same network (layer names, channels, input size for dense layers); see the naming conventions in `posec import --help`");
  }
  for (const i of ignored) entries.push({ tensor: null, status: "ignored", shape: i.shape, source: i.key, reason: i.reason, spec: null });
  const fresh = specs.filter((s) => !loaded.has(s.name));
  const init = initialWeights(fresh, seed);
  const weights: WeightSet = new Map();
  for (const s of specs) weights.set(s.name, loaded.has(s.name) ? { shape: s.shape, data: loaded.get(s.name)! } : init.get(s.name)!);
  const count = (status: LoadEntry["status"]) => entries.filter((e) => e.status === status).length;
  const report: LoadReport = {
    file,
    format: match.format,
    model: ir.model.name,
    seed,
    counts: { loaded: count("loaded"), fresh: count("fresh"), ignored: count("ignored") },
    notes: match.notes,
    entries,
  };
  return { weights, report };
}
