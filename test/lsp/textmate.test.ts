// The VS Code extension's TextMate grammar (editors/vscode/syntaxes/posenet.tmLanguage.json), run by the
// same engine VS Code uses (vscode-textmate + the Oniguruma wasm): every spec under models/ is
// tokenised against a reviewed golden token file (regenerate with `-u` after a spec changes, and read
// the diff), plus hand-written assertions on the scopes that matter most.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";
import { OPS } from "../../compiler/layer-catalog.js";

const GRAMMAR = join(REPO, "editors/vscode/syntaxes/posenet.tmLanguage.json");
let grammar: textmate.IGrammar;

function specs(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? specs(join(dir, f)) : f.endsWith(".posenet") ? [join(dir, f)] : []));
}

/** `line:col  text  scopes` for every token with a scope beyond the file's own. */
function tokenise(text: string): { line: number; col: number; text: string; scopes: string[] }[] {
  const out: { line: number; col: number; text: string; scopes: string[] }[] = [];
  let stack = textmate.INITIAL;
  text.split("\n").forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const scopes = t.scopes.filter((s) => s !== "source.posenet");
      const piece = line.slice(t.startIndex, t.endIndex);
      if (scopes.length && piece.trim()) out.push({ line: i + 1, col: t.startIndex + 1, text: piece, scopes });
    }
    stack = r.ruleStack;
  });
  return out;
}

const scopeOf = (text: string, word: string) => tokenise(text).find((t) => t.text === word)?.scopes ?? [];

beforeAll(async () => {
  const wasm = readFileSync(join(REPO, "node_modules/vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope: string) => (scope === "source.posenet" ? textmate.parseRawGrammar(readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null),
  });
  grammar = (await registry.loadGrammar("source.posenet"))!;
});

describe("the TextMate grammar", () => {
  it("scopes comments, keywords, sizes, labels, layers and named arguments", () => {
    const line = "backbone resnet18 width=32 until layer2  # cut at stride 8";
    expect(scopeOf(line, "backbone")).toEqual(["keyword.other.declaration.posenet"]);
    expect(scopeOf(line, "until")).toEqual(["keyword.control.posenet"]);
    expect(scopeOf(line, "width")).toEqual(["variable.parameter.posenet"]);
    expect(tokenise(line).filter((t) => t.scopes[0] === "comment.line.number-sign.posenet").map((t) => t.text).join("")).toBe("# cut at stride 8");
    const conv = "  conv1: conv 3x3 64 relu stride=2 x3";
    expect(scopeOf(conv, "conv1")).toEqual(["entity.name.label.posenet"]);
    expect(scopeOf(conv, "conv")).toEqual(["support.function.layer.posenet"]);
    expect(scopeOf(conv, "3x3")).toEqual(["constant.numeric.dimensions.posenet"]);
    expect(scopeOf(conv, "64")).toEqual(["constant.numeric.integer.posenet"]);
    expect(scopeOf(conv, "x3")).toEqual(["keyword.operator.repeat.posenet"]);
    // a word that merely starts like a keyword or op is not one
    expect(scopeOf("  convert 3x3 64", "convert")).toEqual([]);
    expect(scopeOf('model m extends "base.posenet"', '"')).toContain("string.quoted.double.posenet");
    const block = "block basic(width: int, stride: int = 1) {";
    expect(scopeOf(block, "basic")).toEqual(["entity.name.function.block.posenet"]);
    expect(scopeOf(block, "width")).toEqual(["variable.parameter.posenet"]);
    expect(scopeOf(block, "int")).toEqual(["storage.type.posenet"]);
    const loop = "    for i, d in depths { layer{i + 1}: { unit width * 2 ^ i } }";
    expect(scopeOf(loop, "for")).toEqual(["keyword.control.posenet"]);
    expect(scopeOf(loop, "in")).toEqual(["keyword.control.posenet"]);
    expect(scopeOf(loop, "layer{i + 1}")).toEqual(["entity.name.label.posenet"]);
    expect(scopeOf(loop, "^")).toEqual(["keyword.operator.arithmetic.posenet"]);
    expect(scopeOf("  conv 1x1 in.channels / 4", "in")).toEqual(["variable.language.in.posenet"]);
  });

  it("colours every built-in layer of compiler/layer-catalog.ts", () => {
    for (const op of Object.keys(OPS)) expect(scopeOf(`  ${op} 3`, op), op).toEqual(["support.function.layer.posenet"]);
  });

  for (const file of specs(join(REPO, "models"))) {
    const rel = relative(join(REPO, "models"), file);
    it(`tokenises models/${rel} as its golden file says`, async () => {
      const tokens = tokenise(readFileSync(file, "utf8"));
      const text = tokens.map((t) => `${t.line}:${t.col}\t${JSON.stringify(t.text)}\t${t.scopes.join(" ")}`).join("\n") + "\n";
      await expect(text).toMatchFileSnapshot(join(REPO, "test/fixtures/textmate", `${rel}.tokens`));
    });
  }
});
