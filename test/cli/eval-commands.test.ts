// `posec eval` and `posec infer` end to end: the official evaluator's numbers through the CLI, the
// decoder's ceiling on synthetic people, bad inputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { posec } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-eval-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CASES = "test/fixtures/coco-eval";
const expected = JSON.parse(readFileSync(`${CASES}/expected.json`, "utf8")) as Record<string, number[]>;
const NAMES = ["AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl"];

describe("posec eval --gt --results", () => {
  it.each(Object.keys(expected))("%s: the ten numbers of pycocotools, within 1e-12", (name) => {
    const r = posec(["eval", "--gt", `${CASES}/cases/${name}.gt.json`, "--results", `${CASES}/cases/${name}.dt.json`, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(Object.keys(got)).toEqual(NAMES);
    NAMES.forEach((k, i) => {
      if (expected[name][i] === -1) expect(got[k]).toBe(-1);
      else expect(Math.abs(got[k] - expected[name][i])).toBeLessThanOrEqual(1e-12);
    });
  });
  it("prints pycocotools' summary lines and per-joint numbers", () => {
    const r = posec(["eval", "--gt", `${CASES}/cases/jitter_single_image.gt.json`, "--results", `${CASES}/cases/jitter_single_image.dt.json`]);
    expect(r.stdout).toContain(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.577");
    expect(r.stdout).toMatch(/left_wrist/);
  });
  it("rejects results for images the ground truth does not have, naming the entry", () => {
    const dt = JSON.parse(readFileSync(`${CASES}/cases/perfect_single.dt.json`, "utf8"));
    dt[0].image_id = 424242;
    writeFileSync(join(tmp, "bad.json"), JSON.stringify(dt));
    const r = posec(["eval", "--gt", `${CASES}/cases/perfect_single.gt.json`, "--results", join(tmp, "bad.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("424242");
    expect(r.stderr).toContain("Results do not correspond to current coco set");
  });
  it("rejects a malformed results file and reports an empty one", () => {
    writeFileSync(join(tmp, "broken.json"), "[{");
    expect(posec(["eval", "--gt", `${CASES}/cases/perfect_single.gt.json`, "--results", join(tmp, "broken.json")]).code).toBe(1);
    writeFileSync(join(tmp, "empty.json"), "[]");
    const r = posec(["eval", "--gt", `${CASES}/cases/perfect_single.gt.json`, "--results", join(tmp, "empty.json"), "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning");
    expect(JSON.parse(r.stdout).AP).toBe(0);
  });
  it("is a usage error to mix modes", () => {
    expect(posec(["eval", "--gt", "a.json"]).code).toBe(2);
    expect(posec(["eval", "--gt", "a", "--results", "b", "--oracle"]).code).toBe(2);
  });
});

describe("decoding perfect targets (posec eval --oracle)", () => {
  const data = join(tmp, "synth368");
  beforeAll(() => {
    const r = posec(["synth", "--out", data, "--images", "150", "--size", "368", "--seed", "11"]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);
  it("recovers the synthetic people: AP >= 0.95 at 368x368 (CMU-Pose's grid)", () => {
    const r = posec(["eval", "--oracle", "--spec", "models/cmu_pose_vgg19.posenet", "--data", data, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.AP).toBeGreaterThanOrEqual(0.95);
    expect(s.AR50).toBeGreaterThanOrEqual(0.98);
  }, 180_000);
});
