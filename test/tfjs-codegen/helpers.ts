// Shared helpers for the tfjs-target tests: emitting a spec's program into a folder, and the harness that
// lets such folders resolve their dependencies the way `npm install` would: a node_modules beside them with
// `posec` linked to this repository (its package.json `exports` point at dist/, built by `npm run build`)
// and `@tensorflow/*`, `@types/node` linked to the repository's own copies.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emitTfjs } from "../../compiler/emit/tfjs/index.js";
import { compileIr, REPO } from "../helpers.js";

export { compileIr };

/** Emits the tfjs program of a spec; returns its files as text by path. */
export async function emitProgram(spec: string): Promise<Map<string, string>> {
  const { files, diagnostics } = await emitTfjs(compileIr(spec));
  if (diagnostics.length) throw new Error(diagnostics.map((d) => d.message).join("; "));
  return new Map(files.map((f) => [f.path, typeof f.data === "string" ? f.data : Buffer.from(f.data).toString("utf8")]));
}

export async function writeProgram(spec: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of await emitProgram(spec)) writeFileSync(join(dir, path), text);
  return dir;
}

/** A temp folder whose node_modules resolves `posec`, `@tensorflow/tfjs` and `@types/node` like an install. */
export function harness(prefix: string): { dir: string; remove: () => void } {
  if (!existsSync(join(REPO, "dist", "types", "runtime", "index.d.ts"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  const dir = mkdtempSync(join(tmpdir(), `posec-${prefix}-`));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(REPO, join(dir, "node_modules", "posec"), "dir");
  symlinkSync(join(REPO, "node_modules", "@tensorflow"), join(dir, "node_modules", "@tensorflow"), "dir");
  symlinkSync(join(REPO, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], cwd: string, timeout = 180_000): Run {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : "") };
}

/** The repository's TypeScript compiler, in build mode over several program folders (one process for all). */
export function tscBuild(cwd: string, programs: string[]): Run {
  return run(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-b", ...programs], cwd);
}
