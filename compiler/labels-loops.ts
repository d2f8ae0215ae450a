// Labels computed from expressions (`layer{i + 1}:`) and what a `for` loop runs over: the two places
// where elaboration evaluates the new control constructs, kept apart from the statement handlers. They take
// the part of elaboration's scope they read and the diagnostics list, not elaborate.ts's types, so that
// elaborate.ts imports this module and not the other way round (no import cycle).
import type { Label, Stmt } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { didYouMean } from "./suggest.js";
import { describeValue, evaluate, kindName, type Env, type Value } from "./values.js";

/** What a label is evaluated in: the scope's variables and the prefix its node names get. */
export interface LabelScope {
  env: Env;
  prefix: string;
  /** the prefix of labelled nodes when it differs from `prefix` */
  labelPrefix?: string;
}

/** The text of a label: a plain name, or a template evaluated in the current scope. */
export function labelText(label: Label | undefined, scope: LabelScope, diags: Diagnostic[]): string | undefined {
  if (!label) return undefined;
  if (label.templateError) {
    diags.push(diag("PN1002", label.span, label.templateError, { help: "write a label like `layer{i + 1}:` (an expression in braces)" }));
    return undefined;
  }
  if (!label.template) return label.name;
  let text = "";
  for (const part of label.template) {
    if (typeof part === "string") {
      text += part;
      continue;
    }
    const r = evaluate(part, scope.env);
    if ("error" in r) {
      diags.push(r.error);
      return undefined;
    }
    if (r.value.t !== "int" && r.value.t !== "str" && !(r.value.t === "sym" && part.kind === "Name" && scope.env.vars.has(part.name))) {
      diags.push(diag("PN2020", part.span, `a label part must be an integer or a string, got ${kindName(r.value)}`, { help: r.value.t === "sym" ? didYouMean(r.value.v, scope.env.vars.keys()) : undefined }));
      return undefined;
    }
    text += describeValue(r.value).replace(/^"|"$/g, "");
  }
  // `{k}:` is fine inside a labelled block call (`Mconv1_0`), not where it would start a node name
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test((scope.labelPrefix ?? scope.prefix) + text)) {
    diags.push(diag("PN2020", label.span, `the label \`${label.name}\` gives \`${text}\`, which is not a name`, { help: "a label must be letters, digits and `_`, not starting with a digit" }));
    return undefined;
  }
  return text;
}

/** What a `for` runs over: a list's items, or the integers of an inclusive range `a..b` (at most `maxItems`). */
export function loopItems(s: Extract<Stmt, { kind: "For" }>, scope: { env: Env }, diags: Diagnostic[], maxItems: number): Value[] | undefined {
  if (!s.iterable) return undefined;
  const r = evaluate(s.iterable, scope.env);
  if ("error" in r) {
    diags.push(r.error);
    return undefined;
  }
  const v = r.value;
  let items: Value[];
  if (v.t === "list") items = v.items;
  else if (v.t === "range" && v.lo.t === "int" && v.hi.t === "int") {
    // `2..1` runs nothing (a block with depth 1 has no extra units); anything further reversed is a mistake
    if (v.hi.v < v.lo.v - 1) {
      diags.push(diag("PN2004", s.iterable.span, `the loop runs from ${v.lo.v} down to ${v.hi.v}: a range must not decrease`, { help: "ranges count up and include both ends: `1..5` is 1, 2, 3, 4, 5" }));
      return undefined;
    }
    items = [];
    for (let k = v.lo.v; k <= v.hi.v && items.length <= maxItems; k++) items.push({ t: "int", v: k });
  } else {
    diags.push(diag("PN2004", s.iterable.span, `\`for\` needs a list or a range of integers, got ${kindName(v)}`, { help: "e.g. `for d in [3, 4, 6, 3]` or `for k in 1..5`" }));
    return undefined;
  }
  if (items.length > maxItems) {
    diags.push(diag("PN2004", s.iterable.span, `a loop may run at most ${maxItems} times, this one runs ${items.length}`));
    return undefined;
  }
  return items;
}
