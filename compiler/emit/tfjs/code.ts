// Small helpers for writing TypeScript source: literals, identifiers for IR names, provenance.
// The text they produce is not formatted; the emitter runs prettier over every file at the end.

/** Words a TypeScript module cannot use as a `const` name (reserved words, strict-mode words, globals it relies on). */
export const TS_RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with " +
    "implements interface let package private protected public static yield await as async of type " +
    "arguments eval undefined NaN Infinity Object Array Number String Math JSON Error Promise Map Set process console globalThis")
    .split(" "),
);

/**
 * A const name for every IR name, unique within one file: the IR name itself (so that `stage3_paf_conv2`
 * in the code is the layer `stage3_paf_conv2`), with trailing underscores where it would shadow a reserved
 * word or one of the file's own names.
 */
export function identifiers(names: readonly string[], fileNames: readonly string[]): Map<string, string> {
  const taken = new Set([...TS_RESERVED, ...fileNames]);
  const irNames = new Set(names);
  const out = new Map<string, string>();
  for (const name of names) {
    let id = name;
    if (taken.has(id)) {
      do id += "_";
      while (taken.has(id) || irNames.has(id));
    }
    taken.add(id);
    out.set(name, id);
  }
  return out;
}

/** A number as TypeScript source, exactly (round-trip) and short: `1e-5` rather than `0.00001`. */
export function num(n: number): string {
  if (Object.is(n, -0)) return "0";
  const plain = String(n);
  if (Number.isInteger(n)) return plain;
  const exp = n.toExponential().replace("e+", "e");
  return exp.length < plain.length ? exp : plain;
}

export function str(s: string): string {
  return JSON.stringify(s);
}

/** An object literal from [key, source] entries in the given order, optionally ending in `...spread`. */
export function obj(entries: readonly (readonly [string, string])[], spread?: string): string {
  const parts = entries.map(([k, v]) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : str(k)) + `: ${v}`);
  if (spread) parts.push(`...${spread}`);
  return `{ ${parts.join(", ")} }`;
}

export function arr(items: readonly string[]): string {
  return `[${items.join(", ")}]`;
}

/** A size as tfjs takes it: one number when both axes agree (`3` rather than `[3, 3]`). */
export function pairOrOne(p: readonly [number, number]): string {
  return p[0] === p[1] ? num(p[0]) : arr(p.map(num));
}

/** The heading of a node's part: "backbone", "adapter", "stage3" (the refinement input), "stage3.paf". */
export function partTitle(part: string): string {
  const m = /^stage(\d+)(?:\.(\w+))?$/.exec(part);
  if (part === "backbone") return "Backbone";
  if (part === "adapter") return "Adapter: backbone features -> stage features";
  if (part === "stages") return "Stages: each stage's PAFs and heatmaps, stage 1 first";
  if (!m) return part;
  if (!m[2]) return `Stage ${m[1]} input: the previous stage's PAFs and heatmaps, and the features`;
  return `Stage ${m[1]}, ${m[2] === "paf" ? "PAF" : m[2]} branch`;
}
