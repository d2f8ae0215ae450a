// Messages that used to mislead (issue 16 item 10), where a golden fixture cannot hold the case: a
// byte-order mark is accepted; invisible characters are named, never printed raw; an error past a
// misspelt section does not hide the rest of the file. (The other cases are golden fixtures in
// test/fixtures/invalid/syntax_*.posenet.)
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sourceLookup } from "../../compiler/compile.js";
import { renderPlain, renderPretty } from "../../compiler/format-diagnostics.js";
import { parseSource, showChar } from "../../grammar/parse.js";
import { REPO } from "../helpers.js";
import { compileText, HEADER } from "./helpers.js";

describe("byte-order mark", () => {
  it("a spec starting with a BOM compiles as without it", () => {
    const zoo = readFileSync(`${REPO}/test/fixtures/invalid/lib/base.posenet`, "utf8");
    const withBom = compileText(`\uFEFF${zoo}`);
    expect(withBom.diagnostics).toEqual([]);
    expect(withBom.ir?.model.name).toBe("fixture_base");
  });
  it("errors after a BOM keep their line and column", () => {
    const r = compileText(`\uFEFF${HEADER}adapter { conv 3x3 ) 32 }\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}`)).toEqual(["PN1002 3:20"]);
  });
});

describe("invisible characters", () => {
  it.each([
    ["\u0000", "\\u{0}"],
    ["\u200b", "\\u{200b}"],
    ["\u202e", "\\u{202e}"],
    ["\u0007", "\\u{7}"],
  ])("%j is named as %s in the message and shown as one visible column in the frame", (ch, shown) => {
    const text = `${HEADER}adapter { conv 3x3${ch} 32 relu }\n`;
    const r = compileText(text);
    const d = r.diagnostics.find((x) => x.code === "PN1001")!;
    expect(d.message).toBe(`unexpected character \`${shown}\``);
    expect(d.span).toMatchObject({ line: 3, col: 19 });
    expect(renderPlain(d)).not.toContain(ch);
    const frame = renderPretty(d, sourceLookup(r.program));
    expect(frame).not.toContain(ch);
    // the caret sits under the replacement character
    const lines = frame.split("\n");
    const src = lines.findIndex((l) => l.startsWith("3 |"));
    expect(lines[src + 1].indexOf("^")).toBe(lines[src].indexOf("\uFFFD"));
  });
  it("printable characters are shown as they are", () => {
    expect(showChar("@")).toBe("@");
    expect(showChar("é")).toBe("é");
  });
});

describe("one mistake, one error", () => {
  it("a misspelt section does not hide the errors after it", () => {
    const r = compileText(`${HEADER}adaptr { conv 3x3 32 }\nbackbone resnet18 untill layer2\nloss { heatmap l2 weight= }\n`);
    expect(r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.message}`)).toEqual([
      "3:1 unknown section `adaptr`, did you mean `adapter`?",
      "4:19 unexpected `untill`: did you mean `until`?",
      "5:27 unexpected `}`: expected a value (a number, size, string, name or `(`)",
    ]);
  });
  it("an unterminated string is one error, and the next line parses", () => {
    const r = compileText(`posenet 1\nimport "std/vgg\nmodel m extends "lib/base.posenet"\nadapter { conv 3x3 ) }\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.span.line}:${d.span.col}`)).toEqual(["PN1001 2:8", "PN1002 4:20"]);
  });
  it("a word that is not a section, with no close match, lists the sections", () => {
    const p = parseSource("spec.posenet", "posenet 1\nfoo bar\n");
    expect(p.errors.map((e) => e.message)).toEqual([
      "unknown section `foo`: a file is made of posenet, model, import, input, keypoints, backbone, adapter, stages, loss, train, init and block declarations",
    ]);
  });
});
