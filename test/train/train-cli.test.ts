// `posec train` end to end on a tiny spec with tfjs's plain cpu backend (deterministic): logs,
// checkpoints, resume after SIGKILL equal to an uninterrupted run, NaN handling, wrong checkpoints.
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../runtime/checkpoint/write.js";
import { posec } from "../cli/run.js";
import { REPO } from "../helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-train-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SPEC = "test/fixtures/train/tiny.posenet";
const trainArgs = (out: string, extra: string[] = []) => ["train", SPEC, "--backend", "cpu", "--out", out, ...extra];

function finalWeights(out: string) {
  const root = join(out, "checkpoints");
  const latest = readFileSync(join(root, "latest"), "utf8").trim();
  return readCheckpoint(join(root, latest));
}

describe("posec train (tiny spec, cpu backend)", () => {
  const full = join(tmp, "full");
  it("runs to the end and writes metrics, a loss curve and a checkpoint", () => {
    const r = posec(trainArgs(full));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("backend: cpu");
    const lines = readFileSync(join(full, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(lines[0].stages.map((s: { stage: number }) => s.stage)).toEqual([1, 2]);
    expect(existsSync(join(full, "loss.png"))).toBe(true);
    const ckpt = finalWeights(full);
    expect(ckpt.state.step).toBe(12);
    // checkpoints every 4 steps, the two most recent kept
    expect(readdirSync(join(full, "checkpoints")).filter((d) => d.startsWith("step-")).sort()).toEqual(["step-0000008", "step-0000012"]);
  });

  it("refuses to start a new run in a folder that holds one, and leaves that run as it was", () => {
    const before = readFileSync(join(full, "metrics.jsonl"), "utf8");
    const r = posec(trainArgs(full, ["--steps", "2"]));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error PN5303: ${full} already holds a run's checkpoints`);
    expect(r.stderr).toContain("--resume");
    expect(readFileSync(join(full, "metrics.jsonl"), "utf8")).toBe(before);
    expect(finalWeights(full).state.step).toBe(12);
  });

  it("infers from a checkpoint's weights alone (no optimizer state), and refuses a corrupted weights file", () => {
    const latest = join(full, "checkpoints", readFileSync(join(full, "checkpoints", "latest"), "utf8").trim());
    const weightsOnly = join(tmp, "weights-only");
    mkdirSync(weightsOnly);
    for (const f of ["model.json", "weights.bin", "model.ir.json"]) copyFileSync(join(latest, f), join(weightsOnly, f));
    expect(posec(["synth", "--out", join(tmp, "people"), "--images", "1", "--size", "32", "--seed", "9"]).code).toBe(0);
    const image = join(tmp, "people", "images", readdirSync(join(tmp, "people", "images"))[0]);
    const results = (model: string, out: string) => {
      const r = posec(["infer", "--model", model, image, "--out", out, "--backend", "cpu", "--no-pictures"]);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(join(out, "results.json"), "utf8");
    };
    expect(results(weightsOnly, join(tmp, "infer-a"))).toBe(results(full, join(tmp, "infer-b")));

    // state.json records each file's SHA-256: one flipped byte in weights.bin is caught by export too
    const corrupt = join(tmp, "corrupt");
    cpSync(latest, corrupt, { recursive: true });
    const bytes = readFileSync(join(corrupt, "weights.bin"));
    bytes[100] ^= 0xff;
    writeFileSync(join(corrupt, "weights.bin"), bytes);
    const r = posec(["export", "--checkpoint", corrupt, "--out", join(tmp, "corrupt.onnx")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error PN5301: checkpoint file ${join(corrupt, "weights.bin")} is corrupt (checksum mismatch)`);
    expect(existsSync(join(tmp, "corrupt.onnx"))).toBe(false);
  });

  it("resumes after SIGKILL: the step counter continues and the final weights equal the uninterrupted run's", async () => {
    const out = join(tmp, "killed");
    // kill the first run as soon as its first checkpoint (step 4) exists
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO, "bin/posec.js"), ...trainArgs(out)], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" }, stdio: "ignore" });
      const timer = setInterval(() => {
        if (existsSync(join(out, "checkpoints", "latest"))) {
          child.kill("SIGKILL");
          clearInterval(timer);
        }
      }, 20);
      child.on("exit", () => (clearInterval(timer), resolve()));
      child.on("error", reject);
    });
    const before = finalWeights(out).state.step;
    expect(before).toBeGreaterThanOrEqual(4);
    expect(before).toBeLessThan(12);
    const r = posec(trainArgs(out, ["--resume"]));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`(step ${before})`);
    const steps = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const a = finalWeights(full).weights;
    const b = finalWeights(out).weights;
    let maxDiff = 0;
    for (const [name, t] of a) {
      const u = b.get(name)!;
      for (let i = 0; i < t.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(t.data[i] - u.data[i]));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    // every checkpoint left on disk is whole
    for (const d of readdirSync(join(out, "checkpoints")).filter((f) => f.startsWith("step-"))) expect(() => readCheckpoint(join(out, "checkpoints", d))).not.toThrow();
  });

  it("stops on a NaN/Inf loss with a clear message and keeps the last good checkpoint", () => {
    const out = join(tmp, "nan");
    const r = posec(trainArgs(out, ["--lr", "1e12"]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the loss became (NaN|Infinity|-Infinity) at step \d+/);
    expect(r.stderr).toContain("--resume");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    // no checkpoint of the diverged state: every one kept predates the step that diverged, and the
    // message names the newest of them (or says there is none)
    const failed = Number(/at step (\d+)/.exec(r.stderr)![1]);
    const root = join(out, "checkpoints");
    const kept = existsSync(root) ? readdirSync(root).filter((d) => d.startsWith("step-")).map((d) => Number(d.slice(5))) : [];
    expect(kept.every((step) => step < failed)).toBe(true);
    expect(r.stderr).toContain(kept.length ? `the last good checkpoint is ${join(root, `step-${String(Math.max(...kept)).padStart(7, "0")}`)}` : "the last good checkpoint is none");
  });

  it("refuses to resume from a checkpoint of another network", () => {
    const out = join(tmp, "full");
    const r = posec(["train", "models/small_resnet18_cmupose.posenet", "--backend", "cpu", "--out", out, "--resume", "--steps", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("PN5302");
    expect(r.stderr).toContain("tiny_pose");
  });

  it("refuses the built-in synthetic data for a schema whose dataset it cannot draw", () => {
    // the hand fixture's schema, re-pointed at a dataset no built-in set is labelled with
    const spec = readFileSync(join(REPO, "test/fixtures/valid/hand_inline_keypoints.posenet"), "utf8").replace("dataset hand21 keypoints=21", "dataset horse22 keypoints=22");
    const file = join(tmp, "horse.posenet");
    writeFileSync(file, spec);
    const r = posec(["train", file, "--backend", "cpu", "--steps", "1", "--out", join(tmp, "horse")]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("error PN5005: the built-in synthetic people are labelled with COCO's 17 keypoints, but the keypoint schema `hand5` reads dataset `horse22` (22 keypoints)");
  });

  it("rejects bad flags as usage errors", () => {
    expect(posec(trainArgs(join(tmp, "x"), ["--steps", "0"])).code).toBe(2);
    expect(posec(trainArgs(join(tmp, "x"), ["--steps", "3", "--epochs", "1"])).code).toBe(2);
    expect(posec(trainArgs(join(tmp, "x"), ["--backend", "tpu"])).code).toBe(2);
  });

  it("says where COCO data is missing", () => {
    const r = posec(["train", "models/cmu_pose_vgg19.posenet", "--steps", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--data synth");
  });
});
