// In a source checkout (a clone after `npm install`), builds dist/ on first use and again whenever a
// source file is newer than the last build. This replaces an npm `prepare` script: npm 11 blocks
// install scripts of directory packages, and `npx posec` in a checkout installs the checkout itself
// as such a package, so with a `prepare` script `npx posec` fails before posec starts. An installed
// package (no scripts/build.mjs beside it) ships dist/ and skips all of this.
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".built");
const SOURCES = ["grammar", "compiler", "runtime", "cli", "core", "lsp", "view", "models/std", "scripts/build.mjs", "scripts/runtime-package.mjs", "package.json"];

function newestMtime(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === "node_modules" || entry === "__pycache__" || entry.includes(".generated.")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function upToDate() {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.every((s) => newestMtime(join(root, s)) <= built);
}

const buildScript = join(root, "scripts", "build.mjs");
if (existsSync(buildScript) && !upToDate()) {
  const { spawnSync } = await import("node:child_process");
  // one builder at a time: a second posec started meanwhile waits for the first one's build
  const lock = join(root, "node_modules", ".posec-build.lock");
  let fd;
  for (let waited = 0; fd === undefined; waited += 200) {
    try {
      fd = openSync(lock, "wx");
    } catch {
      if (waited > 120_000) rmSync(lock, { force: true }); // a builder that died long ago
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // sleep 200 ms
    }
  }
  try {
    if (!upToDate()) {
      process.stderr.write("posec: building dist/ from this checkout's sources (once after each change)...\n");
      const r = spawnSync(process.execPath, [buildScript], { stdio: ["ignore", "ignore", "inherit"] });
      if (r.status !== 0) {
        process.stderr.write("posec: the build failed (see above); run `npm run build` to retry\n");
        process.exit(1);
      }
    }
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}
