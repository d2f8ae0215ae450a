// Argument binding: one mechanism for layers, block calls and settings. A signature lists parameters
// with a type; positional arguments fill the non-flag parameters in order, a bare name that is one of a
// flag parameter's options (`relu` in `conv 3x3 64 relu`, `ceil` in `maxpool 2x2 ceil`) sets that flag,
// and `name=value` sets a parameter by name.
import type { Arg, Span } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { didYouMean } from "./suggest.js";
import { describeValue, evaluate, kindName, type Env, type Value } from "./values.js";

export type TypeSpec =
  | { kind: "int"; min?: number; max?: number }
  | { kind: "float"; min?: number; max?: number; above?: number; below?: number }
  | { kind: "bool" }
  | { kind: "string" }
  | { kind: "choice"; options: readonly string[] }
  /** `3` or `3x5` -> [3, 3] / [3, 5] */
  | { kind: "pair"; min?: number; max?: number }
  /** `same`, `valid`, `1`, `1x2`, or four values top,left,bottom,right */
  | { kind: "pad" }
  /** `368x368x3` */
  | { kind: "size3" }
  /** `5`, `5,6`, `2..6` -> [5] / [5, 6] / [2, 3, 4, 5, 6] */
  | { kind: "intList"; min?: number; max?: number }
  | { kind: "floatList"; min?: number; above?: number }
  /** `0.5..1.1` or a single number */
  | { kind: "floatRange"; min?: number; max?: number }
  /** `a-b` pairs of names: limbs and flip pairs */
  | { kind: "namePairs" }
  | { kind: "names" }
  /** any value, kept as a Value (block parameters without a type) */
  | { kind: "any" };

export interface ParamSpec {
  name: string;
  type: TypeSpec;
  /** already in the coerced form; absent and not required -> the parameter is simply unset */
  default?: unknown;
  required?: boolean;
  /** a bare name among the options binds here regardless of position */
  flag?: boolean;
  /** not filled by position */
  namedOnly?: boolean;
  doc?: string;
}

export type Coerced = { ok: true; value: unknown } | { ok: false; error: Diagnostic };

const bad = (code: "PN2003" | "PN2004" | "PN2001", span: Span, message: string, help?: string): Coerced => ({ ok: false, error: diag(code, span, message, { help }) });

function asNumber(v: Value): number | undefined {
  return v.t === "int" || v.t === "float" ? v.v : undefined;
}

function rangeCheck(n: number, t: { min?: number; max?: number; above?: number; below?: number }, span: Span, what: string): Coerced | undefined {
  if (t.min !== undefined && n < t.min) return bad("PN2004", span, `${what} must be at least ${t.min}, got ${n}`);
  if (t.above !== undefined && n <= t.above) return bad("PN2004", span, `${what} must be greater than ${t.above}, got ${n}`);
  if (t.max !== undefined && n > t.max) return bad("PN2004", span, `${what} must be at most ${t.max}, got ${n}`);
  if (t.below !== undefined && n >= t.below) return bad("PN2004", span, `${what} must be less than ${t.below}, got ${n}`);
  return undefined;
}

function unknownName(v: Value & { t: "sym" }, span: Span, env: Env, expected: string): Coerced {
  return bad("PN2001", span, `unknown name \`${v.v}\`: expected ${expected}`, didYouMean(v.v, env.vars.keys()));
}

function intsOf(v: Value): number[] | undefined {
  if (v.t === "int") return [v.v];
  if (v.t === "range" && v.lo.t === "int" && v.hi.t === "int" && v.hi.v >= v.lo.v && v.hi.v - v.lo.v < 100_000) {
    return Array.from({ length: v.hi.v - v.lo.v + 1 }, (_, i) => (v.lo as { v: number }).v + i);
  }
  if (v.t === "list") {
    const out: number[] = [];
    for (const item of v.items) {
      const part = intsOf(item);
      if (!part) return undefined;
      out.push(...part);
    }
    return out;
  }
  return undefined;
}

/** Converts a value to the JS form a parameter type asks for, or explains why it cannot. */
export function coerce(v: Value, type: TypeSpec, span: Span, env: Env, what: string): Coerced {
  const n = asNumber(v);
  switch (type.kind) {
    case "any":
      return { ok: true, value: v };
    case "int":
      if (v.t === "sym") return unknownName(v, span, env, "an integer");
      if (v.t === "float") return { ok: false, error: diag("PN3001", span, `${what} must be a whole number, got ${Number(v.v.toPrecision(6))}`, { help: "channel arithmetic must divide exactly, e.g. `in.channels / 4` with a multiple of 4 channels" }) };
      if (v.t !== "int") return bad("PN2003", span, `${what} must be an integer, got ${kindName(v)} \`${describeValue(v)}\``);
      return rangeCheck(v.v, type, span, what) ?? { ok: true, value: v.v };
    case "float":
      if (v.t === "sym") return unknownName(v, span, env, "a number");
      if (n === undefined) return bad("PN2003", span, `${what} must be a number, got ${kindName(v)} \`${describeValue(v)}\``);
      return rangeCheck(n, type, span, what) ?? { ok: true, value: n };
    case "bool":
      if (v.t === "sym" && (v.v === "yes" || v.v === "no")) return { ok: true, value: v.v === "yes" };
      if (v.t !== "bool") return bad("PN2003", span, `${what} must be true or false, got \`${describeValue(v)}\``);
      return { ok: true, value: v.v };
    case "string":
      if (v.t !== "str") return bad("PN2003", span, `${what} must be a string in double quotes, got \`${describeValue(v)}\``);
      return { ok: true, value: v.v };
    case "choice": {
      if (v.t === "sym" && type.options.includes(v.v)) return { ok: true, value: v.v };
      const list = type.options.map((o) => `\`${o}\``).join(", ");
      const help = v.t === "sym" ? didYouMean(v.v, type.options) : undefined;
      return bad(v.t === "sym" ? "PN2001" : "PN2003", span, `${what} must be one of ${list}, got \`${describeValue(v)}\``, help);
    }
    case "pair": {
      const pair = v.t === "int" ? [v.v, v.v] : v.t === "dims" && v.v.length === 2 ? v.v : undefined;
      if (v.t === "sym") return unknownName(v, span, env, "a size like 3 or 3x3");
      if (!pair) return bad("PN2003", span, `${what} must be a size like 3 or 3x3, got \`${describeValue(v)}\``);
      for (const x of pair) {
        const r = rangeCheck(x, type, span, what);
        if (r) return r;
      }
      return { ok: true, value: pair };
    }
    case "pad": {
      if (v.t === "sym" && (v.v === "same" || v.v === "valid")) return { ok: true, value: v.v };
      if (v.t === "int" && v.v >= 0) return { ok: true, value: [v.v, v.v, v.v, v.v] };
      if (v.t === "dims" && v.v.length === 2) return { ok: true, value: [v.v[0], v.v[1], v.v[0], v.v[1]] };
      const four = v.t === "list" ? intsOf(v) : undefined;
      if (four && four.length === 4 && four.every((x) => x >= 0)) return { ok: true, value: four };
      return bad("PN2003", span, `${what} must be \`same\`, \`valid\`, a size like 1 or 1x2, or four values top,left,bottom,right; got \`${describeValue(v)}\``);
    }
    case "size3":
      if (v.t !== "dims" || v.v.length !== 3) return bad("PN2003", span, `${what} must be a size like 368x368x3 (height x width x channels), got \`${describeValue(v)}\``);
      if (v.v.some((x) => x < 1)) return bad("PN2004", span, `${what} must be positive in every dimension`);
      return { ok: true, value: v.v };
    case "intList": {
      if (v.t === "sym") return unknownName(v, span, env, "integers like 5,6 or 2..6");
      const ints = intsOf(v);
      if (!ints) return bad("PN2003", span, `${what} must be integers like 5,6 or 2..6, got \`${describeValue(v)}\``);
      for (const x of ints) {
        const r = rangeCheck(x, type, span, what);
        if (r) return r;
      }
      return { ok: true, value: ints };
    }
    case "floatList": {
      const items = v.t === "list" ? v.items : [v];
      const out: number[] = [];
      for (const item of items) {
        const x = asNumber(item);
        if (x === undefined) return bad("PN2003", span, `${what} must be numbers like 1,1,2, got \`${describeValue(item)}\``);
        const r = rangeCheck(x, type, span, what);
        if (r) return r;
        out.push(x);
      }
      return { ok: true, value: out };
    }
    case "floatRange": {
      const lo = v.t === "range" ? asNumber(v.lo) : n;
      const hi = v.t === "range" ? asNumber(v.hi) : n;
      if (lo === undefined || hi === undefined) return bad("PN2003", span, `${what} must be a number or a range like 0.5..1.1, got \`${describeValue(v)}\``);
      if (lo > hi) return bad("PN2004", span, `${what}: the range ${lo}..${hi} is empty`);
      return rangeCheck(lo, type, span, what) ?? rangeCheck(hi, type, span, what) ?? { ok: true, value: [lo, hi] };
    }
    case "names": {
      const items = v.t === "list" ? v.items : [v];
      if (items.some((i) => i.t !== "sym")) return bad("PN2003", span, `${what} must be names`);
      return { ok: true, value: items.map((i) => (i as { v: string }).v) };
    }
    case "namePairs":
      return { ok: false, error: diag("PN2003", span, `${what} must be written as name-name`) };
  }
}

export interface Bound {
  values: Record<string, unknown>;
  /** where each given argument was written (for later semantic errors) */
  spans: Record<string, Span>;
}

/**
 * Binds call arguments to a signature. Never throws; returns undefined when an argument was unusable
 * (the diagnostics say why), so that callers do not cascade errors from half-bound calls.
 */
export function bindArgs(args: readonly Arg[], params: readonly ParamSpec[], env: Env, callee: { what: string; span: Span }, diags: Diagnostic[]): Bound | undefined {
  const values: Record<string, unknown> = {};
  const spans: Record<string, Span> = {};
  let failed = false;
  const positional = params.filter((p) => !p.flag && !p.namedOnly);
  let next = 0;
  const set = (p: ParamSpec, v: Value, span: Span) => {
    if (p.name in spans) {
      diags.push(diag("PN2005", span, `${callee.what} got \`${p.name}\` twice`, { labels: [{ span: spans[p.name], message: "first given here" }] }));
      failed = true;
      return;
    }
    const c = coerce(v, p.type, span, env, `\`${p.name}\` of ${callee.what}`);
    spans[p.name] = span;
    if (!c.ok) {
      diags.push(c.error);
      failed = true;
    } else values[p.name] = c.value;
  };
  const pairsParam = (arg: Arg): ParamSpec | undefined => {
    if (arg.kind === "Named") return params.find((q) => q.name === arg.name.name && q.type.kind === "namePairs");
    const p = positional.slice(next).find((q) => !(q.name in spans) || q.type.kind === "namePairs");
    return p?.type.kind === "namePairs" ? p : undefined;
  };
  for (const arg of args) {
    // `a-b` spells a pair of names, not a subtraction: recognise it before evaluating.
    const pp = pairsParam(arg);
    if (pp) {
      const pairs = namePairs(arg.value);
      if (!pairs) {
        diags.push(diag("PN2003", arg.value.span, `\`${pp.name}\` of ${callee.what} must be written as name-name pairs`));
        failed = true;
      } else {
        values[pp.name] = [...((values[pp.name] as unknown[]) ?? []), ...pairs];
        spans[pp.name] ??= arg.span;
      }
      continue;
    }
    const r = evaluate(arg.value, env);
    if ("error" in r) {
      diags.push(r.error);
      failed = true;
      continue;
    }
    if (arg.kind === "Named") {
      const p = params.find((q) => q.name === arg.name.name);
      if (!p) {
        const names = params.map((q) => q.name);
        diags.push(
          diag("PN2002", arg.name.span, `${callee.what} has no argument \`${arg.name.name}\``, {
            help: didYouMean(arg.name.name, names) ?? (names.length ? `it takes: ${names.join(", ")}` : "it takes no arguments"),
          }),
        );
        failed = true;
        continue;
      }
      set(p, r.value, arg.value.span);
      continue;
    }
    const v = r.value;
    const flag = v.t === "sym" ? params.find((q) => q.flag && q.type.kind === "choice" && q.type.options.includes(v.v) && !(q.name in spans)) : undefined;
    if (flag) {
      set(flag, v, arg.span);
      continue;
    }
    while (next < positional.length && positional[next].name in spans) next++;
    const p = positional[next];
    if (!p) {
      const flags = params.filter((q) => q.flag).flatMap((q) => (q.type.kind === "choice" ? q.type.options : []));
      const help = v.t === "sym" ? didYouMean(v.v, [...flags, ...env.vars.keys()]) : undefined;
      diags.push(
        diag(v.t === "sym" && help ? "PN2001" : "PN2013", arg.span, v.t === "sym" && help ? `unknown name \`${v.v}\` for ${callee.what}` : `too many arguments for ${callee.what}`, {
          help: help ?? `it takes ${positional.length === 0 ? "no positional arguments" : positional.map((q) => q.name).join(", ")}${flags.length ? ` and the flags ${flags.join(", ")}` : ""}`,
        }),
      );
      failed = true;
      continue;
    }
    next++;
    set(p, v, arg.value.span);
  }
  for (const p of params) {
    if (p.name in values || failed) continue;
    if (p.required) {
      diags.push(diag("PN2012", callee.span, `${callee.what} needs \`${p.name}\`${p.doc ? ` (${p.doc})` : ""}`));
      failed = true;
    } else if (p.default !== undefined) values[p.name] = p.default;
  }
  return failed ? undefined : { values, spans };
}

/** `a-b c-d` or `a-b, c-d`: the pairs of names an expression spells, with the span of each name. */
export function namePairs(expr: Arg["value"]): { a: string; b: string; span: Span; aSpan: Span; bSpan: Span }[] | undefined {
  const items = expr.kind === "List" ? expr.items : [expr];
  const out: { a: string; b: string; span: Span; aSpan: Span; bSpan: Span }[] = [];
  for (const item of items) {
    if (item.kind !== "Binary" || item.op !== "-" || item.left.kind !== "Name" || item.right.kind !== "Name") return undefined;
    out.push({ a: item.left.name, b: item.right.name, span: item.span, aSpan: item.left.span, bSpan: item.right.span });
  }
  return out;
}
