// Python source text from TypeScript values: literals, names and line wrapping. There is no Python
// formatter here, so the emitter keeps its own output tidy: 4-space indents, at most 100 columns where
// a line can be broken, black-like "one item per line" when a literal does not fit.

export const MAX_COLUMNS = 100;
export const INDENT = "    ";

/** A float literal that reads back as the same double (integers get ".0"). */
export function pyFloat(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as a Python literal`);
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

export function pyStr(s: string): string {
  return JSON.stringify(s);
}

/** `7` for a square pair, `(3, 5)` otherwise. */
export function pyPair(p: readonly number[]): string {
  return p[0] === p[1] ? String(p[0]) : `(${p[0]}, ${p[1]})`;
}

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue } | PyRaw | PyTuple;

/** Text written as is (e.g. a name). */
export class PyRaw {
  constructor(readonly text: string) {}
}
/** A tuple instead of a list. */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export const raw = (text: string) => new PyRaw(text);
export const tuple = (items: PyValue[]) => new PyTuple(items);

function inline(v: PyValue): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === "string") return pyStr(v);
  if (v instanceof PyRaw) return v.text;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${inline(v.items[0])},)` : `(${v.items.map(inline).join(", ")})`;
  if (Array.isArray(v)) return `[${v.map(inline).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${pyStr(k)}: ${inline(x)}`).join(", ")}}`;
}

/**
 * A literal starting at column `column` (what precedes it on its line), indented by `indent` when it
 * must be broken: containers that do not fit put one item per line, recursively, with a trailing comma.
 */
export function pyValue(v: PyValue, indent = "", column = indent.length): string {
  const flat = inline(v);
  if (column + flat.length <= MAX_COLUMNS) return flat;
  const inner = indent + INDENT;
  const items = (open: string, close: string, parts: string[]) => `${open}\n${parts.map((p) => `${inner}${p},\n`).join("")}${indent}${close}`;
  if (v instanceof PyTuple) return items("(", ")", v.items.map((x) => pyValue(x, inner)));
  if (Array.isArray(v)) return items("[", "]", v.map((x) => pyValue(x, inner)));
  if (v !== null && typeof v === "object" && !(v instanceof PyRaw)) {
    return items(
      "{",
      "}",
      Object.entries(v).map(([k, x]) => `${pyStr(k)}: ${pyValue(x, inner, inner.length + pyStr(k).length + 2)}`),
    );
  }
  if (typeof v === "string") return longString(v, indent);
  return flat; // an atom that is simply long
}

/** A string too long for its line: on lines of its own in parentheses, as adjacent literals broken after spaces. */
function longString(s: string, indent: string): string {
  const inner = indent + INDENT;
  const room = MAX_COLUMNS - inner.length;
  const pieces: string[] = [];
  let piece = "";
  for (const word of s.split(/(?<= )/)) {
    if (piece && pyStr(piece + word).length > room) {
      pieces.push(piece);
      piece = word;
    } else piece += word;
  }
  pieces.push(piece);
  return `(\n${pieces.map((x) => `${inner}${pyStr(x)}\n`).join("")}${indent})`;
}

/** `name = value` at `indent`, wrapped as pyValue does. */
export function pyAssign(indent: string, name: string, v: PyValue): string {
  return `${indent}${name} = ${pyValue(v, indent, indent.length + name.length + 3)}`;
}

/**
 * A call `prefix(args)` at `indent`: on one line when it fits, else the arguments on their own line(s),
 * packed up to the column limit.
 */
export function pyCall(indent: string, prefix: string, args: string[]): string {
  const one = `${indent}${prefix}(${args.join(", ")})`;
  if (one.length <= MAX_COLUMNS) return one;
  const inner = indent + INDENT;
  const lines: string[] = [];
  let line = "";
  for (const a of args) {
    const next = line ? `${line}, ${a}` : a;
    if (line && inner.length + next.length + 1 > MAX_COLUMNS) {
      lines.push(`${inner}${line},`);
      line = a;
    } else line = next;
  }
  if (line) lines.push(lines.length ? `${inner}${line},` : `${inner}${line}`);
  return `${indent}${prefix}(\n${lines.join("\n")}\n${indent})`;
}
