// Nothing a spec says can overflow the stack or take unbounded time: nesting, operator chains, prefix
// runs, `else if` chains, names and file size are bounded (grammar/limits.ts). Each generated case is
// checked for: no exception, the PN code, and the line:col where the limit is crossed (computed from
// the generated text). Just under each limit the spec still compiles, formats and re-parses.
import { describe, expect, it } from "vitest";
import { sourceLookup } from "../../compiler/compile.js";
import { renderPretty } from "../../compiler/format-diagnostics.js";
import { formatFile } from "../../grammar/format.js";
import { LIMITS } from "../../grammar/limits.js";
import { parseSource } from "../../grammar/parse.js";
import { compileText, HEADER, lineCol, nth } from "./helpers.js";

/** Compiles `text` (which must not throw) and returns its only error, which must have `code`. */
function onlyError(text: string, code: string) {
  const r = compileText(text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code} ${d.message}`)).toHaveLength(1);
  expect(errors[0].code).toBe(code);
  return { error: errors[0], result: r };
}

function expectAt(text: string, offset: number, span: { line: number; col: number }) {
  expect({ line: span.line, col: span.col }).toEqual(lineCol(text, offset));
}

/** Compiles cleanly and survives a format round trip. */
function expectFine(text: string) {
  const r = compileText(text);
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  const p = parseSource("spec.posenet", text);
  const formatted = formatFile(p.ast, p.comments, text);
  expect(parseSource("spec.posenet", formatted).errors).toEqual([]);
}

const braces = (n: number) => `${HEADER}adapter ${"{ ".repeat(n)}conv 3x3 32 relu${" }".repeat(n)}\n`;
const parens = (n: number) => `${HEADER}adapter { conv 3x3 ${"(".repeat(n)}32${")".repeat(n)} relu }\n`;
const chain = (terms: number) => `${HEADER}adapter { conv 3x3 ${Array(terms).fill("1").join(" + ")} relu }\n`;
const prefix = (n: number) => `${HEADER}adapter { conv 3x3 (${"-".repeat(n)}32) relu }\n`;
const elseIfs = (n: number) =>
  `${HEADER}block pick(c: int) {\n  if c == 0 { relu }${Array.from({ length: n }, (_, i) => ` else if c == ${i + 1} { relu }`).join("")}\n}\nadapter { conv 3x3 32; pick 1 }\n`;

describe("nesting depth", () => {
  it(`${LIMITS.nesting} levels of braces compile`, () => expectFine(braces(LIMITS.nesting - 1)));
  it("350 nested braces: PN1003 at the brace that crosses the limit", () => {
    const text = braces(350);
    const { error } = onlyError(text, "PN1003");
    expect(error.message).toContain(`${LIMITS.nesting} levels`);
    expectAt(text, nth(text, "{", LIMITS.nesting + 1), error.span);
  });
  it(`${LIMITS.nesting - 1} nested parentheses compile`, () => expectFine(parens(LIMITS.nesting - 1)));
  it("400 nested parentheses: PN1003 at the parenthesis that crosses the limit", () => {
    const text = parens(400);
    const { error } = onlyError(text, "PN1003");
    expectAt(text, nth(text, "(", LIMITS.nesting), error.span); // the adapter's `{` is the first level
  });
  it("100,000 nested parentheses: PN1003, quickly", () => {
    const t0 = performance.now();
    onlyError(parens(100_000), "PN1003");
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
  it(`${LIMITS.elseIf} else-ifs compile; 1,000 give PN1003 at the first one past the limit`, () => {
    expectFine(elseIfs(LIMITS.elseIf));
    const text = elseIfs(1000);
    const { error } = onlyError(text, "PN1003");
    expect(error.message).toContain(String(LIMITS.elseIf));
    expectAt(text, nth(text, "else if", LIMITS.elseIf + 1) + "else ".length, error.span);
  });
});

describe("operator chains and prefix runs", () => {
  it(`a chain of ${LIMITS.operators} operators compiles`, () => expectFine(chain(LIMITS.operators + 1)));
  it("a flat chain of 2,200 terms: PN1004 at the operator that crosses the limit", () => {
    const text = chain(2200);
    const { error } = onlyError(text, "PN1004");
    expect(error.message).toContain(String(LIMITS.operators));
    expectAt(text, nth(text, "+", LIMITS.operators + 1), error.span);
  });
  it("a chain split over nested parentheses counts along its deepest path", () => {
    // 40 levels of `( ... + 1 + 1 + 1 + 1 + 1 + 1 + 1)`: 7 operators per level, 280 along the path
    const inner = Array.from({ length: 40 }).reduce<string>((e) => `(${e} + 1 + 1 + 1 + 1 + 1 + 1 + 1)`, "1");
    const text = `${HEADER}adapter { conv 3x3 ${inner} relu }\n`;
    onlyError(text, "PN1004");
    // side by side, each operand is short: fine
    const wide = Array.from({ length: 40 }, () => "(1 + 1 + 1 + 1 + 1 + 1 + 1)").join(", ");
    const r = compileText(`${HEADER}adapter { conv 3x3 32 relu }\ntrain { lr_mult ${wide} }\n`);
    expect(r.diagnostics.map((d) => d.code)).not.toContain("PN1004");
  });
  it(`${LIMITS.prefixRun} prefix minus signs compile`, () => expectFine(prefix(LIMITS.prefixRun)));
  it("100,000 prefix minus signs: PN1004 at the first one past the limit", () => {
    const text = prefix(100_000);
    const { error } = onlyError(text, "PN1004");
    expect(error.message).toContain(String(LIMITS.prefixRun));
    expectAt(text, nth(text, "-", LIMITS.prefixRun + 1), error.span);
  });
  it("limbs written a-b side by side are separate expressions", () => {
    const limbs = Array.from({ length: 300 }, (_, i) => `j${i}-j${i + 1}`).join(" ");
    const p = parseSource("spec.posenet", `keypoints many { limbs ${limbs} }\n`);
    expect(p.errors.map((e) => e.code)).not.toContain("PN1004");
  });
});

describe("long names and strings", () => {
  it("a 1 MB unknown name: PN1004 in well under a second per 100 KB, a short message and frame", () => {
    const text = `${HEADER}adapter { ${"x".repeat(1_000_000)} 3x3 }\n`;
    const t0 = performance.now();
    const { error, result } = onlyError(text, "PN1004");
    expect(performance.now() - t0).toBeLessThan(10_000);
    expectAt(text, text.indexOf("xxxxxxxx"), error.span);
    expect(error.message.length).toBeLessThan(200);
    const frame = renderPretty(error, sourceLookup(result.program));
    expect(frame.length).toBeLessThan(1000);
  });
  it("a name just under the limit is looked up and gets no suggestion, quickly", () => {
    const name = "x".repeat(LIMITS.nameLength);
    const r = compileText(`${HEADER}adapter { ${name} 3x3 }\n`);
    const unknown = r.diagnostics.find((d) => d.code === "PN2001")!;
    expect(unknown).toBeDefined();
    expect(unknown.message).not.toContain("did you mean");
  });
  it("an 8 KB import path: PN1004", () => {
    const text = `posenet 1\nimport "${"a/".repeat(4096)}x"\n`;
    const { error } = onlyError(text, "PN1004");
    expectAt(text, text.indexOf('"'), error.span);
  });
});

describe("syntax errors: reported up to a bound, at a cost linear in the size", () => {
  it("several errors in one body are all reported", () => {
    const text = `${HEADER}adapter {\n  conv 3x3 ) 32\n  relu = 3\n  conv 3x3 32 )\n}\n`;
    const r = compileText(text);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}`)).toEqual(["PN1002 4:12", "PN1002 5:8", "PN1002 6:15"]);
  });
  it("100,000 bad lines: the first 50 and one closing error, in seconds, without overflowing", () => {
    const text = `${HEADER}adapter {\n${"relu ) 3\n".repeat(100_000)}}\n`;
    const t0 = performance.now();
    const r = compileText(text);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.diagnostics).toHaveLength(51);
    r.diagnostics.slice(0, 50).forEach((d, i) => expect(`${d.code} ${d.span.line}:${d.span.col}`).toBe(`PN1002 ${4 + i}:6`));
    expect(r.diagnostics[50].message).toMatch(/too many errors: the first 50 are reported/);
  });
  it("50,000 bad declarations: likewise", () => {
    const r = compileText(`${HEADER}${"adapter { relu ) }\n".repeat(50_000)}`);
    expect(r.diagnostics).toHaveLength(51);
    expect(r.diagnostics[0]).toMatchObject({ code: "PN1002", span: { line: 3, col: 16 } });
  });
  it("a spec over 1 MiB: PN1005 at 1:1 naming the limit", () => {
    const text = `${HEADER}${"# padding\n".repeat(110_000)}`;
    const p = parseSource("spec.posenet", text);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ code: "PN1005", span: { line: 1, col: 1 } });
    expect(p.errors[0].message).toContain("1 MiB");
  });
  it("multi-byte text counts in bytes", () => {
    const text = `${HEADER}${"# ééééé\n".repeat(90_000)}`; // 720 K characters, 1.2 MB
    expect(parseSource("spec.posenet", text).errors[0]?.code).toBe("PN1005");
  });
});
