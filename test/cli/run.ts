// Runs the built `posec` binary (npm test builds it first) and captures its output and exit code.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../helpers.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function posec(args: string[], options: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): Run {
  if (!existsSync(join(REPO, "dist", "posec.js"))) throw new Error("dist/posec.js is missing: run `npm run build` (npm test does)");
  const r = spawnSync(process.execPath, [join(REPO, "bin", "posec.js"), ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    encoding: "utf8",
    timeout: options.timeout ?? 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
