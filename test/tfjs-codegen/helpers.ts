// Shared helpers for the tfjs-target tests: emitting a spec's program into a folder, and the harness that
// lets such folders resolve their dependencies the way `npm install` would: a node_modules beside them with
// a copy of the runtime package the build writes (dist/runtime-package, what `posec build` packs beside the
// program) and the packages it declares, `@tensorflow/tfjs` and `@types/node` linked to the repository's copies.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

/**
 * A temp folder whose node_modules resolves `@posec/runtime`, its dependencies, `@tensorflow/tfjs` and
 * `@types/node` like an install. The runtime package is copied, not linked (a rebuild of dist/ meanwhile
 * must not pull it away), and only the packages it declares are there, so a dependency it lacks shows.
 */
export function harness(prefix: string): { dir: string; remove: () => void } {
  const runtime = join(REPO, "dist", "runtime-package");
  if (!existsSync(join(runtime, "dist", "types", "runtime", "index.d.ts"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
  const dir = mkdtempSync(join(tmpdir(), `posec-${prefix}-`));
  const modules = join(dir, "node_modules");
  cpSync(runtime, join(modules, "@posec", "runtime"), { recursive: true });
  const { dependencies } = JSON.parse(readFileSync(join(modules, "@posec", "runtime", "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const name of new Set([...Object.keys(dependencies), "@tensorflow/tfjs", "@types/node"])) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(REPO, "node_modules", name), join(modules, name), "dir");
  }
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
