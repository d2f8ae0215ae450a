// One writer per run folder, nothing overwritten: two trainers on one --out (the second is refused,
// naming the first's pid), Ctrl-C (a checkpoint, then exit 130), SIGKILL (the stale lock is taken
// over with a warning and the run resumes), folders that are not runs or that hold a dataset.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";
import { acquireRunLock, LOCK_FILE, processStartTime } from "../../runtime/util/run-lock.js";
import { prepareRunFolder, RUN_MARKER } from "../../runtime/util/run-folder.js";
import { isPosecError } from "../../runtime/errors.js";
import { expectNoTrace, expectPnError, posec, tempDir, TINY } from "./helpers.js";

const tmp = tempDir("run");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, "people");
beforeAll(() => {
  expect(posec(["synth", "--out", data, "--images", "4", "--size", "96", "--seed", "3"]).code).toBe(0);
});

const trainArgs = (out: string, extra: string[] = []) => ["train", TINY, "--backend", "cpu", "--data", data, "--batch", "2", "--out", out, ...extra];
const steps = (out: string) => readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).step as number);

function startTrainer(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number> } {
  const child = spawn(process.execPath, [join(REPO, "bin", "posec.js"), ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" } });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.resume();
  const exit = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal === "SIGKILL" ? 137 : -1))));
  return { child, stderr: () => err, exit };
}

async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("two trainers on one run folder", () => {
  const out = join(tmp, "shared-run");
  it("the second (new or --resume) is refused naming the first's pid; Ctrl-C then checkpoints and exits 130", async () => {
    const first = startTrainer(trainArgs(out, ["--steps", "500"]));
    await until(() => existsSync(join(out, "metrics.jsonl")) && readFileSync(join(out, "metrics.jsonl"), "utf8").includes('"step":2'), "the first trainer's second step");
    const lock = JSON.parse(readFileSync(join(out, LOCK_FILE), "utf8"));
    expect(lock).toMatchObject({ pid: first.child.pid, host: hostname() });
    for (const extra of [["--steps", "500"], ["--resume"]]) {
      const second = posec(trainArgs(out, extra));
      expectPnError(second, "PN5304", `is being written by process ${first.child.pid} on ${hostname()}`);
      expect(second.stderr).not.toContain("backend:");
    }
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(130);
    expect(first.stderr()).toContain("interrupted");
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    const done = steps(out);
    expect(done).toEqual(done.map((_, i) => i + 1)); // one writer: 1, 2, 3, ... no interleaving
    const latest = readFileSync(join(out, "checkpoints", "latest"), "utf8").trim();
    expect(latest).toBe(`step-${String(done.length).padStart(7, "0")}`);
  });

  it("after SIGKILL the stale lock is taken over with a warning, and the run resumes where its checkpoint is", async () => {
    const before = steps(out).length;
    const killed = startTrainer(trainArgs(out, ["--resume", "--steps", "500"]));
    await until(() => steps(out).length >= before + 1, "a step of the resumed run");
    killed.child.kill("SIGKILL");
    expect(await killed.exit).toBe(137);
    expect(existsSync(join(out, LOCK_FILE))).toBe(true); // left behind by the killed process
    const ckptStep = Number(readFileSync(join(out, "checkpoints", "latest"), "utf8").trim().slice(5));
    const r = posec(trainArgs(out, ["--resume", "--steps", String(ckptStep + 1)]));
    expect(r.code, r.stderr).toBe(0);
    expectNoTrace(r);
    expect(r.stderr).toContain(`warning: took over the lock of ${out}: process ${killed.child.pid} is no longer running`);
    expect(r.stderr).toContain(`(step ${ckptStep})`);
    expect(steps(out)).toEqual(Array.from({ length: ckptStep + 1 }, (_, i) => i + 1));
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});

describe("the lock (runtime/util/run-lock.ts)", () => {
  const dir = join(tmp, "lock-unit");
  mkdirSync(dir, { recursive: true });
  const write = (owner: object) => writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner));

  it("is refused while its owner runs, and taken over when the owner is gone or its pid was reused", () => {
    const sleeper = spawn("sleep", ["30"]);
    try {
      write({ pid: sleeper.pid, host: hostname(), started: "t", procStart: processStartTime(sleeper.pid!), command: "posec train x" });
      expect(() => acquireRunLock(dir, "test")).toThrow(/is being written by process \d+ on .* \(`posec train x`/);
      // same pid, but another start time: the pid now belongs to another program
      write({ pid: sleeper.pid, host: hostname(), started: "t", procStart: "1", command: "posec train x" });
      const warnings: string[] = [];
      acquireRunLock(dir, "test", (w) => warnings.push(w)).release();
      expect(warnings).toEqual([expect.stringContaining("its pid was reused")]);
    } finally {
      sleeper.kill();
    }
    const gone = spawnSync("true").pid;
    write({ pid: gone, host: hostname(), started: "t", procStart: null, command: "posec train x" });
    const warnings: string[] = [];
    const lock = acquireRunLock(dir, "test", (w) => warnings.push(w));
    expect(warnings).toEqual([`took over the lock of ${dir}: process ${gone} is no longer running`]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("of another host is never taken over (its process cannot be checked from here)", () => {
    write({ pid: 1, host: "another-machine", started: "t", procStart: null, command: "posec train x" });
    try {
      acquireRunLock(dir, "test");
      throw new Error("no error");
    } catch (e) {
      expect(isPosecError(e) && e.code).toBe("PN5304");
      expect(isPosecError(e) && e.hint).toContain(`remove ${join(dir, LOCK_FILE)}`);
    }
    rmSync(join(dir, LOCK_FILE));
  });
});

describe("folders that are not posec runs", () => {
  it("train --out into a folder holding someone's files is refused (files kept); --force writes into it", () => {
    const out = join(tmp, "not-a-run");
    mkdirSync(out);
    writeFileSync(join(out, "metrics.jsonl"), "mine\n");
    writeFileSync(join(out, "loss.png"), "mine");
    const r = posec(trainArgs(out, ["--steps", "1"]));
    expectPnError(r, "PN5011", `the run folder ${out} is not empty and is not a posec run (it holds loss.png, metrics.jsonl)`, "--force");
    expect(r.stderr).not.toContain("backend:");
    expect(readFileSync(join(out, "metrics.jsonl"), "utf8")).toBe("mine\n");
    const lock = prepareRunFolder({ out, model: "m", dataDirs: [], force: true, command: "test", onWarning: () => {} });
    expect(existsSync(join(out, RUN_MARKER))).toBe(true);
    lock.release();
  });

  it("train --out never writes into a dataset (the folder itself, or inside the --data folder)", () => {
    for (const out of [data, join(data, "runs", "a")]) {
      const r = posec(trainArgs(out, ["--steps", "1"]));
      expectPnError(r, "PN5011", out);
      expect(r.stderr).not.toContain("backend:");
    }
    expect(existsSync(join(data, "runs"))).toBe(false);
    expect(existsSync(join(data, RUN_MARKER))).toBe(false);
  });

  it("synth --out over an existing dataset is refused, and the dataset is left as it was", () => {
    const before = readFileSync(join(data, "annotations.json"), "utf8");
    const r = posec(["synth", "--out", data, "--images", "2", "--size", "64", "--seed", "9"]);
    expectPnError(r, "PN5011", `the dataset folder ${data} is not empty (it holds annotations.json, images)`);
    expect(readFileSync(join(data, "annotations.json"), "utf8")).toBe(before);
  });
});
