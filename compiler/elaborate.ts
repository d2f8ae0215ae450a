// Elaboration: layer statements -> IR nodes. Walks bodies with the current tensor, expands block calls
// (binding their parameters), repetitions and `if`s, infers channel counts, names every node, and stops
// a backbone at its `until` cut point. Statement kinds are handled by a table (one function each).
import type { Body, Expr, Ident, LayerStmt, Span, Stmt } from "../grammar/ast.js";
import { bindArgs, type ParamSpec } from "./bind-args.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import type { IrArg, IrNode, IrOp, IrScope, IrTensor, OpAttrs, SourceSpan, WeightInit } from "../core/ir/types.js";
import { isStd, type BlockRef, type Module } from "./modules.js";
import { ACTIVATIONS, INIT_STATEMENT, OPS, type Activation } from "./layer-catalog.js";
import { didYouMean, lookup } from "./suggest.js";
import { evaluate, kindName, type Env, type Value } from "./values.js";
import { labelText, loopItems } from "./labels-loops.js";
import { INIT_FROM } from "./sections.js";

export const LIMITS = { repeat: 1000, callDepth: 64, nodes: 50_000, loopSteps: 100_000 };

export interface TensorRef {
  name: string;
  channels: number;
}

/** The graph being built, shared by every scope of one model. */
export class Graph {
  readonly nodes: IrNode[] = [];
  /** the block instances and groups, parents first; scope 0 is the model */
  readonly scopes: IrScope[];
  readonly tensors = new Map<string, IrTensor>();
  readonly diags: Diagnostic[] = [];
  private readonly spans = new Map<string, Span>();
  overflow = false;
  /** loop iterations run so far: nested loops that emit nothing must still end */
  loopSteps = 0;

  constructor(modelSpan: Span) {
    const at = irSpan(modelSpan);
    this.scopes = [{ id: 0, parent: null, kind: "model", label: "", block: null, args: {}, prefix: "", definition: at, span: at }];
  }

  /** A new scope inside `parent`; returns its id. */
  addScope(parent: number, kind: IrScope["kind"], label: string, prefix: string, span: Span, definition: Span, block: string | null = null, args: Record<string, IrArg> = {}): number {
    const id = this.scopes.length;
    this.scopes.push({ id, parent, kind, label, block, args, prefix, definition: irSpan(definition), span: irSpan(span) });
    return id;
  }

  addInput(name: string, channels: number): TensorRef {
    this.tensors.set(name, { name, channels, producer: null });
    return { name, channels };
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** Adds a node named `name`, whose own member name in `scope` is `label` (the end of `name`). */
  emit<K extends IrOp>(name: string, label: string, op: K, inputs: string[], attrs: OpAttrs[K], channels: number, scope: Scope, span: Span): TensorRef | undefined {
    if (this.tensors.has(name)) {
      const prev = this.spans.get(name);
      this.diags.push(diag("PN2005", span, `two layers are named \`${name}\``, { labels: prev ? [{ span: prev, message: "the other one" }] : [], help: "labels must be unique within a block" }));
      return undefined;
    }
    if (this.nodes.length >= LIMITS.nodes) {
      if (!this.overflow) this.diags.push(diag("PN3005", span, `the model has more than ${LIMITS.nodes} layers`, { help: "check repetition counts (`xN`)" }));
      this.overflow = true;
      return undefined;
    }
    this.nodes.push({ name, op, inputs, outputs: [name], attrs, part: scope.part, span: irSpan(span), callers: scope.callers.map(irSpan), scope: scope.scopeId, label } as IrNode);
    this.tensors.set(name, { name, channels, producer: name });
    this.spans.set(name, span);
    return { name, channels };
  }
}

export function irSpan(s: Span): SourceSpan {
  return { file: s.file, line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol };
}

/** Where `until LABEL` stops a backbone: labels count only in the backbone block's own body. */
export interface Cut {
  label: string;
  depth: number;
  reached: boolean;
}

export interface Scope {
  prefix: string;
  counters: Map<string, number>;
  init: WeightInit;
  env: Env;
  module: Module;
  part: string;
  callers: Span[];
  callStack: string[];
  /** the IR scope (Graph.scopes) the nodes made here belong to */
  scopeId: number;
  cut?: Cut;
  /** names the next block call's nodes with this prefix instead of `<block><k>_` (the backbone's) */
  callPrefix?: string;
  /** the prefix of labelled nodes when it differs from `prefix` (stage groups: labels are used verbatim) */
  labelPrefix?: string;
  /** inside `chain { ... }`: the output of every statement run in this body, in order */
  collect?: TensorRef[];
  /** block-typed parameters in scope (`unit: block`), resolved where the block was passed */
  blockVars?: ReadonlyMap<string, BlockRef>;
}

export function childScope(parent: Scope, changes: Partial<Scope>): Scope {
  return { ...parent, counters: new Map(), labelPrefix: undefined, collect: undefined, ...changes };
}

export const labelPrefix = (scope: Scope) => scope.labelPrefix ?? scope.prefix;


/** The next free `<base><k>` in the scope: the node's own label (`conv3`) and its full name. */
function autoName(scope: Scope, g: Graph, base: string): { name: string; label: string } {
  let k = scope.counters.get(base) ?? 0;
  let name: string;
  do name = `${scope.prefix}${base}${++k}`;
  while (g.has(name));
  scope.counters.set(base, k);
  return { name, label: `${base}${k}` };
}

/** A statement's label with its repetition (`conv_2` for the second of `conv: ... x3`). */
const repLabel = (label: string, rep: number, reps: number) => `${label}${reps > 1 ? `_${rep}` : ""}`;

function stmtName(scope: Scope, g: Graph, label: string | undefined, base: string, rep: number, reps: number): { name: string; label: string } {
  if (label) return { name: `${labelPrefix(scope)}${repLabel(label, rep, reps)}`, label: repLabel(label, rep, reps) };
  return autoName(scope, g, base);
}

type StmtHandler<S extends Stmt> = (s: S, input: TensorRef, scope: Scope, g: Graph) => TensorRef | undefined;

/** The value of an `if` or `require` condition; undefined (with a diagnostic) when it is not a boolean. */
function condition(s: { condition?: Expr }, what: string, scope: Scope, g: Graph): boolean | undefined {
  if (!s.condition) return undefined;
  const r = evaluate(s.condition, scope.env);
  if ("error" in r) {
    g.diags.push(r.error);
    return undefined;
  }
  if (r.value.t !== "bool") {
    g.diags.push(diag("PN2020", s.condition.span, `\`${what}\` needs a condition, got ${kindName(r.value)}`));
    return undefined;
  }
  return r.value.v;
}

const HANDLERS: { [K in Stmt["kind"]]: StmtHandler<Extract<Stmt, { kind: K }>> } = {
  Init: (s, input, scope, g) => {
    const scheme = s.scheme && lookup(INIT_STATEMENT, s.scheme.name);
    if (s.scheme?.name === INIT_FROM) {
      g.diags.push(diag("PN2003", s.span, "`init from \"FILE\"` gives the whole model's weights and stands at the top level of a spec", { help: 'write it outside any block; for the backbone alone, write `backbone NAME ... weights="FILE"`' }));
      return undefined;
    }
    if (!s.scheme || !scheme) {
      if (s.scheme) g.diags.push(diag("PN2001", s.scheme.span, `unknown initialisation \`${s.scheme.name}\``, { help: didYouMean(s.scheme.name, Object.keys(INIT_STATEMENT)) ?? `known: ${Object.keys(INIT_STATEMENT).join(", ")}` }));
      return undefined;
    }
    const bound = bindArgs(s.args, scheme.params, scope.env, { what: `\`init ${s.scheme.name}\``, span: s.span }, g.diags);
    if (!bound) return undefined;
    scope.init = scheme.make(bound.values);
    return input;
  },
  Require: (s, input, scope, g) => {
    const holds = condition(s, "require", scope, g);
    if (holds === undefined) return undefined;
    if (!holds) {
      const vars = [...scope.env.vars].map(([k, v]) => `${k}=${describe(v)}`);
      if (scope.env.inChannels !== undefined) vars.push(`in.channels=${scope.env.inChannels}`);
      g.diags.push(diag("PN2015", s.span, s.message?.value ?? "requirement failed", { notes: vars.length ? [`with ${vars.join(", ")}`] : [] }));
      return undefined;
    }
    return input;
  },
  If: (s, input, scope, g) => {
    const holds = condition(s, "if", scope, g);
    if (holds === undefined) return undefined;
    if (holds) return elabBody(s.then, input, scope, g);
    if (!s.otherwise) return input;
    return s.otherwise.kind === "If" ? HANDLERS.If(s.otherwise, input, scope, g) : elabBody(s.otherwise, input, scope, g);
  },
  Group: (s, input, scope, g) =>
    repeated(s, input, scope, g, (cur, rep, reps, label) => {
      if (!label) return elabBody(s.body, cur, { ...scope, collect: undefined }, g);
      const prefix = `${labelPrefix(scope)}${repLabel(label, rep, reps)}_`;
      const scopeId = g.addScope(scope.scopeId, "group", repLabel(label, rep, reps), prefix, s.span, s.body.span);
      const inner = childScope(scope, { prefix, scopeId });
      return elabBody(s.body, cur, inner, g);
    }),
  For: (s, input, scope, g) => {
    const items = loopItems(s, scope, g.diags, LIMITS.repeat);
    if (!items) return undefined;
    let cur: TensorRef | undefined = input;
    for (let i = 0; i < items.length && cur; i++) {
      if (++g.loopSteps > LIMITS.loopSteps) {
        if (!g.overflow) g.diags.push(diag("PN3005", s.span, `the loops run more than ${LIMITS.loopSteps} times in all`, { help: "check the loop ranges" }));
        g.overflow = true;
        return undefined;
      }
      const vars = new Map(scope.env.vars);
      if (s.vars.length === 2) vars.set(s.vars[0].name, { t: "int", v: i });
      vars.set(s.vars[s.vars.length - 1].name, items[i]);
      cur = elabBody(s.body, cur, { ...scope, env: { ...scope.env, vars } }, g);
    }
    return cur;
  },
  Layer: (s, input, scope, g) => {
    const passed = scope.blockVars?.get(s.callee.name);
    if (passed) return repeated(s, input, scope, g, (cur, rep, reps, label) => elabCall(s, passed, cur, scope, g, rep, reps, label));
    if (s.callee.name === "chain") return repeated(s, input, scope, g, (cur, rep, reps, label) => elabChain(s, cur, scope, g, rep, reps, label));
    const op = lookup(OPS, s.callee.name);
    if (op) return repeated(s, input, scope, g, (cur, rep, reps, label) => elabOp(s, cur, scope, g, rep, reps, label));
    const block = scope.module.visible.get(s.callee.name);
    if (block) return repeated(s, input, scope, g, (cur, rep, reps, label) => elabCall(s, block, cur, scope, g, rep, reps, label));
    const candidates = [...Object.keys(OPS), ...scope.module.visible.keys()];
    g.diags.push(diag("PN2001", s.callee.span, `unknown layer or block \`${s.callee.name}\``, { help: didYouMean(s.callee.name, candidates) }));
    return undefined;
  },
};

function describe(v: Value): string {
  return v.t === "sym" ? v.v : v.t === "int" || v.t === "float" ? String(v.v) : v.t === "str" ? JSON.stringify(v.v) : kindName(v);
}

/** Runs a statement `xN` times, and notes when it completes the backbone's cut point. */
function repeated(
  s: LayerStmt | Extract<Stmt, { kind: "Group" }>,
  input: TensorRef,
  scope: Scope,
  g: Graph,
  once: (cur: TensorRef, rep: number, reps: number, label: string | undefined) => TensorRef | undefined,
): TensorRef | undefined {
  const reps = s.repeat?.count ?? 1;
  if (reps < 1 || reps > LIMITS.repeat) {
    g.diags.push(diag("PN2004", s.repeat?.span ?? s.span, `a repetition must be between x1 and x${LIMITS.repeat}, got x${reps}`));
    return undefined;
  }
  const label = labelText(s.label, scope, g.diags);
  if (s.label && label === undefined) return undefined;
  const depth = scope.callStack.length;
  let cur: TensorRef | undefined = input;
  for (let rep = 1; rep <= reps && cur; rep++) cur = once(cur, rep, reps, label);
  if (cur && label && scope.cut && scope.cut.depth === depth && label === scope.cut.label) scope.cut.reached = true;
  return cur;
}


export function elabBody(body: Body, input: TensorRef, scope: Scope, g: Graph): TensorRef | undefined {
  let cur: TensorRef | undefined = input;
  for (const stmt of body.stmts) {
    if (!cur || g.overflow || scope.cut?.reached) break;
    const before: TensorRef = cur;
    cur = (HANDLERS[stmt.kind] as StmtHandler<Stmt>)(stmt, cur, scope, g);
    if (cur && scope.collect && cur !== before && stmt.kind !== "For" && stmt.kind !== "If") scope.collect.push(cur);
  }
  return cur;
}

/** `chain { a; b; c }`: each statement reads the previous one's output; the result is their concat. */
function elabChain(s: LayerStmt, input: TensorRef, scope: Scope, g: Graph, rep: number, reps: number, label: string | undefined): TensorRef | undefined {
  if (s.branches.length !== 1 || s.args.length > 0) {
    g.diags.push(diag("PN2021", s.span, "`chain` takes one `{ ... }` body and no arguments", { help: "e.g. `chain { conv 3x3 96 prelu x3 }`" }));
    return undefined;
  }
  const collect: TensorRef[] = [];
  const out = elabBody(s.branches[0], input, { ...scope, collect }, g);
  if (!out) return undefined;
  if (collect.length < 2) {
    g.diags.push(diag("PN2021", s.branches[0].span, `\`chain\` needs two or more layers to concatenate, got ${collect.length}`));
    return undefined;
  }
  const { name, label: own } = stmtName(scope, g, label, "concat", rep, reps);
  return g.emit(name, own, "concat", collect.map((t) => t.name), {}, collect.reduce((a, t) => a + t.channels, 0), scope, s.span);
}

function elabOp(s: LayerStmt, input: TensorRef, scope: Scope, g: Graph, rep: number, reps: number, label: string | undefined): TensorRef | undefined {
  const def = lookup(OPS, s.callee.name)!;
  const bound = bindArgs(s.args, def.params, scope.env, { what: `\`${s.callee.name}\``, span: s.callee.span }, g.diags);
  if (!bound) return undefined;
  let inputs = [input];
  if (def.merge) {
    if (s.branches.length < 2) {
      g.diags.push(diag("PN2021", s.span, `\`${s.callee.name}\` needs two or more \`{ ... }\` branches, got ${s.branches.length}`, { help: "an empty branch `{}` stands for the input itself" }));
      return undefined;
    }
    inputs = [];
    for (const b of s.branches) {
      const out = elabBody(b, input, { ...scope, collect: undefined }, g);
      if (!out) return undefined;
      inputs.push(out);
    }
  } else if (s.branches.length > 0) {
    g.diags.push(diag("PN2021", s.branches[0].span, `\`${s.callee.name}\` takes no \`{ ... }\` branches`));
    return undefined;
  }
  const lowered = def.lower(bound.values, { inChannels: input.channels, init: scope.init, span: s.span, diags: g.diags }, inputs.map((i) => i.channels));
  if (!lowered) return undefined;
  const { name, label: own } = stmtName(scope, g, label, s.callee.name, rep, reps);
  const out = g.emit(name, own, lowered.op, inputs.map((i) => i.name), lowered.attrs, lowered.channels, scope, s.span);
  return out && lowered.activation ? emitActivation(lowered.activation, out, `${name}_${lowered.activation}`, `${own}_${lowered.activation}`, scope, g, s.span) : out;
}

function emitActivation(act: Activation, input: TensorRef, name: string, label: string, scope: Scope, g: Graph, span: Span): TensorRef | undefined {
  const lowered = OPS[act].lower(act === "leakyrelu" ? { alpha: 0.1 } : {}, { inChannels: input.channels, init: scope.init, span, diags: g.diags }, []);
  return lowered && g.emit(name, label, lowered.op, [input.name], lowered.attrs, lowered.channels, scope, span);
}

const PARAM_TYPES: Record<string, (v: Value) => boolean> = {
  int: (v) => v.t === "int",
  float: (v) => v.t === "int" || v.t === "float",
  bool: (v) => v.t === "bool",
  string: (v) => v.t === "str",
  name: (v) => v.t === "sym",
  dims: (v) => v.t === "dims" || v.t === "int",
  list: (v) => v.t === "list" || v.t === "int" || v.t === "range",
  block: (v) => v.t === "sym",
};
export const BLOCK_PARAM_TYPES = Object.keys(PARAM_TYPES);

function elabCall(s: LayerStmt, block: BlockRef, input: TensorRef, scope: Scope, g: Graph, rep: number, reps: number, label: string | undefined): TensorRef | undefined {
  const name = block.decl.name!.name;
  if (scope.callStack.includes(name) || scope.callStack.length >= LIMITS.callDepth) {
    g.diags.push(diag("PN2019", s.callee.span, scope.callStack.includes(name) ? `block \`${name}\` calls itself: ${[...scope.callStack, name].join(" -> ")}` : `blocks are nested more than ${LIMITS.callDepth} deep`));
    return undefined;
  }
  if (s.branches.length > 0) {
    g.diags.push(diag("PN2021", s.branches[0].span, `block \`${name}\` takes no \`{ ... }\` branches`));
    return undefined;
  }
  const params: ParamSpec[] = [];
  for (const p of block.decl.params) {
    let def: Value | undefined;
    if (p.default) {
      const r = evaluate(p.default, { vars: new Map() });
      if ("error" in r) {
        g.diags.push(r.error);
        return undefined;
      }
      def = r.value;
    }
    params.push({ name: p.name.name, type: { kind: "any" }, default: def, required: !p.default });
  }
  const before = g.diags.length;
  const bound = bindArgs(s.args, params, scope.env, { what: `block \`${name}\``, span: s.callee.span }, g.diags);
  if (!bound) return undefined;
  const vars = new Map<string, Value>();
  const blockVars = new Map<string, BlockRef>();
  for (const p of block.decl.params) {
    const v = bound.values[p.name.name] as Value;
    const check = p.type && lookup(PARAM_TYPES, p.type.name);
    if (check && !check(v)) {
      g.diags.push(diag("PN2003", bound.spans[p.name.name] ?? s.span, `\`${p.name.name}\` of block \`${name}\` must be ${p.type!.name === "int" ? "an integer" : `a ${p.type!.name}`}, got ${kindName(v)}`));
      return undefined;
    }
    if (p.type?.name === "block" && v.t === "sym") {
      // resolved where the block is passed: the callee's own file need not see it
      const ref = scope.blockVars?.get(v.v) ?? scope.module.visible.get(v.v) ?? block.module.visible.get(v.v);
      if (!ref) {
        g.diags.push(diag("PN2001", bound.spans[p.name.name] ?? s.span, `unknown block \`${v.v}\` for \`${p.name.name}\` of block \`${name}\``, { help: didYouMean(v.v, scope.module.visible.keys()) }));
        return undefined;
      }
      blockVars.set(p.name.name, ref);
    }
    vars.set(p.name.name, v);
  }
  if (!block.decl.body) return undefined;
  const member = label ? repLabel(label, rep, reps) : autoName(scope, g, name).label;
  const own = `${label ? labelPrefix(scope) : scope.prefix}${member}_`;
  const prefix = scope.callPrefix !== undefined ? `${scope.prefix}${scope.callPrefix}` : own;
  // the backbone's call and an alias's inner call name nothing: their members are their caller's
  const args = Object.fromEntries(block.decl.params.map((p) => [p.name.name, irArg(bound.values[p.name.name] as Value)]));
  const scopeId = g.addScope(scope.scopeId, "block", scope.callPrefix !== undefined ? "" : member, prefix, s.span, block.decl.span, name, args);
  const inner = childScope(scope, {
    prefix,
    scopeId,
    blockVars,
    callPrefix: undefined,
    env: { vars, inChannels: input.channels },
    module: block.module,
    callers: [...scope.callers, s.span],
    callStack: [...scope.callStack, name],
  });
  if (isAlias(block)) {
    // `block resnet18(...) { resnet unit=basic depths=[2, 2, 2, 2] ... }` names a configuration: its nodes
    // and cut points are the inner block's, as if that had been called directly
    inner.callPrefix = "";
    if (inner.cut && inner.cut.depth === inner.callStack.length) inner.cut.depth++;
  }
  const out = elabBody(block.decl.body, input, inner, g);
  reanchor(g.diags, before, s.span);
  return out;
}

/** A bound value as the IR records a block argument. */
function irArg(v: Value): IrArg {
  switch (v.t) {
    case "int":
    case "float":
    case "bool":
    case "str":
    case "sym":
      return v.v;
    case "dims":
      return [...v.v];
    case "list":
      return v.items.map(irArg);
    case "range":
      return [irArg(v.lo), irArg(v.hi)];
  }
}

/** A block whose whole body is one unlabelled, unrepeated call of another block. */
export function isAlias(block: BlockRef): boolean {
  const stmts = block.decl.body?.stmts ?? [];
  const s = stmts[0];
  return stmts.length === 1 && s.kind === "Layer" && !s.label && !s.repeat && s.branches.length === 0 && !lookup(OPS, s.callee.name) && block.module.visible.has(s.callee.name);
}

/** The block an alias stands for (itself when it is not an alias). */
export function aliasTarget(block: BlockRef): BlockRef {
  let b = block;
  for (let k = 0; k < LIMITS.callDepth && isAlias(b); k++) {
    const s = b.decl.body!.stmts[0] as LayerStmt;
    b = b.module.visible.get(s.callee.name)!;
  }
  return b;
}

/**
 * Errors raised inside the standard library are reported at the user's call, with the library line as
 * a secondary label: the user can act on their call, not on the library.
 */
function reanchor(diags: Diagnostic[], from: number, callSite: Span): void {
  if (isStd(callSite.file)) return;
  for (let i = from; i < diags.length; i++) {
    const d = diags[i];
    if (!isStd(d.span.file)) continue;
    diags[i] = { ...d, span: callSite, labels: [{ span: d.span, message: "raised here" }, ...d.labels] };
  }
}

/** The labels of a body's statements, as written (not inside called blocks): what a cut point may name. */
export function labelIdents(body: Body | undefined): Ident[] {
  const out: Ident[] = [];
  const walk = (b: Body | undefined) => {
    for (const s of b?.stmts ?? []) {
      if ((s.kind === "Layer" || s.kind === "Group") && s.label) out.push(s.label);
      if (s.kind === "Group" || s.kind === "For") walk(s.body);
      if (s.kind === "If") {
        walk(s.then);
        let o = s.otherwise;
        while (o) {
          if (o.kind === "Body") {
            walk(o);
            break;
          }
          walk(o.then);
          o = o.otherwise;
        }
      }
    }
  };
  walk(body);
  return out;
}

/** Labels a cut point may name. */
export function labelsOf(body: Body): string[] {
  return labelIdents(body).map((l) => l.name);
}

export { ACTIVATIONS };
