// The loops of model.ts (compiler/emit/tfjs/body-lines.ts): a run of statements repeating with each period
// reading the previous one's result and numbers counting up becomes a `for` loop; results read after the
// run, and numbers that do not count by one, stay written out. Expected lines written by hand.
import { describe, expect, it } from "vitest";
import { bodyLines, type LineStmt } from "../../compiler/emit/tfjs/body-lines.js";
import { inPlaceholder as input, refPlaceholder as ref, strParts, tokenize } from "../../compiler/emit/tfjs/code-tokens.js";

/** Statements `conv<k> = f("u<k>", <prev>)`, one value each, the first reading input 0. */
function chain(ks: number[], extra: string[] = []): { stmts: LineStmt[]; names: string[] } {
  const codes = ks.map((k, i) => `f("u${k}", ${i === 0 ? input(0) : ref(i - 1)})`);
  const all = [...codes, ...extra];
  return { stmts: all.map((code, v) => ({ defines: [v], tokens: tokenize(code, "") })), names: [...ks.map((k) => `u${k}`), ...extra.map((_, i) => `y${i}`)] };
}

function lines(c: { stmts: LineStmt[]; names: string[] }, live: number[]): string[] {
  const taken = new Set<string>();
  const id = (base: string) => {
    let s = base;
    while (taken.has(s)) s += "_";
    taken.add(s);
    return s;
  };
  const ctx = { input: () => "x", name: "", argument: () => null, names: c.names.map((n) => strParts(n, "")), identifier: id, taken: (n: string) => taken.has(n), loopVariable: "k" };
  return bodyLines(c.stmts, ctx, new Set(live), (ids) => `const ${ids.join(", ")}`).groups.flatMap((g) => g.lines);
}

describe("model.ts loops", () => {
  it("writes a chain whose names count up as a loop", () => {
    expect(lines(chain([1, 2, 3]), [2])).toEqual(["let u = x;", 'for (let k = 1; k <= 3; k++) u = f(`u${k}`, u);']);
  });

  it("keeps a result read after the chain out of the loop", () => {
    // u1 is read by g: the loop can only start after it
    const c = chain([1, 2, 3], [`g(${ref(0)})`]);
    expect(lines(c, [2, 3])).toEqual(['const u1 = f("u1", x);', "let u = u1;", "for (let k = 2; k <= 3; k++) u = f(`u${k}`, u);", "const y0 = g(u1);"]);
    // u2 is read by g: the loop ends with it
    const d = chain([1, 2, 3], [`g(${ref(1)})`]);
    expect(lines(d, [2, 3])).toEqual(["let u = x;", "for (let k = 1; k <= 2; k++) u = f(`u${k}`, u);", 'const u3 = f("u3", u);', "const y0 = g(u);"]);
    // u1 and u2 are read by g: nothing repeats twice without an inner result read later
    const e = chain([1, 2, 3], [`g(${ref(0)}, ${ref(1)})`]);
    expect(lines(e, [2, 3])).toEqual(['const u1 = f("u1", x);', 'const u2 = f("u2", u1);', 'const u3 = f("u3", u2);', "const y0 = g(u1, u2);"]);
  });

  it("keeps a chain written out when its numbers do not count by one", () => {
    expect(lines(chain([1, 3, 5]), [2])).toEqual(['const u1 = f("u1", x);', 'const u3 = f("u3", u1);', 'const u5 = f("u5", u3);']);
    // constant, then counting: not one rule for every period
    expect(lines(chain([1, 1, 3]), [2])).toEqual(['const u1 = f("u1", x);', 'const u1_ = f("u1", u1);', 'const u3 = f("u3", u1_);']);
  });
});
