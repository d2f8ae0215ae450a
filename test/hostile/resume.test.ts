// --resume never silently starts over: when no checkpoint of the run can be read, PN5301 lists each
// candidate's problem and metrics.jsonl is left as it was; state.json carries its own checksum, so an
// edited step is refused. The run these tests damage also checks that --skip-bad names what it skips.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCheckpoint } from "../../runtime/checkpoint/write.js";
import { expectNoTrace, expectPnError, posec, tempDir, TINY } from "./helpers.js";

const tmp = tempDir("resume");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, "people");
const run = join(tmp, "run");
const badImage = join(data, "images", "000002.png");
const trainArgs = (out: string, extra: string[] = []) => ["train", TINY, "--backend", "cpu", "--data", data, "--batch", "2", "--skip-bad", "--out", out, ...extra];
let trained = { code: -1, stdout: "", stderr: "" };

beforeAll(() => {
  expect(posec(["synth", "--out", data, "--images", "6", "--size", "96", "--seed", "3"]).code).toBe(0);
  writeFileSync(badImage, "not a png");
  // checkpoint every=4 in the spec: step-0000004 and step-0000005
  trained = posec(trainArgs(run, ["--steps", "5"]));
});

const ckpts = (out: string) => readdirSync(join(out, "checkpoints")).filter((d) => d.startsWith("step-")).sort().map((d) => join(out, "checkpoints", d));

describe("--skip-bad", () => {
  it("names every skipped image and counts the skips in the log and in metrics.jsonl", () => {
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toContain(`skipped ${badImage} (--skip-bad): ${badImage}: cannot be decoded as an image`);
    expect(trained.stderr).toMatch(new RegExp(`skipped \\d+ bad sample\\(s\\) from 1 image\\(s\\) \\(--skip-bad\\): ${badImage}\\n`));
    const records = readFileSync(join(run, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(records.at(-1).skipped).toBeGreaterThan(0);
  });
});

const DAMAGE: [string, (dir: string, other: string) => void, RegExp][] = [
  ["truncated weights", (d) => truncateSync(join(d, "weights.bin"), 100), /weights\.bin is corrupt \(checksum mismatch\)/],
  ["truncated optimizer state", (d) => truncateSync(join(d, "optimizer.bin"), 8), /optimizer\.bin is corrupt \(checksum mismatch\)/],
  ["state.json not JSON", (d) => writeFileSync(join(d, "state.json"), '{"step": 4, '), /state\.json: not valid JSON/],
  ["state.json missing", (d) => rmSync(join(d, "state.json")), /state\.json: cannot read the checkpoint's state \(missing\)/],
  ["state.json with an edited step", (d) => writeFileSync(join(d, "state.json"), readFileSync(join(d, "state.json"), "utf8").replace(/"step": \d+/, '"step": 40')), /state\.json is corrupt or was edited \(checksum mismatch\)/],
  ["a foreign model.json", (d, other) => cpSync(join(other, "model.json"), join(d, "model.json")), /model\.json is corrupt \(checksum mismatch\)/],
  ["an empty step folder", (d) => (rmSync(d, { recursive: true }), mkdirSync(d)), /state\.json: cannot read the checkpoint's state \(missing\)/],
];

describe("--resume with every checkpoint damaged", () => {
  it.each(DAMAGE)("%s: PN5301 listing each checkpoint's problem; metrics.jsonl untouched; nothing started", (name, damage, problem) => {
    const copy = join(tmp, `damaged-${name.replace(/\W+/g, "-")}`);
    cpSync(run, copy, { recursive: true });
    const [a, b] = ckpts(copy);
    const pristineA = join(tmp, "pristine-a");
    rmSync(pristineA, { recursive: true, force: true });
    cpSync(a, pristineA, { recursive: true });
    damage(a, b);
    damage(b, pristineA);
    const metrics = readFileSync(join(copy, "metrics.jsonl"));
    const r = posec(trainArgs(copy, ["--resume"]));
    expectPnError(r, "PN5301", `no readable checkpoint in ${copy}:`);
    for (const dir of [a, b]) expect(r.stderr).toMatch(new RegExp(`  - ${dir}: .*${problem.source}`));
    expect(r.stderr).not.toContain("backend:");
    expect(r.stderr).not.toContain("starting from step 0");
    expect(readFileSync(join(copy, "metrics.jsonl"))).toEqual(metrics);
  });
});

describe("--resume with only the latest checkpoint damaged", () => {
  it("resumes from the one before, with a warning naming the damage", () => {
    const copy = join(tmp, "latest-damaged");
    cpSync(run, copy, { recursive: true });
    const [older, latest] = ckpts(copy);
    truncateSync(join(latest, "weights.bin"), 10);
    const r = posec(trainArgs(copy, ["--resume", "--steps", "5"]));
    expect(r.code, r.stderr).toBe(0);
    expectNoTrace(r);
    expect(r.stderr).toContain(`warning: ${latest}: checkpoint file ${join(latest, "weights.bin")} is corrupt (checksum mismatch); resumed from an older checkpoint`);
    expect(r.stderr).toContain(`resuming from ${older} (step 4)`);
  });
});

describe("state.json's own checksum", () => {
  it("covers every field (an edited seed is refused too) and is optional for checkpoints written before it", () => {
    const [dir] = ckpts(run);
    const copy = join(tmp, "state-unit");
    cpSync(dir, copy, { recursive: true });
    const state = JSON.parse(readFileSync(join(copy, "state.json"), "utf8"));
    expect(state.sha256).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(copy, "state.json"), JSON.stringify({ ...state, seed: state.seed + 1 }, null, 2));
    expect(() => readCheckpoint(copy)).toThrow(/state\.json is corrupt or was edited/);
    const { sha256: _, ...before } = state;
    writeFileSync(join(copy, "state.json"), JSON.stringify(before, null, 2));
    expect(readCheckpoint(copy).state.step).toBe(4);
  });
});
