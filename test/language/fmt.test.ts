// `posec fmt`: idempotent on every zoo model, library file and fixture; comments kept; formatting does
// not change what a spec means (same IR, positions aside).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import type { Ir } from "../../core/ir/types.js";
import { formatFile } from "../../grammar/format.js";
import { parseSource } from "../../grammar/parse.js";
import { REPO, specsIn, ZOO } from "../helpers.js";

const ALL = [...ZOO, ...specsIn("models/std"), ...specsIn("models/reference"), ...specsIn("test/fixtures/valid"), ...specsIn("test/fixtures/invalid").filter((f) => !f.includes("syntax") && !f.includes("invalid_character"))];

function fmt(text: string, file = "spec.posenet"): string {
  const p = parseSource(file, text);
  expect(p.errors).toEqual([]);
  return formatFile(p.ast, p.comments, text);
}

/** The IR without source positions (a scope's `definition` is one too). */
function meaning(ir: Ir): unknown {
  return JSON.parse(JSON.stringify(ir, (k, v) => (k === "span" || k === "callers" || k === "definition" ? undefined : v)));
}

describe("posec fmt", () => {
  it.each(ALL)("is idempotent on %s", (file) => {
    const once = fmt(readFileSync(`${REPO}/${file}`, "utf8"));
    expect(fmt(once)).toBe(once);
  });

  it("keeps every comment, in order", () => {
    const text = readFileSync(`${REPO}/test/fixtures/valid/formatting_stress.posenet`, "utf8");
    const comments = (t: string) => parseSource("x", t).comments.map((c) => c.text.trim());
    expect(comments(fmt(text))).toEqual(comments(text));
  });

  it("tidies the stress fixture into the canonical layout", () => {
    const text = readFileSync(`${REPO}/test/fixtures/valid/formatting_stress.posenet`, "utf8");
    expect(fmt(text)).toBe(
      [
        "posenet 1  # the language version",
        "# A spec written untidily, with comments in every position, for the formatter tests.",
        'model fmt_stress extends "../../../models/small_resnet18_cmupose.posenet"',
        "",
        "# the input, squashed onto one line",
        "input image 128x128x3 scale=1/256 shift=-0.5",
        "backbone resnet18 until layer2  # cut at stride 8",
        "",
        "adapter {  # adapter comment on the brace line",
        "  # a leading comment",
        "  conv 3x3 (64 + 64) relu; conv 3x3 128 relu  # trailing",
        "  # a comment before the closing brace",
        "}",
        "stages 3 {",
        "  first each branch { conv 3x3 64 relu x2; conv 1x1 out }",
        "  refine each branch {",
        "    conv 3x3 64 relu x3",
        "    conv 1x1 out  # the branch output",
        "  }",
        "}",
        "train { batch 4; steps 10 }",
        "# a comment at the end of the file",
        "",
      ].join("\n"),
    );
  });

  it.each([...ZOO, ...specsIn("test/fixtures/valid")])("then check gives the same IR: %s", (file) => {
    const original = readFileSync(`${REPO}/${file}`, "utf8");
    const formatted = fmt(original, file);
    const host = (text: string) => ({ read: (p: string) => (p === file ? text : p.startsWith("std/") ? readFileSync(`${REPO}/models/${p}`, "utf8") : readFileSync(`${REPO}/${p}`, "utf8")) });
    const a = compile(file, host(original));
    const b = compile(file, host(formatted));
    expect(b.diagnostics).toEqual([]);
    expect(meaning(b.ir!)).toEqual(meaning(a.ir!));
  });
});
