// Generated TypeScript as tokens, so that the code of several block instances can be compared and shared:
// instances whose code differs only in numbers (a width, a stage index inside a layer name) become calls of
// one function with those numbers as arguments. Layer names are string tokens split into the instance's
// name (the `name` argument of the shared function), fixed text and digit runs (numbers that may vary).

export type StrPart = { t: "name" } | { t: "text"; s: string } | { t: "digits"; v: number };

export type Token =
  /** fixed code: punctuation, keywords, identifiers of tfjs and posec */
  | { t: "code"; s: string }
  /** a number literal; `hint` names the argument it would become */
  | { t: "num"; v: number; hint?: string }
  /** a string literal (a layer name or another string) */
  | { t: "str"; parts: StrPart[] }
  /** the k-th value computed in this body (a layer's output, a block's result) */
  | { t: "ref"; k: number }
  /** the k-th tensor the body receives */
  | { t: "in"; k: number };

/** Placeholders a layer expression is written with, turned into `ref`/`in` tokens by `tokenize`. */
export const refPlaceholder = (k: number) => `__ref${k}__`;
export const inPlaceholder = (k: number) => `__in${k}__`;

const TOKEN = /("(?:[^"\\]|\\.)*")|([A-Za-z_$][\w$]*)|(\d+(?:\.\d+)?(?:e-?\d+)?)|(\s+)|([^])/g;

/**
 * A layer expression as tokens. String literals that start with `prefix` (the instance's node prefix,
 * ending in `_`) become `${name}_...`; other strings keep their text, digit runs split out.
 */
export function tokenize(code: string, prefix: string): Token[] {
  const out: Token[] = [];
  const text = (s: string) => {
    const last = out[out.length - 1];
    if (last?.t === "code") last.s += s;
    else out.push({ t: "code", s });
  };
  for (const m of code.matchAll(TOKEN)) {
    const [tok, string, ident, number] = m;
    if (string) out.push({ t: "str", parts: strParts(JSON.parse(string) as string, prefix) });
    else if (ident) {
      const ph = /^__(ref|in)(\d+)__$/.exec(ident);
      if (ph) out.push(ph[1] === "ref" ? { t: "ref", k: Number(ph[2]) } : { t: "in", k: Number(ph[2]) });
      else text(ident);
    } else if (number !== undefined && (number.includes(".") || number.includes("e") || canonical(number))) out.push({ t: "num", v: Number(number) });
    else text(tok);
  }
  return out;
}

const canonical = (digits: string) => String(Number(digits)) === digits;

/** A string as parts: the instance name where it starts with `prefix`, then text and digit runs. */
export function strParts(s: string, prefix: string): StrPart[] {
  const parts: StrPart[] = [];
  let rest = s;
  if (prefix.endsWith("_") && s.startsWith(prefix)) {
    parts.push({ t: "name" });
    rest = s.slice(prefix.length - 1); // keep the `_`
  }
  for (const m of rest.matchAll(/(\d+)|(\D+)/g)) {
    if (m[1] !== undefined && canonical(m[1])) parts.push({ t: "digits", v: Number(m[1]) });
    else {
      const last = parts[parts.length - 1];
      if (last?.t === "text") last.s += m[0];
      else parts.push({ t: "text", s: m[0] });
    }
  }
  return parts;
}

/** The shape of a token list with every number masked: bodies with equal shapes can share a function. */
export function shapeKey(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      switch (t.t) {
        case "code":
          return t.s;
        case "num":
          return "#";
        case "str":
          return `"${t.parts.map((p) => (p.t === "name" ? "${name}" : p.t === "text" ? p.s : "#")).join("")}"`;
        case "ref":
          return `@${t.k}`;
        case "in":
          return `$${t.k}`;
      }
    })
    .join("\u0001");
}

/** Every number of a token list, in order (number tokens and digit runs): the places an argument can go. */
export function numbers(tokens: readonly Token[]): { v: number; hint?: string }[] {
  const out: { v: number; hint?: string }[] = [];
  let key: string | undefined;
  for (const t of tokens) {
    if (t.t === "code") {
      const keys = [...t.s.matchAll(/([A-Za-z_$][\w$]*)\s*:/g)];
      if (keys.length) key = keys[keys.length - 1][1];
    } else if (t.t === "num") out.push({ v: t.v, hint: t.hint ?? key });
    else if (t.t === "str") for (const p of t.parts) if (p.t === "digits") out.push({ v: p.v, hint: "i" });
  }
  return out;
}

export interface RenderContext {
  /** the identifier of value k */
  ref: (k: number) => string;
  /** the identifier of input k */
  input: (k: number) => string;
  /** the source of the n-th number (in `numbers` order): a literal or an argument's name */
  number: (n: number, v: number) => string;
  /** the instance name as literal text, or null for the function's `name` argument */
  name: string | null;
}

/** TypeScript source of a token list. */
export function render(tokens: readonly Token[], ctx: RenderContext): string {
  let n = 0;
  const num = (v: number) => ctx.number(n++, v);
  return tokens
    .map((t) => {
      switch (t.t) {
        case "code":
          return t.s;
        case "num":
          return num(t.v);
        case "ref":
          return ctx.ref(t.k);
        case "in":
          return ctx.input(t.k);
        case "str": {
          // each part: literal text, or code (an argument's name) to interpolate
          const parts: { text?: string; code?: string }[] = t.parts.map((p) => {
            if (p.t === "name") return ctx.name === null ? { code: "name" } : { text: ctx.name };
            if (p.t === "text") return { text: p.s };
            const source = num(p.v);
            return /^\d+$/.test(source) ? { text: source } : { code: source };
          });
          if (parts.every((p) => p.code === undefined)) return JSON.stringify(parts.map((p) => p.text).join(""));
          return "`" + parts.map((p) => (p.code === undefined ? p.text!.replace(/[`$\\]/g, "\\$&") : "${" + p.code + "}")).join("") + "`";
        }
      }
    })
    .join("");
}

/** The text of a name's parts (placeholders dropped, underscores tidied): an identifier base. */
export const plainName = (parts: StrPart[]) =>
  parts
    .map((p) => (p.t === "text" ? p.s : p.t === "digits" ? String(p.v) : ""))
    .join("")
    .replace(/^_+|_+$/g, "")
    .replace(/__+/g, "_");

/**
 * Several values' names as one identifier base, the digits that differ between them left out. Names of
 * different shapes give "" when `unlike` is "empty", or the first name without its digits.
 */
export function mergedName(all: StrPart[][], unlike: "empty" | "first-without-digits"): string {
  const first = all[0];
  const alike =
    unlike === "empty"
      ? all.every((p) => p.length === first.length && p.every((x, i) => x.t === first[i].t && (x.t !== "text" || x.s === (first[i] as { s: string }).s)))
      : all.every((p) => p.length === first.length);
  if (!alike) return unlike === "empty" ? "" : plainName(first.filter((p) => p.t !== "digits"));
  return plainName(first.filter((p, i) => p.t !== "digits" || all.every((q) => (q[i] as { v?: number }).v === p.v)));
}
