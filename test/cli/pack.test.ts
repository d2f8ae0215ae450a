// cli/pack.ts writes a package folder as an npm tarball; `posec build --target tfjs` packs the runtime
// package (dist/runtime-package, scripts/runtime-package.mjs) beside the generated program. Checked with
// independent tools: GNU tar lists and extracts a tarball, npm installs it (offline, from npm's cache), and a
// generated program installs from its own package.json, compiles and trains without the rest of posec.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { packageFiles, packPackage, RUNTIME_PACKAGE_DIR } from "../../cli/pack.js";
import { RUNTIME_PACKAGE, RUNTIME_TARBALL } from "../../compiler/emit/tfjs/project.js";
import { REPO } from "../helpers.js";
import { posec } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-pack-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LONG = `lib/${"d".repeat(60)}/${"e".repeat(60)}/file-with-a-long-name.txt`;

function fakePackage(): string {
  const root = join(tmp, "pkg");
  for (const d of ["bin", `lib/${"d".repeat(60)}/${"e".repeat(60)}`, "not-shipped"]) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "fake-posec", version: "1.2.3", bin: { fake: "bin/fake.js" }, files: ["bin", "lib", "missing"] }));
  writeFileSync(join(root, "bin", "fake.js"), "#!/usr/bin/env node\nconsole.log('fake')\n");
  writeFileSync(join(root, "lib", "a.txt"), "x".repeat(1000));
  writeFileSync(join(root, LONG), "deep\n");
  writeFileSync(join(root, "README.md"), "# fake\n");
  writeFileSync(join(root, "not-shipped", "secret.txt"), "no\n");
  return root;
}

describe("posec as a tarball", () => {
  const root = fakePackage();

  it("holds package.json, the files entries and the README, nothing else", () => {
    expect(packageFiles(root)).toEqual(["README.md", "bin/fake.js", "lib/a.txt", LONG, "package.json"]);
  });

  it("is a tarball GNU tar reads (long paths, modes), byte-identical when packed twice", () => {
    const tgz = packPackage(root);
    expect(Buffer.from(packPackage(root)).equals(Buffer.from(tgz))).toBe(true);
    const file = join(tmp, "fake.tgz");
    writeFileSync(file, tgz);
    const list = spawnSync("tar", ["-tvzf", file], { encoding: "utf8" });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^-rwxr-xr-x .* package\/bin\/fake\.js$/m);
    expect(list.stdout).toMatch(/^-rw-r--r-- .* 1000 1985-10-26 .* package\/lib\/a\.txt$/m);
    const out = join(tmp, "extracted");
    mkdirSync(out);
    const x = spawnSync("tar", ["-xzf", file, "-C", out], { encoding: "utf8" });
    expect(x.status, x.stderr).toBe(0);
    expect(readFileSync(join(out, "package", LONG), "utf8")).toBe("deep\n");
    expect(readFileSync(join(out, "package", "lib", "a.txt"), "utf8")).toBe("x".repeat(1000));
  });

  it("installs with npm, offline, from a file: dependency beside the program", () => {
    const app = join(tmp, "app");
    mkdirSync(app);
    writeFileSync(join(app, "fake-posec-1.2.3.tgz"), packPackage(root));
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, dependencies: { "fake-posec": "file:fake-posec-1.2.3.tgz" } }));
    const r = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(app, "node_modules", "fake-posec", "lib", "a.txt"), "utf8")).toBe("x".repeat(1000));
    expect(statSync(join(app, "node_modules", ".bin", "fake")).isFile()).toBe(true);
  }, 120_000);
});

/** Packages the whole of posec needs and its runtime does not: none may reach a generated program. */
const COMPILER_ONLY = ["chevrotain", "prettier", "onnx-proto", "protobufjs", "elkjs", "vscode-languageserver", "vscode-languageserver-textdocument", "onnxruntime-node"];

/** The npm packages `files` import by name (static `from "x"`, `import "x"` or a literal `import("x")`); `node:` builtins are not names of this form. */
function bareImports(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    // `from"x"`, `import"x"`, `import("x")`, minified or not; x/sub/path names the package x
    for (const m of readFileSync(f, "utf8").matchAll(/\b(?:from|import)\s*\(?\s*["']((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)(?:\/[^"']*)?["']/g)) out.add(m[1]);
  }
  return out;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : []));
}

describe("the runtime package generated tfjs programs depend on", () => {
  const dir = join(REPO, RUNTIME_PACKAGE_DIR);
  let manifest: { name: string; version: string; exports: Record<string, unknown>; dependencies: Record<string, string>; optionalDependencies?: Record<string, string> };
  beforeAll(() => {
    // the CLI builds dist/ (and the runtime package in it) when the sources are newer
    expect(posec(["--version"]).code).toBe(0);
    manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  }, 300_000);

  it("is @posec/runtime at posec's version, exporting the runtime bundle, its types and the data worker", () => {
    expect(manifest.name).toBe(RUNTIME_PACKAGE);
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.exports["."]).toEqual({ types: "./dist/types/runtime/index.d.ts", import: "./dist/runtime.js" });
    for (const f of ["dist/runtime.js", "dist/data-worker.js", "dist/types/runtime/index.d.ts", "README.md"]) expect(existsSync(join(dir, f)), f).toBe(true);
    // packed as npm packs a scoped package: posec-runtime-<version>.tgz
    expect(RUNTIME_TARBALL).toBe(`posec-runtime-${pkg.version}.tgz`);
  });

  it("depends on exactly the packages its bundle imports, at posec's own versions, and on nothing of the compiler's", () => {
    // read from the bundle's text (not from the build's metafile, which wrote the list)
    const imported = bareImports(jsFiles(join(dir, "dist")));
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["@tensorflow/tfjs", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "@tensorflow/tfjs-core", "ajv", "sharp"]);
    for (const name of ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "ajv", "sharp"]) expect(manifest.dependencies[name], name).toBe((pkg.dependencies as Record<string, string>)[name]);
    // the native tfjs backends, loaded by a name held in a variable (runtime/backends/select.ts), stay optional
    expect(manifest.optionalDependencies).toEqual(pkg.optionalDependencies);
    const select = readFileSync(join(REPO, "runtime/backends/select.ts"), "utf8");
    for (const name of Object.keys(pkg.optionalDependencies)) expect(select).toContain(`"${name}"`);
    const all: Record<string, string> = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of COMPILER_ONLY) expect(all[name], name).toBeUndefined();
    // the declarations name only packages it depends on
    const typeImports = [...bareImports(readdirSync(join(dir, "dist", "types"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".d.ts")).map((f) => join(dir, "dist", "types", f)))];
    expect(typeImports.filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });

  it("a generated program installs from its own package.json (offline), compiles and trains, without the compiler's packages", () => {
    const out = join(tmp, "program");
    const built = posec(["build", "test/tfjs-codegen/fixtures/golden_hand.posenet", "--target", "tfjs", "--out", out]);
    expect(built.code, built.stderr).toBe(0);
    const program = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    expect(program.dependencies).toEqual({ [RUNTIME_PACKAGE]: `file:${RUNTIME_TARBALL}`, "@tensorflow/tfjs": pkg.dependencies["@tensorflow/tfjs"] });
    // the tarball is the runtime package (GNU tar reads it), not posec
    const listed = spawnSync("tar", ["-xzOf", join(out, RUNTIME_TARBALL), "package/package.json"], { encoding: "utf8" });
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).name).toBe(RUNTIME_PACKAGE);

    const npm = (args: string[]) => spawnSync("npm", args, { cwd: out, encoding: "utf8", timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } });
    const install = npm(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"]);
    expect(install.status, install.stderr).toBe(0);
    const installed = new Set(readdirSync(join(out, "node_modules")));
    expect(COMPILER_ONLY.filter((name) => installed.has(name))).toEqual([]);
    expect(installed.has("posec")).toBe(false);
    expect(readdirSync(join(out, "node_modules", "@posec"))).toEqual(["runtime"]);

    const compiled = npm(["run", "build"]);
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
    const trained = spawnSync(process.execPath, ["dist/train.js", "--data", "synth", "--steps", "2", "--backend", "wasm", "--out", "runs/two"], { cwd: out, encoding: "utf8", timeout: 240_000 });
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout + trained.stderr).toContain("trained 2 steps");
    expect(readdirSync(join(out, "runs", "two", "checkpoints"))).toContain("step-0000002");
  }, 600_000);
});
