// The command-line chain for a heatmap-only model (hand21): check, inspect, build (IR and ONNX), a few
// training steps on the built-in synthetic hands, infer, eval and export (every stage's outputs), then infer
// and eval from the ONNX file. Runs the built binary. (The library-level chain, with a BODY_25-style and an
// MPI-15 model too, is chain.test.ts; the per-stage ONNX outputs of those are checked there.)
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { posec } from "../cli/run.js";
import { REPO } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "posec-heatmap-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ok(args: string[]): string {
  const r = posec(args, { cwd: work, timeout: 300_000 });
  if (r.code !== 0) throw new Error(`posec ${args.join(" ")} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe("tiny_hand.posenet through the CLI", () => {
  const spec = join(REPO, "test", "heatmap-only", "tiny_hand.posenet");
  it("checks, inspects, builds, trains, infers, evaluates and exports", () => {
    expect(ok(["check", spec])).toMatch(/ok/);
    const inspected = ok(["inspect", spec]);
    expect(inspected).toMatch(/Output heatmaps: 4×4×22/);
    expect(inspected).not.toMatch(/Output pafs/);
    ok(["build", spec, "--target", "ir,onnx", "--out", join(work, "build")]);
    for (const f of ["ir/model.ir.json", "onnx/model.onnx"]) expect(existsSync(join(work, "build", f)), f).toBe(true);
    const run = join(work, "run");
    ok(["train", spec, "--out", run, "--steps", "2", "--backend", "cpu"]);
    const metrics = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.stages.map((s: { paf: unknown }) => s.paf))).toEqual([[null, null], [null, null]]);
    const data = join(work, "hands");
    ok(["synth", "--kind", "hand21", "--out", data, "--images", "3", "--size", "64"]);
    const image = join(data, "images", "000001.png");
    ok(["infer", "--model", run, image, "--out", join(work, "infer"), "--backend", "cpu"]);
    expect(Array.isArray(JSON.parse(readFileSync(join(work, "infer", "results.json"), "utf8")))).toBe(true);
    expect(JSON.parse(ok(["eval", "--model", run, "--data", data, "--backend", "cpu", "--json"]))).toHaveProperty("AP");
    const onnx = join(work, "hand.onnx");
    expect(ok(["export", "--checkpoint", run, "--all-stages", "--out", onnx])).toContain("(outputs: heatmaps, stage1_heatmaps, stage2_heatmaps)");
    ok(["infer", "--model", onnx, image, "--out", join(work, "infer-onnx")]);
    expect(JSON.parse(ok(["eval", "--model", onnx, "--data", data, "--json"]))).toHaveProperty("AP");
  }, 300_000);
});
