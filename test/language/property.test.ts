// Robustness: 10,000 random and mutated specs through parser + checker. Whatever the input, no
// exception escapes, and every run returns either an IR without errors or at least one error.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import type { Host } from "../../compiler/modules.js";
import { formatFile } from "../../grammar/format.js";
import { LIMITS } from "../../grammar/limits.js";
import { parseSource } from "../../grammar/parse.js";
import { REPO, specsIn, ZOO } from "../helpers.js";

const std = new Map(["vgg", "resnet", "se"].map((n) => [`std/${n}.posenet`, readFileSync(`${REPO}/models/std/${n}.posenet`, "utf8")]));
const seeds = [...ZOO, ...specsIn("test/fixtures/valid"), ...specsIn("test/fixtures/invalid")].map((f) => readFileSync(`${REPO}/${f}`, "utf8"));
const base = readFileSync(`${REPO}/models/cmu_pose_vgg19.posenet`, "utf8");

/** An in-memory host: the spec under test, a parent it may extend, and the standard library. */
function hostFor(text: string): Host {
  return { read: (p) => (p === "spec.posenet" ? text : p === "cmu_pose_vgg19.posenet" || p === "lib/base.posenet" ? base : std.get(p)) };
}

const VOCAB = [
  "posenet", "model", "extends", "import", "input", "keypoints", "backbone", "adapter", "stages", "first", "refine", "each",
  "branch", "loss", "train", "block", "until", "if", "else", "require", "init", "and", "or", "not", "true", "false", "in",
  "conv", "relu", "bn", "add", "mul", "concat", "gap", "dense", "maxpool", "upsample", "se", "vgg19", "resnet50", "coco18",
  "out", "x3", "3x3", "368x368x3", "0", "1", "7", "-1", "99999999999", "1e-4", "0.5", "1/256", "2..6", "5,6", '"s"', '"',
  "{", "}", "(", ")", ",", ";", ":", "=", "==", "<", ">=", "+", "-", "*", "/", "%", ".", "..", "#c", "\n", " ", "@", "\t",
  "heatmap", "paf", "hardjoint", "topk=8", "stages=5,6", "stride=2", "pad=same", "se=8", "in.channels", "x5000",
];

const soup = fc.array(fc.constantFrom(...VOCAB), { maxLength: 80 }).map((ts) => ts.join(" "));

const mutation = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(30), fc.constantFrom(...VOCAB, "", "}", "{", "\n")), { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => {
    let t = text;
    for (const [pos, len, insert] of edits) {
      const at = pos % (t.length + 1);
      t = t.slice(0, at) + insert + t.slice(at + len);
    }
    return t;
  });

function checkNeverThrows(text: string): void {
  const result = compile("spec.posenet", hostFor(text));
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (result.ir) expect(errors).toEqual([]);
  else expect(errors.length).toBeGreaterThan(0);
  for (const d of result.diagnostics) {
    expect(d.code).toMatch(/^PN\d{4}$/);
    expect(d.span.line).toBeGreaterThanOrEqual(1);
    // no internal errors, no invalid IR out of the compiler
    expect(["PN4001", "PN9001"]).not.toContain(d.code);
  }
}

describe("parser and checker never throw", () => {
  it("on 4,000 random token soups", () => {
    fc.assert(fc.property(soup, checkNeverThrows), { numRuns: 4000, seed: 1 });
  });
  it("on 6,000 mutations of real specs", () => {
    fc.assert(fc.property(mutation, checkNeverThrows), { numRuns: 6000, seed: 2 });
  });
  it("formatting never throws and is idempotent on whatever parses cleanly", () => {
    fc.assert(
      fc.property(mutation, (text) => {
        const p = parseSource("spec.posenet", text);
        if (p.errors.length) return;
        const once = formatFile(p.ast, p.comments, text);
        const p2 = parseSource("spec.posenet", once);
        expect(p2.errors).toEqual([]);
        expect(formatFile(p2.ast, p2.comments, once)).toBe(once);
      }),
      { numRuns: 1000, seed: 3 },
    );
  });
});

// Generated deep and long specs (issue 16): whatever the nesting or length, no stack overflow and no
// exception; past a limit of grammar/limits.ts, exactly that limit's PN code.
describe("deep and long specs never overflow", () => {
  const shapes = {
    braces: (n: number) => `adapter ${"{ ".repeat(n)}conv 3x3 8 relu${" }".repeat(n)}`,
    parens: (n: number) => `adapter { conv 3x3 ${"(".repeat(n)}8${")".repeat(n)} relu }`,
    brackets: (n: number) => `adapter { conv 3x3 ${"[".repeat(n)}8${"]".repeat(n)} relu }`,
    chain: (n: number) => `adapter { conv 3x3 ${Array(n + 1).fill("1").join(" * ")} relu }`,
    prefix: (n: number) => `adapter { conv 3x3 (${"-".repeat(n)}8) relu }`,
    nots: (n: number) => `block b() { if ${"not ".repeat(n)}true { relu } }`,
    elseIf: (n: number) => `block b(c: int) { if c == 0 { relu }${" else if c == 1 { relu }".repeat(n)} }`,
    mixed: (n: number) => `adapter { conv 3x3 ${"(1 + ".repeat(n)}1${")".repeat(n)} relu }`,
  };
  const limitOf: Record<keyof typeof shapes, [number, string]> = {
    braces: [LIMITS.nesting - 1, "PN1003"],
    parens: [LIMITS.nesting - 1, "PN1003"],
    brackets: [LIMITS.nesting - 1, "PN1003"],
    chain: [LIMITS.operators, "PN1004"],
    prefix: [LIMITS.prefixRun, "PN1004"],
    nots: [LIMITS.prefixRun, "PN1004"],
    elseIf: [LIMITS.elseIf, "PN1003"],
    mixed: [LIMITS.nesting - 1, "PN1003"],
  };
  it("on 150 generated specs up to 5,000 deep or long", () => {
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(shapes) as (keyof typeof shapes)[])), fc.oneof(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 5_000 })), (shape, n) => {
        const text = `posenet 1\nmodel m extends "lib/base.posenet"\n${shapes[shape](n)}\n`;
        const result = compile("spec.posenet", hostFor(text));
        const codes = result.diagnostics.map((d) => d.code);
        for (const d of result.diagnostics) expect(["PN4001", "PN9001"]).not.toContain(d.code);
        const [limit, code] = limitOf[shape];
        if (n > limit) expect(codes).toContain(code);
        else expect(codes.filter((c) => c === "PN1003" || c === "PN1004")).toEqual([]);
        const p = parseSource("spec.posenet", text);
        if (p.errors.length === 0) formatFile(p.ast, p.comments, text);
      }),
      { numRuns: 150, seed: 4 },
    );
  });
});
