// Bundles runtime/data/worker.ts into a plain ESM file that worker_threads can start (tests and benchmarks
// run from TypeScript sources; the CLI build emits the same bundle). The output goes under
// node_modules/.cache so that its external imports (sharp) resolve from the project.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";

/** `root`: the repository (tests and benchmarks run from it). */
export async function bundleDataWorker(root = process.cwd()): Promise<{ script: string; remove: () => void }> {
  const { build } = await import("esbuild");
  const cache = join(root, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "posec-data-worker-"));
  const script = join(dir, "worker.mjs");
  await build({
    entryPoints: [join(root, "runtime/data/worker.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: script,
    logLevel: "error",
  });
  return { script, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
