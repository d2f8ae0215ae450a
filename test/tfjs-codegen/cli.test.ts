// `posec build --target tfjs` through the built CLI: alone and beside other targets in one call (one
// compilation, every target's files written, the tfjs files the same as when built alone), and a spec the
// target cannot express (nothing written, the diagnostic at the spec line).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { posec } from "../cli/run.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-tfjs-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SPEC = "test/tfjs-codegen/fixtures/golden_hand.posenet";
const TFJS_FILES = ["README.md", "model.ir.json", "model.ts", "package.json", `posec-runtime-${pkg.version}.tgz`, "train.ts", "tsconfig.json"];

describe("posec build --target tfjs", () => {
  it("writes the program alone, and the same files beside the ir and onnx targets in one call", () => {
    const alone = join(tmp, "alone");
    const r1 = posec(["build", SPEC, "--target", "tfjs", "--out", alone]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(readdirSync(alone).sort()).toEqual(TFJS_FILES);
    expect(r1.stdout).toContain(`tfjs    wrote ${alone}/: model.ts, train.ts, package.json, tsconfig.json, README.md, model.ir.json, posec-runtime-${pkg.version}.tgz`);

    // several targets: one folder each, the tfjs program's files unchanged
    const all = join(tmp, "all");
    const r2 = posec(["build", SPEC, "--target", "ir,onnx,tfjs", "--out", all]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(readdirSync(all).sort()).toEqual(["ir", "onnx", "tfjs"]);
    expect(readdirSync(join(all, "tfjs")).sort()).toEqual(TFJS_FILES);
    for (const f of TFJS_FILES) expect(readFileSync(join(all, "tfjs", f)).equals(readFileSync(join(alone, f))), f).toBe(true);
    expect(readFileSync(join(all, "ir", "model.ir.json")).equals(readFileSync(join(alone, "model.ir.json")))).toBe(true);
  });

  it("writes nothing for a convolution tfjs has no layer for, and points at its spec line", () => {
    const out = join(tmp, "grouped");
    const r = posec(["build", "test/tfjs-codegen/fixtures/grouped.posenet", "--target", "ir,tfjs", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PN4101");
    expect(r.stderr).toContain("test/tfjs-codegen/fixtures/grouped.posenet:9:3");
    expect(r.stderr).toContain("grouped convolution (groups=2, not depthwise) has no tfjs layer");
    expect(existsSync(out)).toBe(false);
  });
});
