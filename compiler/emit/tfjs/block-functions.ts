// model.ts's structure: one TypeScript function per block, called once per block instance.
// Every instance's body is first written as tokens (code-tokens.ts) from the layer expressions of its nodes
// and the calls of its sub-blocks; instances of one definition whose bodies have the same shape share a
// function, and the numbers that differ between them become its arguments: the block's own parameters
// where a number equals one (`width`, or `width * 4`), the input's channel count, else a name taken from
// the layer option it sets. Layer names stay the IR's: a shared function builds them from its `name`
// argument (`${name}_conv1`) or from a number argument (`stage${i}_concat`).
// Instances of one block whose tfjs code differs in more than numbers (a strided convolution gets explicit
// padding; a projection shortcut exists in some units only) get one function each: `bottleneck`,
// `bottleneck_2`, ... The block tree itself (which nodes form which instance) is model-tree.ts's.
import type { IrNode } from "../../../core/ir/types.js";
import { expressionFor } from "../block-tree.js";
import { bodyLines } from "./body-lines.js";
import { TS_RESERVED } from "./code.js";
import { inPlaceholder, mergedName, numbers, refPlaceholder, shapeKey, strParts, tokenize, type StrPart, type Token } from "./code-tokens.js";

/** One block instance: its nodes and sub-instances in IR order. */
export interface Instance {
  /** what instances that may share a function have in common (their definition) */
  key: string;
  /** the function's name: the block's, or what the instances are called */
  def: string;
  /** the name of its result in the caller (`bottleneck2`, `stage3`) */
  label: string;
  /** every auto-named node of the instance is named `${prefix}${label}` */
  prefix: string;
  /** the block's numeric arguments at this call (names a shared function's arguments) */
  args: Record<string, number>;
  /** what the function's comment says it builds, e.g. "Block `bottleneck` (std/resnet.posenet:24:1)" */
  doc: string;
  /** the tensors it reads from outside, in first-use order (block-tree.ts); computed from the nodes if absent */
  inputs?: string[];
  /** the tensors it makes that are read outside it or are model outputs, in production order (likewise) */
  outputs?: string[];
  children: (IrNode | Instance)[];
}

/** A node's layer expression, its inputs given as identifiers; a string says why tfjs cannot express it. */
export type LayerCode = (n: IrNode, ins: string[]) => { code: string; uses: string[] } | string;

interface Stmt {
  /** value indices this statement defines (one for a layer; a block's results for a call) */
  defines: number[];
  tokens: Token[];
  from: IrNode | Instance;
}

interface Body {
  inst: Instance;
  /** tensors read from outside, in first-use order */
  inputs: string[];
  /** tensors read after the instance, in production order */
  outputs: string[];
  /** per value: its name as string parts (for identifiers) and the tensor it holds */
  names: StrPart[][];
  tensors: string[];
  stmts: Stmt[];
  returns: number[];
  /** per input: the caller's name for the value passed (null where the caller passes its own input) */
  passed: (StrPart[] | null)[];
  /** the input channel counts */
  channels: number[];
  fn?: Fn;
}

interface Fn {
  id: number;
  name: string;
  bodies: Body[];
  /** instances are named `${name}_...`: the function takes `name` */
  named: boolean;
  /** per number of the body: the expression standing for it, or null for a literal */
  source: (string | null)[];
  params: { name: string; values: number[] }[];
  order: number;
}

const isInstance = (c: IrNode | Instance): c is Instance => "children" in c;
const calleeMark = (id: number) => `\u0001fn${id}\u0001`;

export function instanceNodes(inst: Instance): IrNode[] {
  return inst.children.flatMap((c) => (isInstance(c) ? instanceNodes(c) : [c]));
}

function height(inst: Instance): number {
  return Math.max(0, ...inst.children.filter(isInstance).map((c) => height(c) + 1));
}

/** An identifier from a name (a digit first or other characters get an underscore). */
function identifier(s: string): string {
  const id = s.replace(/[^\w$]/g, "_");
  return /^\d/.test(id) ? `_${id}` : id || "_";
}

/** `base`, or with underscores added (as code.ts's `identifiers` does) where it is taken. */
function unique(base: string, taken: Set<string>): string {
  let id = base;
  while (taken.has(id) || TS_RESERVED.has(id)) id += "_";
  taken.add(id);
  return id;
}

export interface Emitted {
  /** function declarations, in the order their blocks first appear */
  functions: string[];
  /** the top-level statements (the root's body), each group with the part it starts in */
  top: { part: string; lines: string[] }[];
  /** identifier of each tensor the top level defines or reads, by tensor name */
  topIds: Map<string, string>;
  uses: Set<string>;
}

/**
 * The functions of a model's block tree and the statements of its top level. `used`: tensors read after
 * the root (the model outputs); `channels`: a tensor's channel count; `fileNames`: module-level names.
 */
export function emitBlockFunctions(root: Instance, rootInputs: string[], used: ReadonlySet<string>, layerCode: LayerCode, channels: (tensor: string) => number, fileNames: readonly string[]): Emitted {
  const uses = new Set<string>();
  const consumers = new Map<string, IrNode[]>();
  for (const n of instanceNodes(root)) for (const t of n.inputs) consumers.set(t, [...(consumers.get(t) ?? []), n]);
  const bodies = new Map<Instance, Body>();
  const fns: Fn[] = [];

  const bodyOf = (inst: Instance): Body => {
    const nodes = instanceNodes(inst);
    const inside = new Set(nodes.map((n) => n.name));
    const inputs = inst === root ? [...rootInputs] : (inst.inputs ?? [...new Set(nodes.flatMap((n) => n.inputs.filter((t) => !inside.has(t))))]);
    const outputs = inst.outputs ?? nodes.map((n) => n.name).filter((t) => used.has(t) || (consumers.get(t) ?? []).some((c) => !inside.has(c.name)));
    const value = new Map<string, string>(inputs.map((t, k) => [t, inPlaceholder(k)]));
    const names: StrPart[][] = [];
    const tensors: string[] = [];
    const stmts: Stmt[] = [];
    const define = (tensor: string, local: string) => {
      value.set(tensor, refPlaceholder(names.length));
      names.push(strParts(local, ""));
      tensors.push(tensor);
      return names.length - 1;
    };
    const local = (name: string) => (inst.prefix && name.startsWith(inst.prefix) ? name.slice(inst.prefix.length) : name);
    for (const c of inst.children) {
      if (!isInstance(c)) {
        const code = layerCode(c, c.inputs.map((t) => value.get(t)!));
        if (typeof code === "string") throw new Error(`${c.name}: ${code}`); // refused before (emitModelTs)
        code.uses.forEach((u) => uses.add(u));
        stmts.push({ defines: [define(c.name, local(c.name))], tokens: tokenize(code.code, inst.prefix), from: c });
        continue;
      }
      const sub = bodies.get(c)!;
      const fn = sub.fn!;
      const b = fn.bodies.indexOf(sub);
      const tokens: Token[] = [{ t: "code", s: `${calleeMark(fn.id)}(` }];
      const arg = (t: Token[]) => {
        if (tokens.length > 1) tokens.push({ t: "code", s: ", " });
        tokens.push(...t);
      };
      for (const t of sub.inputs) arg(tokenize(value.get(t)!, ""));
      sub.passed = sub.inputs.map((t) => (value.get(t)!.startsWith("__ref") ? names[Number(/\d+/.exec(value.get(t)!)![0])] : null));
      if (fn.named) arg([{ t: "str", parts: strParts(c.prefix.slice(0, -1), inst.prefix) }]);
      for (const p of fn.params) arg([{ t: "num", v: p.values[b], hint: p.name }]);
      tokens.push({ t: "code", s: ")" });
      // several results: each named after the member of the instance that makes it (`stage3_paf`)
      const member = (t: string) => c.children.find((m) => (isInstance(m) ? instanceNodes(m).some((n) => n.name === t) : m.name === t))!;
      const defines = sub.outputs.map((t) => define(t, sub.outputs.length === 1 ? c.label : `${c.label}_${member(t).label}`));
      stmts.push({ defines, tokens, from: c });
    }
    const returns = outputs.map((t) => Number(/\d+/.exec(value.get(t)!)![0]));
    return { inst, inputs, outputs, names, tensors, stmts, returns, passed: inputs.map(() => null), channels: inputs.map(channels) };
  };

  // By height: instances with equal code have equal call trees, so a function's instances all have one
  // height, and every function a body calls is complete (its arguments known) before the body is written.
  const all: Instance[] = [];
  const visit = (inst: Instance) => {
    all.push(inst);
    inst.children.filter(isInstance).forEach(visit);
  };
  visit(root);
  for (let h = 0; h < height(root); h++) {
    const groups = new Map<string, Body[]>();
    for (const inst of all.filter((i) => i !== root && height(i) === h)) {
      const body = bodyOf(inst);
      bodies.set(inst, body);
      const key = [inst.key, body.inputs.length, body.returns.join(","), ...body.stmts.map((s) => `${s.defines.join(",")}=${shapeKey(s.tokens)}`)].join("\n");
      groups.set(key, [...(groups.get(key) ?? []), body]);
    }
    for (const group of groups.values()) fns.push(makeFn(group, fns.length, all.indexOf(group[0].inst), fileNames));
  }
  const top = bodyOf(root);
  nameFunctions(fns, fileNames);
  const calleeNames = (line: string) => line.replace(/\u0001fn(\d+)\u0001/g, (_, id: string) => fns[Number(id)].name);

  const functions = [...fns].sort((a, b) => a.order - b.order).map((fn) => calleeNames(renderFn(fn, fileNames, fns)));
  const taken = new Set([...fileNames, ...fns.map((f) => f.name)]);
  const inputIds = rootInputs.map((t) => unique(identifier(t), taken));
  const { groups, ids } = bodyLines(
    top.stmts,
    { input: (k) => inputIds[k], name: "", argument: () => null, names: top.names, identifier: (base) => unique(identifier(base), taken), taken: (n) => taken.has(n), loopVariable: unique("k", new Set(taken)) },
    new Set(top.returns),
    declare,
  );
  const topIds = new Map<string, string>(rootInputs.map((t, k) => [t, inputIds[k]]));
  top.tensors.forEach((t, k) => topIds.set(t, ids[k]));
  const lines = groups.map((g) => ({ part: partOf(top.stmts[g.stmt].from), lines: g.lines.map(calleeNames) }));
  return { functions, top: lines, topIds, uses };
}

const declare = (ids: string[]) => (ids.length === 1 ? `const ${ids[0]}` : `const [${ids.join(", ")}]`);
const partOf = (c: IrNode | Instance): string => (isInstance(c) ? partOf(c.children[0]) : c.part);

/**
 * A function for instances with one shape. Each number that differs between them becomes an argument:
 * a block parameter or an input's channel count it equals or is a multiple or fraction of, else a new one.
 */
function makeFn(bodies: Body[], id: number, order: number, fileNames: readonly string[]): Fn {
  const nums = bodies.map((b) => b.stmts.flatMap((s) => numbers(s.tokens)));
  const first = bodies[0];
  const candidates: { name: string; values: number[] }[] = [
    ...Object.keys(first.inst.args)
      .filter((a) => bodies.every((b) => typeof b.inst.args[a] === "number"))
      .map((a) => ({ name: a, values: bodies.map((b) => b.inst.args[a]) })),
    ...first.inputs.map((_, k) => ({ name: first.inputs.length === 1 ? "channels" : `channels${k + 1}`, values: bodies.map((b) => b.channels[k]) })),
  ];
  const params: Fn["params"] = [];
  const param = (name: string, values: number[]) => {
    let p = params.find((q) => q.name === name);
    if (!p) params.push((p = { name, values }));
    return p.name;
  };
  const equal = (a: number[], b: number[]) => a.every((v, i) => v === b[i]);
  const express = (values: number[], hint: string): string => {
    // block-tree.ts's rule: the simplest expression over the block's parameters and the input's channels
    const found = expressionFor(values, candidates);
    if (found) {
      for (const v of found.vars) param(v.name, v.values);
      // Python's floor division: exact for `p // k`, `Math.floor` otherwise
      return found.text.replace(/^(\w+) \/\/ (\w+)$/, (_, a: string, b: string) => {
        const [va, vb] = [a, b].map((n) => candidates.find((c) => c.name === n)?.values ?? values.map(() => Number(n)));
        return va.every((x, i) => x % vb[i] === 0) ? `${a} / ${b}` : `Math.floor(${a} / ${b})`;
      });
    }
    for (const p of params) {
      if (equal(values, p.values)) return p.name;
      // a stage's number and the next one's (`concat_stage${i}_L2` beside `stage${i + 1}_paf`)
      const d = values[0] - p.values[0];
      if (Number.isInteger(d) && values.every((v, i) => v === p.values[i] + d)) return `${p.name} ${d > 0 ? "+" : "-"} ${Math.abs(d)}`;
    }
    return param(uniqueName(hint, params.map((p) => p.name)), values);
  };
  const source = nums[0].map((n, j) => {
    const values = nums.map((b) => b[j].v);
    return values.every((v) => v === values[0]) ? null : express(values, n.hint ?? "n");
  });
  // arguments never hide a function or a module-level name (`se` is a block and a parameter of bottleneck)
  const renamed = new Map<string, string>();
  const taken = new Set(["x", "name", ...fileNames]);
  for (const p of params) {
    const name = unique(identifier(p.name), taken);
    renamed.set(p.name, name);
    p.name = name;
  }
  const fn: Fn = {
    id,
    name: first.inst.def,
    bodies,
    named: bodies.length > 1 && bodies.every((b) => b.inst.prefix.endsWith("_")),
    source: source.map((s) => (s === null ? null : s.replace(/[A-Za-z_$][\w$]*/g, (w) => renamed.get(w) ?? w))),
    params,
    order,
  };
  for (const b of bodies) b.fn = fn;
  return fn;
}

function uniqueName(base: string, taken: string[]): string {
  let name = base;
  for (let k = 2; taken.includes(name); k++) name = `${base}${k}`;
  return name;
}

/** `bottleneck`, `bottleneck_2`, ... in the order the blocks first appear; never a module-level name. */
function nameFunctions(fns: Fn[], fileNames: readonly string[]): void {
  const taken = new Set(fileNames);
  for (const fn of [...fns].sort((a, b) => a.order - b.order)) {
    const base = identifier(fn.name);
    let name = base;
    for (let k = 2; taken.has(name) || TS_RESERVED.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    fn.name = name;
  }
  // a parameter named like a function would hide it
  const names = new Set(fns.map((f) => f.name));
  for (const fn of fns) {
    for (const p of fn.params) {
      if (!names.has(p.name)) continue;
      const old = p.name;
      p.name = uniqueName(`${old}_`, fn.params.map((q) => q.name));
      fn.source = fn.source.map((s) => (s === null ? null : s.replace(/[A-Za-z_$][\w$]*/g, (w) => (w === old ? p.name : w))));
    }
  }
}

function renderFn(fn: Fn, fileNames: readonly string[], fns: Fn[]): string {
  const first = fn.bodies[0];
  const functionNames = fns.map((f) => f.name);
  const taken = new Set([...fileNames, ...functionNames, "name", ...fn.params.map((p) => p.name)]);
  // one input: `x`; several: what the callers call them (`stage_paf`, `features`), else x1, x2, ...
  const inputIds = first.inputs.map((_, k) => {
    if (first.inputs.length === 1) return unique("x", taken);
    const passed = fn.bodies.map((b) => b.passed[k]);
    const name = passed.every((p) => p !== null) ? mergedName(passed as StrPart[][], "empty") : "";
    return unique(identifier(name || `x${k + 1}`), taken);
  });
  // a value's name, leaving out digits that differ between the instances
  const names = first.names.map((parts, k) => parts.filter((p, i) => p.t !== "digits" || fn.bodies.every((b) => (b.names[k][i] as { v?: number }).v === p.v)));
  const { groups, ids } = bodyLines(
    first.stmts,
    {
      input: (k) => inputIds[k],
      // a function called once keeps its layer names verbatim
      name: fn.named ? null : first.inst.prefix.slice(0, -1),
      argument: (n) => fn.source[n],
      names,
      identifier: (base) => unique(identifier(base), taken),
      taken: (n) => taken.has(n),
      loopVariable: unique("k", new Set([...taken, ...inputIds])),
    },
    new Set(first.returns),
    declare,
  );
  const args = [...inputIds.map((id) => `${id}: tf.SymbolicTensor`), ...(fn.named ? ["name: string"] : []), ...fn.params.map((p) => `${p.name}: number`)];
  const returns = first.returns.map((k) => ids[k]);
  const type = returns.length === 1 ? "tf.SymbolicTensor" : `[${returns.map(() => "tf.SymbolicTensor").join(", ")}]`;
  const calls = fn.bodies.length === 1 ? "" : `, called ${fn.bodies.length} times`;
  return [
    `/** ${first.inst.doc}${calls}. */`,
    `function ${fn.name}(${args.join(", ")}): ${type} {`,
    // `filters: filters` -> `filters`
    ...groups.flatMap((g) => g.lines.map((l) => l.replace(/([{,] )([A-Za-z_$][\w$]*): \2(?=[,}])/g, "$1$2"))),
    `return ${returns.length === 1 ? returns[0] : `[${returns.join(", ")}]`};`,
    "}",
  ].join("\n");
}
