// The commands that read specs (check, inspect, build, fmt) on generated hostile specs, through the
// built binary: exit 1 with the PN code at the line:col where the limit is crossed, never a stack
// trace ("Maximum call stack size exceeded" was the answer to all of these before).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LIMITS } from "../../grammar/limits.js";
import { posec } from "../cli/run.js";
import { REPO } from "../helpers.js";
import { lineCol, nth } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "posec-hostile-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const header = `posenet 1\nmodel hostile extends "${join(REPO, "test/fixtures/invalid/lib/base.posenet")}"\n`;

const cases: { name: string; text: string; code: string; at: (text: string) => number }[] = [
  { name: "braces", text: `${header}adapter ${"{ ".repeat(350)}relu${" }".repeat(350)}\n`, code: "PN1003", at: (t) => nth(t, "{", LIMITS.nesting + 1) },
  { name: "parens", text: `${header}adapter { conv 3x3 ${"(".repeat(400)}32${")".repeat(400)} }\n`, code: "PN1003", at: (t) => nth(t, "(", LIMITS.nesting) },
  { name: "chain", text: `${header}adapter { conv 3x3 ${Array(2200).fill("1").join(" + ")} }\n`, code: "PN1004", at: (t) => nth(t, "+", LIMITS.operators + 1) },
  { name: "prefix", text: `${header}adapter { conv 3x3 (${"-".repeat(100_000)}32) }\n`, code: "PN1004", at: (t) => t.indexOf("(-") + 1 + LIMITS.prefixRun }, // not nth("-"): the checkout's path may hold one
  { name: "long-name", text: `${header}adapter { ${"y".repeat(1_000_000)} 3x3 }\n`, code: "PN1004", at: (t) => t.indexOf("yyyy") },
];

describe.each(cases)("$name", ({ name, text, code, at }) => {
  const file = join(dir, `${name}.posenet`);
  writeFileSync(file, text);
  const where = lineCol(text, at(text));
  it.each([["check"], ["inspect"], ["fmt", "--check"], ["build", "--target", "onnx", "--out", join(dir, `${name}-out`)]])("%s", (...command) => {
    const r = posec([...command, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|Maximum call stack|\n\s+at /);
    expect(r.stderr).toContain(`error[${code}]`);
    expect(r.stderr).toContain(`${file.split("/").pop()}:${where.line}:${where.col}`);
    // the frame shows a window of a long line, not the line
    expect(r.stderr.length).toBeLessThan(5000);
  });
});

describe.runIf(process.platform !== "win32")("a named pipe", () => {
  it.each([["check"], ["fmt", "--check"]])("%s refuses it without blocking", (...command) => {
    const pipe = join(dir, `pipe-${command[0]}.posenet`);
    expect(spawnSync("mkfifo", [pipe]).status).toBe(0);
    const r = posec([...command, pipe], { timeout: 20_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PN1006.*is a named pipe/s);
  });
});
