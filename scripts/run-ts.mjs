#!/usr/bin/env node
// Runs a TypeScript entry point: bundles it with esbuild (dependencies stay external) into a temp file
// and imports it. Used for benchmarks and dev scripts; the CLI itself is built by scripts/build.mjs.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/run-ts.mjs FILE.ts [args...]");
  process.exit(2);
}
// inside node_modules so that the bundle resolves external packages from the project
mkdirSync(resolve("node_modules/.cache"), { recursive: true });
const dir = mkdtempSync(join(resolve("node_modules/.cache"), "posec-run-"));
const outfile = join(dir, "entry.mjs");
await build({
  entryPoints: [resolve(entry)],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile,
  sourcemap: "inline",
  logLevel: "error",
  absWorkingDir: process.cwd(),
  nodePaths: [resolve("node_modules")],
});
process.argv = [process.argv[0], resolve(entry), ...rest];
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
await import(pathToFileURL(outfile).href);
