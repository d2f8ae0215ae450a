// model.py's classes: one nn.Module class per block definition (compiler/emit/block-tree.ts decides which
// instances share one and which numbers become constructor arguments), attributes named after the spec's
// labels (so module paths are core/torch-names.ts's torchPaths: torchvision's keys for the standard ResNets),
// lists of blocks as nn.Sequential / nn.ModuleList; forward() comes from ./forward.ts.
import { spanText, type Ir, type IrNode, type IrScope, type WeightInit } from "../../../core/ir/types.js";
import { opOf } from "../../../core/ops/index.js";
import { torchAttr } from "../../../core/torch-names.js";
import { classVars, expressionFor, isChain, isIndexed, memberInputs, memberLabel, memberOutputs, shareClasses, type ClassArg, type Instance, type Member, type SharedClass } from "../block-tree.js";
import { forwardLines, IDENT, memberRef, stageRoles, type Roles } from "./forward.js";
import { INDENT, pyCall, pyFloat, pyStr } from "./python.js";

const I2 = INDENT + INDENT;

export interface ClassCtx {
  ir: Ir;
  /** the module constructor of a node, `nn.Conv2d(3, 64, 3, padding=1)` (model.ts), for its input channels and flattened size */
  nodeModule(n: IrNode, cin: number, denseIn: number): string;
  cinOf(n: IrNode): number;
  denseInOf(n: IrNode): number;
  /** instance -> its class and name, filled bottom-up */
  classOf: Map<Instance, { name: string; cls: SharedClass }>;
}

/** A class ready to print: its name, constructor arguments and the three method bodies. */
export interface ClassCode {
  name: string;
  doc: string;
  args: string[];
  init: string[];
  forward: string[];
  initWeights: string[];
  inputs: string[];
}


function assignMember(label: string, ctor: string): string {
  const open = ctor.indexOf("(");
  const args = splitArgs(ctor.slice(open + 1, -1));
  if (IDENT.test(label)) return pyCall(I2, `self.${torchAttr(label)} = ${ctor.slice(0, open)}`, args);
  return pyCall(I2, `self.add_module(${pyStr(label)}, ${ctor.slice(0, open)}`, args) + ")";
}

/** Top-level commas of an argument list ("a, (1, 2), b=3" -> 3 arguments). */
export function splitArgs(args: string): string[] {
  if (!args.trim()) return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(args.slice(start).trim());
  return out;
}

/** Numbers to write instead of an instance's own: a shared class's template (see planClasses). */
interface Override {
  nodes: Map<IrNode, { attrs: IrNode["attrs"]; cin: number; denseIn: number }>;
  children: Map<Instance, number[]>;
}

/** The constructor of a member: a node's module, a list of members, or a shared class's call. */
export function memberModule(m: Member, c: ClassCtx, over?: Override): string {
  if (m.node) {
    const o = over?.nodes.get(m.node);
    return o ? c.nodeModule({ ...m.node, attrs: o.attrs } as IrNode, o.cin, o.denseIn) : c.nodeModule(m.node, c.cinOf(m.node), c.denseInOf(m.node));
  }
  const inst = m.instance;
  if (isIndexed(inst)) {
    const entries = runs(inst.members.map((x) => memberModule(x, c, over)));
    const one = entries.length === 1 && entries[0].startsWith("*(") ? entries[0].slice(2, -1) : null;
    if (isChain(inst)) return `nn.Sequential(${entries.join(", ")})`;
    return one ? `nn.ModuleList([${one}])` : `nn.ModuleList([${entries.join(", ")}])`;
  }
  const { name, cls } = c.classOf.get(inst)!;
  const values = over?.children.get(inst) ?? cls.valuesOf(inst);
  const args = cls.args.map((a, i) => (i < 2 ? String(values[i]) : `${a.name}=${values[i]}`));
  return `${name}(${args.join(", ")})`;
}

/** Repeated equal entries as one generator: `A, B, B, B` -> `A, *(B for _ in range(3))`. */
function runs(entries: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < entries.length; ) {
    let j = i;
    while (j < entries.length && entries[j] === entries[i]) j++;
    out.push(j - i > 1 ? `*(${entries[i]} for _ in range(${j - i}))` : entries[i]);
    i = j;
  }
  return out;
}

function initLines(n: IrNode, ref: string): string[] {
  const line = (param: string, w: WeightInit) => {
    const target = `${ref}.${param}`;
    switch (w.kind) {
      case "normal":
        return `${I2}init_normal(${target}, g, std=${pyFloat(w.std)}${w.mean ? `, mean=${pyFloat(w.mean)}` : ""})`;
      case "kaiming":
        return `${I2}init_kaiming(${target}, g, ${pyStr(w.mode)}, ${pyStr(w.distribution)})`;
      case "xavier":
        return `${I2}init_xavier(${target}, g, ${pyStr(w.distribution)})`;
      case "constant":
        return `${I2}init_constant(${target}, ${pyFloat(w.value)})`;
    }
  };
  return (opOf(n).torch.init?.(n.attrs) ?? []).map((step) => ("reset" in step ? `${I2}${ref}.reset_parameters()` : line(step.param, step.init)));
}

/** The initialisers of a class's own layers: its nodes and those in its lists of plain layers. */
function ownInits(inst: Instance): string[] {
  const out: string[] = [];
  for (const m of inst.members) {
    const ref = memberRef(memberLabel(m));
    if (m.node) out.push(...initLines(m.node, ref));
    else if (isIndexed(m.instance)) m.instance.members.forEach((x, k) => x.node && out.push(...initLines(x.node, `${ref}[${k}]`)));
  }
  return out;
}

/** __init__'s member statements, and the spec-line comments to put before some of them (by member index). */
function ownInit(inst: Instance, c: ClassCtx, over?: Override): { lines: string[]; comments: [number, string][] } {
  const lines: string[] = [];
  const comments: [number, string][] = [];
  let lastSpan = "";
  for (const m of inst.members) {
    const at = m.node ? m.node.span : m.instance.scope.span;
    const span = `${at.file}:${at.line}`;
    if (span !== lastSpan) comments.push([lines.length, `${I2}# spec: ${span}`]);
    lastSpan = span;
    lines.push(assignMember(memberLabel(m), memberModule(m, c, over)).replace(/\n\s*/g, " ").replace(/([([]) /g, "$1").replace(/,? ([)\]])/g, "$1"));
  }
  return { lines, comments };
}

/** A member statement written on one line, wrapped again (after its numbers became argument names). */
function wrapMember(line: string): string {
  if (line.length <= 100) return line;
  const added = /^(\s*)(self\.add_module\("[^"]*", [\w.]+)\((.*)\)\)$/.exec(line);
  if (added) return `${pyCall(added[1], added[2], splitArgs(added[3]))})`;
  const m = /^(\s*)(self\.\w+ = [\w.]+)\((.*)\)$/.exec(line);
  if (!m) return line;
  const args = splitArgs(m[3]);
  if (args.length === 1 && args[0].startsWith("[") && args[0].endsWith("]")) {
    // a long list of modules (nn.ModuleList([...])): one entry per line, as a person would write it
    const items = splitArgs(args[0].slice(1, -1)).map((x) => `${m[1]}${INDENT}${x},`);
    return [`${m[1]}${m[2]}([`, ...items, `${m[1]}])`].join("\n");
  }
  return pyCall(m[1], m[2], args);
}

/** The concrete code of one instance as a class body, for shareClasses (numbers of __init__ may become arguments). */
function renderInstance(inst: Instance, c: ClassCtx, roles: Roles, over?: Override): { varying: string; fixed: string } {
  const inputs = inputNames(inst, roles);
  // a stage names its wiring as the model does, but collects nothing
  const fwd = forwardLines(inst, inputs, inst.scope.kind === "stage" ? { roles: { names: roles.names, stageOf: new Map() } } : {});
  const init = ownInit(inst, c, over);
  return { varying: init.lines.join("\n"), fixed: ["", JSON.stringify(init.comments), inputs.join(", "), fwd.join("\n"), ownInits(inst).join("\n")].join("\u0001") };
}

export function inputNames(inst: Instance, roles: Roles): string[] {
  const kind = inst.scope.kind;
  if (kind === "stage" || kind === "model") return inst.inputs.map((t, i) => roles.names.get(t) ?? (inst.inputs.length === 1 ? "x" : `x${i + 1}`));
  return inst.inputs.length === 1 ? ["x"] : inst.inputs.map((_, i) => `x${i + 1}`);
}

/** Turns the SharedClass's text back into the three method bodies. */
export function classCode(name: string, doc: string, cls: SharedClass): ClassCode {
  const [members, comments, inputs, forward, initWeights] = cls.text.split("\u0001");
  const init = members.split("\n").map(wrapMember);
  for (const [at, comment] of (JSON.parse(comments) as [number, string][]).reverse()) init.splice(at, 0, comment);
  const lines = (text: string) => (text ? text.split("\n") : []);
  return { name, doc, args: cls.args.map((a) => a.name), init, forward: lines(forward), initWeights: lines(initWeights), inputs: inputs.split(", ") };
}

/** Class names: CamelCase of the definition, `With<Member>` for a variant with extra members, else a number. */
function camel(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const out = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return /^[A-Za-z]/.test(out) ? out : `Block${out}`;
}

/**
 * Every class of the tree, children before parents, except the root's (model.ts writes the model class)
 * and lists of modules (written inline).
 */
export function allClasses(root: Instance, c: ClassCtx, taken: Set<string>): ClassCode[] {
  const roles = stageRoles(c.ir);
  const byKey = new Map<string, Instance[]>();
  const order: string[] = [];
  const visit = (inst: Instance) => {
    for (const m of inst.members) if (m.instance) visit(m.instance);
    if (inst === root || isIndexed(inst)) return;
    if (!byKey.has(inst.key)) order.push(inst.key);
    byKey.set(inst.key, [...(byKey.get(inst.key) ?? []), inst]);
  };
  visit(root);
  const out: ClassCode[] = [];
  for (const key of order) {
    const instances = byKey.get(key)!;
    // the plainest variant (fewest members) takes the definition's name; the others say what they add
    const variants = planClasses(instances, c, roles).sort((x, y) => x.instances[0].members.length - y.instances[0].members.length || y.instances.length - x.instances.length);
    const labels = new Set(instances.map((i) => i.scope.label));
    const base = instances[0].scope.kind === "part" && labels.size > 1 ? instances[0].defName.replace(/_[^_]*$/, "_branch") : instances[0].defName;
    const baseMembers = new Set(variants[0].instances[0].members.map(memberLabel));
    variants.forEach((cls, v) => {
      const extra = cls.instances[0].members.map(memberLabel).filter((l) => !baseMembers.has(l));
      // `BottleneckWithDownsample` when a variant adds a member or two, else `PafsStage2`
      const adds = extra.length > 0 && extra.length <= 2 ? `With${camel(extra.join("_"))}` : "";
      let name = camel(base) + (v === 0 ? "" : adds && adds.length <= 24 ? adds : String(v + 1));
      for (let k = 2; taken.has(name); k++) name = `${camel(base)}${k}`;
      taken.add(name);
      for (const inst of cls.instances) c.classOf.set(inst, { name, cls });
      out.push(classCode(name, describe(instances[0], [...labels], c.ir), cls));
    });
  }
  return out;
}

/** The model class's own members (all but its backbone, which is its base class) and their initialisers. */
export function modelParts(root: Instance, c: ClassCtx, backbone: Member | undefined): { init: string[]; initWeights: string[] } {
  const own: Instance = { ...root, members: root.members.filter((m) => m !== backbone) };
  const init = ownInit(own, c);
  const lines = init.lines.map(wrapMember);
  for (const [at, comment] of [...init.comments].reverse()) lines.splice(at, 0, comment);
  return { init: own.members.length ? lines : [], initWeights: ownInits(own) };
}

/** A class's docstring: what it is and where the spec defines it. */
function describe(inst: Instance, labels: string[], ir: Ir): string {
  const s = inst.scope;
  const where = (span: IrScope["definition"]) => spanText(span).replace(/:\d+$/, "");
  if (s.kind === "backbone") {
    const block = ir.scopes.find((x) => x.block === inst.defName);
    return block ? `The backbone: block \`${inst.defName}\` (${where(block.definition)}) as far as the spec uses it.` : `The backbone (${where(s.span)}).`;
  }
  if (s.block) return `Block \`${s.block}\` (${where(s.definition)}).`;
  if (s.kind === "stage") return `A stage of group \`${inst.defName.replace(/_stage$/, "")}\` (${where(s.definition)}).`;
  if (s.kind === "part") return `A stage's ${labels.map((l) => `\`${l}\``).join(" and ")} (${where(s.definition)}).`;
  return `\`${s.label}\` (${where(s.definition)}).`;
}

// ---------- which instances share a class ----------

/** An instance's structure without its numbers: members, ops, flags, wiring, the classes of its sub-blocks. */
function structure(inst: Instance, c: ClassCtx): string {
  const at = new Map<string, string>(inst.inputs.map((t, i) => [t, `in${i}`]));
  const parts = inst.members.map((m, i) => {
    const ins = memberInputs(m).map((t) => at.get(t) ?? "?").join(",");
    memberOutputs(m).forEach((t, k) => at.set(t, `${i}.${k}`));
    if (m.node) return `${m.node.label}=${m.node.op}${JSON.stringify(m.node.attrs, (_, v) => (Number.isInteger(v) ? "#" : v))}(${ins})`;
    if (isIndexed(m.instance)) return `${m.instance.scope.label}=[${structure(m.instance, c)}](${ins})`;
    return `${m.instance.scope.label}=${c.classOf.get(m.instance)!.name}(${ins})`;
  });
  return `${parts.join(";")}->${inst.outputs.map((t) => at.get(t)).join(",")}`;
}

/** A number no spec writes, standing for a value that differs between the instances of a class. */
const SENTINEL = 9_000_001;

/**
 * Instances of one definition with the same structure and the same forward share a class: their __init__ is
 * written once with a placeholder for every number that differs, and each placeholder becomes the simplest
 * expression over the block's parameters and `in_channels` that gives every instance's value (block-tree.ts).
 */
function planClasses(instances: Instance[], c: ClassCtx, roles: Roles): SharedClass[] {
  const groups = new Map<string, Instance[]>();
  for (const inst of instances) {
    const key = `${structure(inst, c)}\u0000${renderInstance(inst, c, roles).fixed}`;
    groups.set(key, [...(groups.get(key) ?? []), inst]);
  }
  return [...groups.values()].map((group) => templateClass(group, c, roles) ?? shareClasses(group, (inst) => renderInstance(inst, c, roles))[0]);
}

function templateClass(group: Instance[], c: ClassCtx, roles: Roles): SharedClass | null {
  const values = new Map<number, number[]>();
  const byValues = new Map<string, number>();
  const slot = (vals: number[]): number => {
    if (vals.every((v) => v === vals[0])) return vals[0];
    const key = vals.join(",");
    if (!byValues.has(key)) {
      byValues.set(key, SENTINEL + byValues.size);
      values.set(SENTINEL + byValues.size - 1, vals);
    }
    return byValues.get(key)!;
  };
  const ints = (xs: unknown[]): unknown => {
    const x = xs[0];
    if (Number.isInteger(x)) return slot(xs as number[]);
    if (Array.isArray(x)) return x.map((_, i) => ints(xs.map((y) => (y as unknown[])[i])));
    if (x && typeof x === "object") return Object.fromEntries(Object.keys(x).map((k) => [k, ints(xs.map((y) => (y as Record<string, unknown>)[k]))]));
    return x;
  };
  const over: Override = { nodes: new Map(), children: new Map() };
  const walk = (insts: Instance[]) =>
    insts[0].members.forEach((m, i) => {
      const ms = insts.map((x) => x.members[i]);
      if (m.node) {
        const ns = ms.map((x) => x.node!);
        over.nodes.set(m.node, { attrs: ints(ns.map((n) => n.attrs)) as IrNode["attrs"], cin: slot(ns.map(c.cinOf)), denseIn: slot(ns.map(c.denseInOf)) });
      } else if (isIndexed(m.instance)) walk(ms.map((x) => x.instance!));
      else {
        const of = (x: Member) => c.classOf.get(x.instance!)!.cls.valuesOf(x.instance!);
        over.children.set(m.instance, of(m).map((_, k) => slot(ms.map((x) => of(x)[k]))));
      }
    });
  walk(group);
  const first = renderInstance(group[0], c, roles, over);
  let text = first.varying;
  const vars = classVars(group);
  const used = new Set<string>();
  const extra: ClassArg[] = [];
  for (const [sentinel, vals] of values) {
    const found = expressionFor(vals, vars);
    if (!found) extra.push({ name: `arg${extra.length + 1}`, values: vals });
    found?.vars.forEach((v) => used.add(v.name));
    const pattern = new RegExp(`(?<![\\w.])${sentinel}(?:\\.0)?(?![\\w.])`, "g");
    text = text.replace(pattern, found ? found.text : extra[extra.length - 1].name);
  }
  // a placeholder changed on its way into the code (not written as it is) cannot become an argument
  if (/(?<![\w.])9\d{6}(?![\w.])/.test(text)) return null;
  const args = [...vars.filter((v) => used.has(v.name)), ...extra].sort((a, b) => Number(b.name === "in_channels") - Number(a.name === "in_channels"));
  const position = new Map(group.map((g, k) => [g, k]));
  return { instances: group, text: text + first.fixed, args, valuesOf: (inst) => args.map((a) => a.values[position.get(inst)!]) };
}
