// The front end: literals, expressions, statements, recovery. Checked on the AST, not on messages.
import { describe, expect, it } from "vitest";
import type { Expr, Stmt } from "../../grammar/ast.js";
import { formatExpr } from "../../grammar/format.js";
import { parseSource } from "../../grammar/parse.js";

function argsOf(line: string): Expr[] {
  const p = parseSource("t.posenet", `adapter { ${line} }`);
  expect(p.errors).toEqual([]);
  const d = p.ast.decls[0];
  if (d.kind !== "Adapter") throw new Error("no adapter");
  const s = d.body!.stmts[0];
  if (s.kind !== "Layer") throw new Error("not a layer");
  return s.args.map((a) => a.value);
}

describe("literals", () => {
  it("integers, floats, exponents, fractions", () => {
    const [a, b, c, d, e] = argsOf("f 7 0.5 1e-4 1/256 2.5E+3");
    expect(a).toMatchObject({ kind: "Int", value: 7 });
    expect(b).toMatchObject({ kind: "Float", value: 0.5 });
    expect(c).toMatchObject({ kind: "Float", value: 1e-4 });
    expect(d).toMatchObject({ kind: "Binary", op: "/", left: { value: 1 }, right: { value: 256 } });
    expect(e).toMatchObject({ kind: "Float", value: 2500 });
  });
  it("sizes, ranges, lists, strings, booleans", () => {
    const [a, b, c, d, e, f] = argsOf('f 368x368x3 2..6 5,6 "a \\"b\\"" true 0.5..1.1');
    expect(a).toMatchObject({ kind: "Dims", value: [368, 368, 3] });
    expect(b).toMatchObject({ kind: "Range", from: { value: 2 }, to: { value: 6 } });
    expect(c).toMatchObject({ kind: "List", items: [{ value: 5 }, { value: 6 }] });
    expect(d).toMatchObject({ kind: "String", value: 'a "b"' });
    expect(e).toMatchObject({ kind: "Bool", value: true });
    expect(f).toMatchObject({ kind: "Range", from: { value: 0.5 }, to: { value: 1.1 } });
  });
  it("a repetition is not an identifier, and xavier is not a repetition", () => {
    const p = parseSource("t", "adapter { conv 3x3 8 init=xavier x5 }");
    expect(p.errors).toEqual([]);
    const s = (p.ast.decls[0] as { body: { stmts: Stmt[] } }).body.stmts[0];
    expect(s).toMatchObject({ kind: "Layer", repeat: { count: 5 }, args: [{}, {}, { kind: "Named", value: { kind: "Name", name: "xavier" } }] });
  });
});

describe("expressions", () => {
  it.each([
    ["in.channels / ratio * 2", "in.channels / ratio * 2"],
    ["a + b * c", "a + b * c"],
    ["(a + b) * c", "(a + b) * c"],
    ["not a == 1 and b > 2 or c", "not a == 1 and b > 2 or c"],
    ["-x - -1", "-x - -1"],
  ])("%s keeps its structure", (src, printed) => {
    const p = parseSource("t", `block b() { if ${src} { relu } }`);
    expect(p.errors).toEqual([]);
    const d = p.ast.decls[0] as { body: { stmts: Stmt[] } };
    const s = d.body.stmts[0];
    if (s.kind !== "If") throw new Error("not an if");
    expect(formatExpr(s.condition!)).toBe(printed);
  });
  it("multiplication binds tighter than addition", () => {
    const p = parseSource("t", "block b() { if a + b * c { relu } }");
    const s = (p.ast.decls[0] as { body: { stmts: Stmt[] } }).body.stmts[0] as { condition: Expr };
    expect(s.condition).toMatchObject({ op: "+", right: { op: "*" } });
  });
});

describe("spans", () => {
  it("every node knows its line and column", () => {
    const p = parseSource("t.posenet", "posenet 1\n\nadapter {\n  conv 3x3 64 relu\n}\n");
    const d = p.ast.decls[1];
    expect(d.span).toMatchObject({ line: 3, col: 1, endLine: 5 });
    const s = (d as { body: { stmts: Stmt[] } }).body.stmts[0] as { callee: { span: object }; args: { span: object }[] };
    expect(s.callee.span).toMatchObject({ line: 4, col: 3, endCol: 7 });
    expect(s.args[1].span).toMatchObject({ line: 4, col: 12, endCol: 14 });
  });
});

describe("error recovery", () => {
  it("reports every syntax error in the file, each with its own line", () => {
    const text = ["posenet 1", "adapter {", "  conv 3x3 ) 64", "  relu", "}", "stages 6 {", "  first each branch { conv 1x1 out ] }", "}", "loss { heatmap = }", "train { batch 4 }"].join("\n");
    const p = parseSource("t.posenet", text);
    expect(p.errors.map((e) => e.span.line)).toEqual([3, 7, 9]);
    // and the declarations around the errors still come through
    expect(p.ast.decls.map((d) => d.kind)).toEqual(["Version", "Adapter", "Stages", "Loss", "Train"]);
  });
  it("an unterminated string is an error, not a crash", () => {
    const p = parseSource("t", 'import "std/vgg\nmodel x');
    expect(p.errors.length).toBeGreaterThan(0);
  });
  it("comments are kept apart from the tokens", () => {
    const p = parseSource("t", "posenet 1 # version\n# alone\nmodel m");
    expect(p.errors).toEqual([]);
    expect(p.comments.map((c) => c.text)).toEqual(["# version", "# alone"]);
  });
});
