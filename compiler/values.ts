// Compile-time values: evaluating argument expressions and checking them against parameter types.
// A bare name evaluates to the variable of that name (block parameters, `out`) if there is one, and to a
// symbol otherwise (`relu`, `l2`, `bgr`); whether a symbol is acceptable is decided by the parameter type,
// which is where "unknown name, did you mean ..." comes from.
import type { Expr, Span } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { didYouMean } from "./suggest.js";

export type Value =
  | { t: "int"; v: number }
  | { t: "float"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "str"; v: string }
  | { t: "sym"; v: string }
  | { t: "dims"; v: number[] }
  | { t: "range"; lo: Value; hi: Value }
  | { t: "list"; items: Value[] };

export interface Env {
  vars: ReadonlyMap<string, Value>;
  /** `in.channels`, when evaluating inside a body that has an input */
  inChannels?: number;
}

export const EMPTY_ENV: Env = { vars: new Map() };

export function describeValue(v: Value): string {
  switch (v.t) {
    case "int":
    case "float":
      return String(v.v);
    case "bool":
      return String(v.v);
    case "str":
      return JSON.stringify(v.v);
    case "sym":
      return v.v;
    case "dims":
      return v.v.join("x");
    case "range":
      return `${describeValue(v.lo)}..${describeValue(v.hi)}`;
    case "list":
      return v.items.map(describeValue).join(",");
  }
}

export function kindName(v: Value): string {
  return { int: "an integer", float: "a number", bool: "a boolean", str: "a string", sym: "a name", dims: "a size", range: "a range", list: "a list" }[v.t];
}

type Result = { value: Value } | { error: Diagnostic };
const ok = (value: Value): Result => ({ value });
const fail = (span: Span, message: string, help?: string): Result => ({ error: diag("PN2020", span, message, { help }) });

function num(v: Value): number | undefined {
  return v.t === "int" || v.t === "float" ? v.v : undefined;
}

function numeric(x: number, asInt: boolean, span: Span): Result {
  if (!Number.isFinite(x)) return fail(span, "the result is not a finite number");
  return ok(asInt && Number.isInteger(x) ? { t: "int", v: x } : { t: "float", v: x });
}

export function evaluate(expr: Expr, env: Env): Result {
  switch (expr.kind) {
    case "Int":
      return Number.isSafeInteger(expr.value) ? ok({ t: "int", v: expr.value }) : fail(expr.span, `the integer ${expr.text} is too large`);
    case "Float":
      return Number.isFinite(expr.value) ? ok({ t: "float", v: expr.value }) : fail(expr.span, `the number ${expr.text} is too large`);
    case "String":
      return ok({ t: "str", v: expr.value });
    case "Dims":
      return expr.value.every((n) => Number.isSafeInteger(n)) ? ok({ t: "dims", v: expr.value }) : fail(expr.span, "a size is too large");
    case "Bool":
      return ok({ t: "bool", v: expr.value });
    case "Name":
      return ok(env.vars.get(expr.name) ?? { t: "sym", v: expr.name });
    case "Member":
      if (expr.field.name !== "channels") {
        return fail(expr.field.span, `\`in.${expr.field.name}\` is not known at compile time`, "only `in.channels` can be used: spatial sizes depend on the input size");
      }
      if (env.inChannels === undefined) return fail(expr.span, "`in.channels` is only available inside a layer body");
      return ok({ t: "int", v: env.inChannels });
    case "Path":
      return fail(expr.span, `\`${expr.parts.map((p) => p.name).join(".")}\` names a stage output: it can only be used in a stage group's \`input\``);
    case "Paren":
      return evaluate(expr.inner, env);
    case "Unary": {
      const r = evaluate(expr.operand, env);
      if ("error" in r) return r;
      if (expr.op === "not") return r.value.t === "bool" ? ok({ t: "bool", v: !r.value.v }) : fail(expr.span, `\`not\` needs a boolean, got ${kindName(r.value)}`);
      const n = num(r.value);
      return n === undefined ? fail(expr.span, `\`-\` needs a number, got ${kindName(r.value)}`) : numeric(-n, r.value.t === "int", expr.span);
    }
    case "Range": {
      const lo = evaluate(expr.from, env);
      if ("error" in lo) return lo;
      const hi = evaluate(expr.to, env);
      if ("error" in hi) return hi;
      return ok({ t: "range", lo: lo.value, hi: hi.value });
    }
    case "List": {
      const items: Value[] = [];
      for (const item of expr.items) {
        const r = evaluate(item, env);
        if ("error" in r) return r;
        items.push(r.value);
      }
      return ok({ t: "list", items });
    }
    case "Binary":
      return binary(expr, env);
  }
}

function binary(expr: Extract<Expr, { kind: "Binary" }>, env: Env): Result {
  const l = evaluate(expr.left, env);
  if ("error" in l) return l;
  if (expr.op === "and" || expr.op === "or") {
    if (l.value.t !== "bool") return fail(expr.left.span, `\`${expr.op}\` needs booleans, got ${kindName(l.value)}`);
    // short-circuit, so that `x > 0 and y / x > 1` never divides by zero
    if (expr.op === "and" && !l.value.v) return l;
    if (expr.op === "or" && l.value.v) return l;
  }
  const r = evaluate(expr.right, env);
  if ("error" in r) return r;
  const a = l.value;
  const b = r.value;
  switch (expr.op) {
    case "and":
    case "or":
      return b.t === "bool" ? ok(b) : fail(expr.right.span, `\`${expr.op}\` needs booleans, got ${kindName(b)}`);
    case "==":
    case "!=": {
      const eq = describeValue(a) === describeValue(b) && (num(a) === undefined) === (num(b) === undefined);
      const numEq = num(a) !== undefined && num(a) === num(b);
      const same = numEq || eq;
      return ok({ t: "bool", v: expr.op === "==" ? same : !same });
    }
  }
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) {
    const bad = x === undefined ? expr.left : expr.right;
    const badValue = x === undefined ? a : b;
    const unknown = badValue.t === "sym" ? `unknown name \`${badValue.v}\`` : `\`${expr.op}\` needs numbers, got ${kindName(badValue)}`;
    return fail(bad.span, unknown, badValue.t === "sym" ? didYouMean(badValue.v, env.vars.keys()) : undefined);
  }
  const ints = a.t === "int" && b.t === "int";
  switch (expr.op) {
    case "+":
      return numeric(x + y, ints, expr.span);
    case "-":
      return numeric(x - y, ints, expr.span);
    case "*":
      return numeric(x * y, ints, expr.span);
    case "/":
      if (y === 0) return fail(expr.right.span, "division by zero");
      return numeric(x / y, ints && x % y === 0, expr.span);
    case "^":
      // `width * 2 ^ i`: integer powers stay integers
      return numeric(x ** y, ints && y >= 0, expr.span);
    case "%":
      if (!ints) return fail(expr.span, "`%` needs integers");
      if (y === 0) return fail(expr.right.span, "division by zero");
      return numeric(x % y, true, expr.span);
    case "<":
      return ok({ t: "bool", v: x < y });
    case "<=":
      return ok({ t: "bool", v: x <= y });
    case ">":
      return ok({ t: "bool", v: x > y });
    case ">=":
      return ok({ t: "bool", v: x >= y });
  }
}
