// The spec's structure for emitters that write one class or function per block (PyTorch's model.py): the
// IR's scopes (core/ir/types.ts, IrScope) as a tree of instances with their members, the tensors each one
// reads and produces, and which instances can share one class. Target-neutral: the target renders an
// instance's code with concrete numbers, and `shareClasses` turns the instances of one definition whose
// code differs only in numbers into one class with constructor arguments named after the spec's block
// parameters (`width`, `width * 4`, `in_channels // ratio`).
import type { Ir, IrNode, IrScope } from "../../core/ir/types.js";
import { spanText } from "../../core/ir/types.js";

export interface Instance {
  scope: IrScope;
  /** the definition's name: the block's (the innermost one for the backbone's call), else the group's or stage group's */
  defName: string;
  /** instances of one definition (same block or group body) have the same key */
  key: string;
  members: Member[];
  /** every node inside, in IR order */
  nodes: IrNode[];
  /** tensors read from outside, in first-use order */
  inputs: string[];
  /** tensors produced inside and read outside (or model and stage outputs), in production order */
  outputs: string[];
  /** channels of the first input */
  inChannels: number;
}
export type Member = { node: IrNode; instance?: undefined } | { instance: Instance; node?: undefined };

export const memberLabel = (m: Member) => (m.node ? m.node.label : m.instance.scope.label);
export const memberInputs = (m: Member) => (m.node ? m.node.inputs : m.instance.inputs);
export const memberOutputs = (m: Member) => (m.node ? [m.node.name] : m.instance.outputs);

/**
 * The instance tree. A scope labelled "" (a block alias's inner call, the backbone's block call) is not an
 * instance of its own: its members are its parent's. The backbone stays one instance (its members are the
 * model's in the module namespace, but it is the model's base class).
 */
export function blockTree(ir: Ir): Instance {
  const scopes = ir.scopes;
  const shown = (s: IrScope) => s.id === 0 || s.label !== "" || s.kind === "backbone";
  const home = (id: number): number => (shown(scopes[id]) ? id : home(scopes[id].parent!));
  const channels = new Map(ir.tensors.map((t) => [t.name, t.channels]));
  const consumers = new Map<string, number[]>();
  ir.nodes.forEach((n, i) => n.inputs.forEach((t) => consumers.set(t, [...(consumers.get(t) ?? []), i])));
  const kept = new Set([...Object.values(ir.outputs), ...(ir.stages?.outputs.flatMap((s) => [s.pafs, s.heatmaps]) ?? [])]);

  const instances = new Map<number, Instance>();
  const get = (id: number): Instance => {
    let inst = instances.get(id);
    if (!inst) {
      const s = scopes[id];
      inst = { scope: s, defName: defName(s, scopes), key: `${s.kind} ${s.block ?? ""} ${spanText(s.definition)}`, members: [], nodes: [], inputs: [], outputs: [], inChannels: 0 };
      instances.set(id, inst);
      if (id !== 0) get(home(s.parent!)).members.push({ instance: inst });
    }
    return inst;
  };
  // the backbone is named after the innermost block its call reaches (resnet50 -> resnet)
  for (const s of scopes) if (s.kind === "block" && s.label === "" && home(s.id) !== 0 && scopes[home(s.id)].kind === "backbone") get(home(s.id)).defName = s.block!;
  const index = new Map(ir.nodes.map((n, i) => [n.name, i]));
  ir.nodes.forEach((n) => {
    const inst = get(home(n.scope));
    inst.members.push({ node: n });
    for (let s: number | null = home(n.scope); s !== null; s = scopes[s].parent === null ? null : home(scopes[s].parent!)) get(s).nodes.push(n);
  });
  for (const inst of instances.values()) {
    const inside = new Set(inst.nodes.map((n) => n.name));
    const range = inst.nodes.map((n) => index.get(n.name)!);
    for (const n of inst.nodes) for (const t of n.inputs) if (!inside.has(t) && !inst.inputs.includes(t)) inst.inputs.push(t);
    if (inst.scope.id === 0) inst.inputs = [ir.input.tensor];
    inst.outputs = inst.nodes.filter((n) => kept.has(n.name) || (consumers.get(n.name) ?? []).some((c) => !range.includes(c))).map((n) => n.name);
    inst.inChannels = channels.get(inst.inputs[0]) ?? 0;
  }
  return get(0);
}

function defName(s: IrScope, scopes: IrScope[]): string {
  if (s.block) return s.block;
  if (s.kind === "stage") return `${s.parent !== null && scopes[s.parent].kind === "stages" ? scopes[s.parent].label : s.label}_stage`;
  if (s.kind === "part") {
    const stage = scopes[s.parent!];
    const group = stage.parent !== null && scopes[stage.parent].kind === "stages" ? scopes[stage.parent].label : stage.label;
    return `${group}_${s.label}`;
  }
  return s.kind === "backbone" ? "backbone" : s.label || s.kind;
}

/** Members labelled 0, 1, ..., n-1 in order: a list of modules (nn.Sequential / nn.ModuleList). */
export function isIndexed(inst: Instance): boolean {
  return inst.scope.id !== 0 && inst.members.length > 0 && inst.members.every((m, i) => memberLabel(m) === String(i));
}

/** Each member reads only the previous one's output (the first the instance's one input); the last is the output. */
export function isChain(inst: Instance): boolean {
  if (inst.inputs.length !== 1 || inst.outputs.length !== 1) return false;
  let cur = inst.inputs[0];
  for (const m of inst.members) {
    const ins = memberInputs(m);
    const outs = memberOutputs(m);
    if (ins.length !== 1 || ins[0] !== cur || outs.length !== 1) return false;
    cur = outs[0];
  }
  return cur === inst.outputs[0];
}

// ---------- sharing classes ----------

/** A constructor argument of a shared class: its name (or expression over the arguments) and values per instance. */
export interface ClassArg {
  name: string;
  values: number[];
}
export interface SharedClass {
  instances: Instance[];
  /** the instances' rendered code (`varying` then `fixed`) with each varying number replaced by its expression */
  text: string;
  /** arguments the class takes, in signature order: in_channels, the block's parameters, then made-up ones */
  args: ClassArg[];
  /** instance -> this class's argument values (same order as args) */
  valuesOf(inst: Instance): number[];
}

const NUMBER = /(?<![\w.])(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w.])/;

/**
 * Groups instances of one definition by their rendered code: equal code up to numbers shares a class, the
 * numbers that vary become arguments. `render` writes an instance's class body with concrete numbers: the
 * numbers of `varying` may become arguments, `fixed` (code that cannot read them) must be equal to share.
 */
export function shareClasses(instances: Instance[], render: (inst: Instance) => { varying: string; fixed: string }): SharedClass[] {
  const byShape = new Map<string, { inst: Instance; parts: string[] }[]>();
  for (const inst of instances) {
    const { varying, fixed } = render(inst);
    const parts = varying.split(new RegExp(NUMBER.source, "g"));
    parts[parts.length - 1] += fixed;
    const shape = parts.filter((_, i) => i % 2 === 0).join("\u0000");
    byShape.set(shape, [...(byShape.get(shape) ?? []), { inst, parts }]);
  }
  return [...byShape.values()].map((group) => templated(group));
}

function templated(group: { inst: Instance; parts: string[] }[]): SharedClass {
  const first = group[0];
  const vars = classVars(group.map((g) => g.inst));
  const used = new Map<string, ClassArg>();
  const extra: ClassArg[] = [];
  const parts = first.parts.map((p, i) => {
    if (i % 2 === 0) return p;
    const values = group.map((g) => Number(g.parts[i]));
    if (values.every((v) => v === values[0])) return p;
    const found = expressionFor(values, vars);
    if (found) {
      for (const v of found.vars) used.set(v.name, v);
      return found.text;
    }
    let arg = extra.find((a) => a.values.every((v, k) => v === values[k]));
    if (!arg) extra.push((arg = { name: `arg${extra.length + 1}`, values }));
    return arg.name;
  });
  const args = [...vars.filter((v) => used.has(v.name)), ...extra].sort((a, b) => Number(b.name === "in_channels") - Number(a.name === "in_channels"));
  const position = new Map(group.map((g, k) => [g.inst, k]));
  return { instances: group.map((g) => g.inst), text: parts.join(""), args, valuesOf: (inst) => args.map((a) => a.values[position.get(inst)!]) };
}

/** The numeric block parameters of the instances (declared order), then `in_channels`. */
export function classVars(insts: Instance[]): ClassArg[] {
  const names = Object.keys(insts[0].scope.args).filter((k) => insts.every((i) => typeof i.scope.args[k] === "number"));
  return [
    ...names.map((name) => ({ name, values: insts.map((i) => i.scope.args[name] as number) })),
    { name: "in_channels", values: insts.map((i) => i.inChannels) },
  ];
}

const ratio = (a: number[], b: number[]): number | null => {
  if (b[0] === 0 || a[0] % b[0] !== 0) return null;
  const k = a[0] / b[0];
  return k > 1 && a.every((x, i) => x === b[i] * k) ? k : null;
};

/** The simplest expression over the arguments that gives `values` for every instance: p, p * k, p // k, p // q, p * q. */
export function expressionFor(values: number[], vars: ClassArg[]): { text: string; vars: ClassArg[] } | null {
  const same = (xs: number[]) => xs.every((x, i) => x === values[i]);
  // block parameters before in_channels, even as a multiple: `width * 4` says more than an input that
  // happens to be as wide (a ResNet identity unit's last conv)
  const params = vars.filter((v) => v.name !== "in_channels");
  const ordered = [...params, ...vars.filter((v) => v.name === "in_channels")];
  for (const tier of [params, ordered]) {
    for (const v of tier) if (same(v.values)) return { text: v.name, vars: [v] };
    for (const v of tier) {
      const up = ratio(values, v.values);
      if (up) return { text: `${v.name} * ${up}`, vars: [v] };
      const down = ratio(v.values, values);
      if (down) return { text: `${v.name} // ${down}`, vars: [v] };
    }
  }
  for (const a of ordered)
    for (const b of ordered) {
      if (a === b) continue;
      if (b.values.every((x) => x > 0) && same(a.values.map((x, i) => Math.floor(x / b.values[i])))) return { text: `${a.name} // ${b.name}`, vars: [a, b] };
      if (same(a.values.map((x, i) => x * b.values[i]))) return { text: `${a.name} * ${b.name}`, vars: [a, b] };
    }
  return null;
}
