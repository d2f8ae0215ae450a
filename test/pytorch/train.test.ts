// The generated train.py on posec's synthetic set (small spec, CPU, gloo): two spawned processes keep
// identical weights after every step while the loss falls; a run killed with SIGKILL after a checkpoint
// resumes at the checkpoint's step, launched the way torchrun launches it (RANK/WORLD_SIZE/... in the
// environment), and ends with exactly the weights of the uninterrupted run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesizeDataset } from "../../runtime/data/index.js";
import { PYTHON, compileIr, tempDir, writePackage } from "./helpers.js";

const tmp = tempDir("torch-train");
const synth = join(tmp.dir, "synth");
let pkg: string;
const STEPS = 12;
const common = (out: string) => ["train.py", "--data", synth, "--out", out, "--steps", String(STEPS), "--batch", "2", "--threads", "1", "--log-every", "1", "--checksums"];

beforeAll(async () => {
  pkg = writePackage(compileIr("models/small_resnet18_cmupose.posenet"), join(tmp.dir, "pkg"));
  await synthesizeDataset({ outDir: synth, images: 16, size: 128, seed: 7 });
}, 120_000);
afterAll(() => tmp.remove());

/** checksums[rank][step] from the "rank R step S checksum X" lines */
function checksums(stdout: string): Map<number, Map<number, string>> {
  const out = new Map<number, Map<number, string>>();
  for (const m of stdout.matchAll(/^rank (\d+) step (\d+) checksum ([0-9a-f]+)$/gm)) {
    const rank = Number(m[1]);
    if (!out.has(rank)) out.set(rank, new Map());
    out.get(rank)!.set(Number(m[2]), m[3]);
  }
  return out;
}

const metrics = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: number; loss: number });

let uninterrupted: Map<number, Map<number, string>>;

describe("train.py", () => {
  it("two gloo processes (python train.py --nproc 2) hold identical weights after every step, and the loss falls", () => {
    const out = join(tmp.dir, "run-ddp");
    const r = spawnSync(PYTHON, [...common(out), "--nproc", "2", "--checkpoint-every", "100"], { cwd: pkg, encoding: "utf8", timeout: 150_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("2 process(es) on cpu");
    uninterrupted = checksums(r.stdout);
    expect([...uninterrupted.keys()].sort()).toEqual([0, 1]);
    for (let step = 1; step <= STEPS; step++) {
      expect(uninterrupted.get(0)!.get(step), `step ${step}`).toMatch(/^[0-9a-f]{16}$/);
      expect(uninterrupted.get(1)!.get(step), `step ${step}`).toBe(uninterrupted.get(0)!.get(step));
    }
    expect(new Set(uninterrupted.get(0)!.values()).size).toBe(STEPS); // the weights do change
    const losses = metrics(out).map((m) => m.loss);
    expect(losses.length).toBe(STEPS);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`DDP losses: ${losses.map((l) => l.toFixed(1)).join(" ")}`);
    expect(mean(losses.slice(-3))).toBeLessThan(0.85 * mean(losses.slice(0, 3)));
    expect(losses[STEPS - 1]).toBeLessThan(losses[0]);
    expect(existsSync(join(out, "model.pt"))).toBe(true);
  }, 180_000);

  it("resumes after SIGKILL from the last checkpoint under torchrun's environment, ending with the same weights", async () => {
    const out = join(tmp.dir, "run-killed");
    // started in its own process group, so that the spawned workers die with it
    const child = spawn(PYTHON, [...common(out), "--nproc", "2", "--checkpoint-every", "2"], { cwd: pkg, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(out, "checkpoint.pt")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    const killedAt = Math.max(...metrics(out).map((m) => m.step));
    expect(killedAt).toBeLessThan(STEPS); // it really was cut short
    console.log(`killed after step ${killedAt}`);

    // torchrun's way: one process per rank with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
    const port = String(await freePort());
    const ranks = [0, 1].map((rank) =>
      spawnSyncAsync([...common(out), "--checkpoint-every", "100", "--resume"], {
        RANK: String(rank),
        LOCAL_RANK: String(rank),
        WORLD_SIZE: "2",
        LOCAL_WORLD_SIZE: "2",
        MASTER_ADDR: "127.0.0.1",
        MASTER_PORT: port,
      }),
    );
    const [r0, r1] = await Promise.all(ranks);
    expect(r0.code, r0.stderr).toBe(0);
    expect(r1.code, r1.stderr).toBe(0);
    const resumedAt = Number(/resumed from .*checkpoint\.pt at step (\d+)/.exec(r0.stdout)?.[1]);
    expect(resumedAt).toBeGreaterThanOrEqual(2);
    expect(resumedAt).toBeLessThanOrEqual(killedAt);
    expect(resumedAt % 2).toBe(0);
    const steps = metrics(out).map((m) => m.step);
    expect(steps.slice(steps.lastIndexOf(resumedAt + 1))).toEqual(Array.from({ length: STEPS - resumedAt }, (_, i) => resumedAt + 1 + i));
    console.log(`resumed at step ${resumedAt}`);
    const resumed = checksums(r0.stdout + r1.stdout);
    expect(Math.min(...resumed.get(0)!.keys())).toBe(resumedAt + 1);
    for (let step = resumedAt + 1; step <= STEPS; step++) {
      expect(resumed.get(1)!.get(step)).toBe(resumed.get(0)!.get(step));
      expect(resumed.get(0)!.get(step), `step ${step} after resuming vs the uninterrupted run`).toBe(uninterrupted.get(0)!.get(step));
    }
  }, 180_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function spawnSyncAsync(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { cwd: pkg, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 150_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
