// Shared by the hostile-input suite: the built CLI run as a user would run it, and the checks every
// hostile case makes: a PN error, a non-zero exit, no stack trace, bounded memory.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { REPO } from "../helpers.js";
import { posec, type Run } from "../cli/run.js";

export { posec, type Run };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `posec-hostile-${prefix}-`));
}

/** A clear PN error: the code, a non-zero exit, and neither JS frames nor an "internal error". */
export function expectPnError(r: Run, code: string, ...fragments: string[]): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toContain(`error ${code}:`);
  expectNoTrace(r);
  for (const f of fragments) expect(r.stderr).toContain(f);
}

export function expectNoTrace(r: Run): void {
  expect(r.stderr).not.toMatch(/^\s+at .*(\.js|\.ts|node:)/m);
  expect(r.stderr).not.toContain("internal error");
}

/**
 * Runs the CLI as an unprivileged user when the tests run as root (root writes through any permission
 * bits, so a read-only folder is only read-only to someone else): `setpriv` to nobody.
 */
export function posecAsOtherUser(args: string[]): Run | null {
  if (process.getuid?.() !== 0) return posec(args);
  if (!existsSync("/usr/bin/setpriv")) return null;
  const r = spawnSync("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, join(REPO, "bin", "posec.js"), ...args], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and samples the child's peak resident memory (VmHWM, Linux) until it exits. */
export async function posecWithPeakMemory(args: string[], timeoutMs = 60_000): Promise<Run & { peakMiB: number; seconds: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO, "bin", "posec.js"), ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  let peakKiB = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(sample, 20);
  const kill = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number>((resolve) => child.on("exit", (c, sig) => resolve(c ?? (sig ? 128 : -1))));
  clearInterval(timer);
  clearTimeout(kill);
  return { code, stdout, stderr, peakMiB: peakKiB / 1024, seconds: (performance.now() - t0) / 1000 };
}

/** ../shared relative to the repository root: present in CI, maybe absent in a user's clone. */
export const SHARED = join(REPO, "..", "shared");
export const REAL = join(SHARED, "testdata", "real");

/** Tests reading ../shared: skipped with a plain message where it is absent, a failure in CI. */
export function sharedAvailable(what: string): boolean {
  if (existsSync(REAL)) return true;
  if (process.env.CI) throw new Error(`${REAL} is missing, and CI is set: ${what} must run in CI`);
  console.log(`skipped: ${what} (${REAL} is absent; it is present in CI)`);
  return false;
}

export const TINY = "test/fixtures/train/tiny.posenet";
