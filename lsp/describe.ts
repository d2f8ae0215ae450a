// Plain-text descriptions shared by hover and completion: parameter types with their ranges and
// defaults, block signatures with their doc comments, and numbers in the units people read.
import type { ParamSpec, TypeSpec } from "../compiler/bind-args.js";
import type { BlockRef } from "../compiler/modules.js";
import { formatExpr } from "../grammar/format.js";

export function describeType(t: TypeSpec): string {
  const range = (min?: number, max?: number, above?: number) =>
    [min !== undefined ? `≥ ${min}` : "", above !== undefined ? `> ${above}` : "", max !== undefined ? `≤ ${max}` : ""].filter(Boolean).join(", ");
  switch (t.kind) {
    case "int":
    case "float": {
      const r = range(t.min, t.max, t.kind === "float" ? t.above : undefined);
      return r ? `${t.kind} (${r})` : t.kind;
    }
    case "choice":
      return t.options.map((o) => `\`${o}\``).join(" | ");
    case "pair":
      return `size \`K\` or \`HxW\`${range(t.min, t.max) ? ` (${range(t.min, t.max)})` : ""}`;
    case "pad":
      return "`same` | `valid` | `P` | `HxW` | four values top,left,bottom,right";
    case "size3":
      return "`HxWxC`";
    case "intList":
      return "integers: `5`, `5,6` or `2..6`";
    case "floatList":
      return "numbers: `1,1,2`";
    case "floatRange":
      return "range `LO..HI` or a number";
    case "namePairs":
      return "name pairs `a-b, c-d`";
    case "names":
      return "a name";
    case "any":
      return "any value";
    default:
      return t.kind;
  }
}

export function describeDefault(v: unknown): string {
  if (Array.isArray(v)) return v.length === 2 && typeof v[0] === "number" && Number.isInteger(v[0]) ? v.join("x") : v.join(v.length === 2 ? ".." : ",");
  if (typeof v === "object" && v !== null && "t" in v && "v" in v) return String((v as { v: unknown }).v);
  return String(v);
}

export function describeParam(p: ParamSpec): string {
  const how = p.flag ? " (flag: write the value alone)" : p.namedOnly ? ` (\`${p.name}=\`)` : "";
  const def = p.required ? " — required" : p.default !== undefined ? ` — default \`${describeDefault(p.default)}\`` : "";
  return `\`${p.name}\`: ${describeType(p.type)}${how}${def}${p.doc ? ` — ${p.doc}` : ""}`;
}

export function blockSignature(ref: BlockRef): string {
  const d = ref.decl;
  const params = d.params.map((p) => `${p.name.name}${p.type ? `: ${p.type.name}` : ""}${p.default ? ` = ${formatExpr(p.default)}` : ""}`);
  return `block ${d.name?.name ?? "?"}(${params.join(", ")})`;
}

/** The comment lines directly above a block declaration, without their `#`. */
export function blockDoc(ref: BlockRef): string {
  const line = ref.decl.span.line;
  const byLine = new Map(ref.module.parsed.comments.map((c) => [c.span.line, c.text]));
  const out: string[] = [];
  for (let l = line - 1; byLine.has(l); l--) out.unshift(byLine.get(l)!.replace(/^#\s?/, ""));
  return out.join("\n");
}

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}
