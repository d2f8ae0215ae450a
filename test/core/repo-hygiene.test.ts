// Defects of issue 11 part 6 that are about the repository rather than one module, each kept fixed by a
// check: names with several meanings, documentation that points outside the repository, the README's
// tracking table, tsconfig's include list, npm's project-config warning, checkpoint code in one place.
// (The others have their tests beside the code: build.test.ts for `--target ir,onnx,tfjs,pytorch`,
// hostile-lang/files.test.ts for `extends` through absolute paths, diagnostic-codes.test.ts for PN4001 and
// the typed PosecError.code, layering.test.ts for the import cycles and bench/ importing test helpers.)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";

const SOURCE_DIRS = ["core", "grammar", "compiler", "runtime", "cli", "lsp", "view", "bench", "testkit", "scripts"];

function files(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "__pycache__") return [];
    return statSync(join(REPO, path)).isDirectory() ? files(path) : [path];
  });
}

describe("the repository", () => {
  it("has no two source files called coco.ts, args.ts, ops.ts or render.ts (each name had several meanings)", () => {
    const sources = SOURCE_DIRS.flatMap(files);
    expect(sources.length).toBeGreaterThan(200);
    for (const name of ["coco.ts", "args.ts", "ops.ts", "render.ts"]) {
      expect(sources.filter((f) => basename(f) === name), name).toHaveLength(0);
    }
    // the names they have now say which meaning each file has
    for (const f of ["runtime/data/coco-dataset.ts", "runtime/infer/coco-results.ts", "runtime/eval/coco-files.ts", "compiler/bind-args.ts", "cli/flags.ts", "compiler/layer-catalog.ts", "runtime/backends/tensor-ops.ts", "compiler/format-diagnostics.ts"]) {
      expect(existsSync(join(REPO, f)), f).toBe(true);
    }
  });

  it("documents itself without pointing outside the checkout: CONTRIBUTING.md, no notes/HELPERS.md, links that resolve", () => {
    expect(existsSync(join(REPO, "notes", "HELPERS.md"))).toBe(false);
    for (const doc of ["README.md", "CONTRIBUTING.md"]) {
      const text = readFileSync(join(REPO, doc), "utf8");
      expect(text, doc).not.toMatch(/(^|[\s`(])\/(work|tmp|root|home)\//m);
      const links = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
      if (doc === "README.md") expect(links.length).toBeGreaterThan(5);
      for (const link of links) {
        const target = join(REPO, link);
        expect(relative(REPO, target).startsWith(".."), `${doc}: ${link}`).toBe(false);
        expect(existsSync(target), `${doc}: ${link}`).toBe(true);
      }
    }
  });

  it("has a README for users: no table of issue numbers", () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    expect(readme.split("\n").filter((line) => /^\s*\|/.test(line) && /\b(issue|#\d+)/i.test(line))).toEqual([]);
    expect(readme).not.toMatch(/^#+\s*Status\b/m);
  });

  it("type-checks what exists: every tsconfig include is there, bench/ among them", () => {
    const tsconfig = JSON.parse(readFileSync(join(REPO, "tsconfig.json"), "utf8")) as { include: string[] };
    expect(tsconfig.include).toContain("bench");
    for (const entry of tsconfig.include) expect(existsSync(join(REPO, entry.split("/*")[0])), entry).toBe(true);
  });

  it("gives npm no project config it does not know (`npx posec` printed \"Unknown project config\")", () => {
    // an empty user config, so that only the repository's own .npmrc (if any) speaks
    const dir = mkdtempSync(join(tmpdir(), "posec-npmrc-"));
    const userconfig = join(dir, "npmrc");
    writeFileSync(userconfig, "");
    const r = spawnSync("npm", ["config", "list"], { cwd: REPO, encoding: "utf8", env: { ...process.env, npm_config_userconfig: userconfig, NO_COLOR: "1" }, timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`npm local prefix = ${REPO}`);
    expect(r.stderr).not.toMatch(/Unknown (project|env|user) config/i);
  });

  it("keeps checkpoint code in one place, runtime/checkpoint/, the PyTorch reader split (zip, pickle VM, mapping), each file under 400 lines", () => {
    const parts = readdirSync(join(REPO, "runtime", "checkpoint")).filter((f) => f.endsWith(".ts"));
    // posec's own format (write, resume, the run folder's checkpoints), an import written as one, PyTorch's
    expect(parts).toEqual(expect.arrayContaining(["write.ts", "resume.ts", "folder.ts", "from-weights.ts", "read.ts", "pickle.ts", "torch.ts", "zip.ts"]));
    for (const f of parts) expect(readFileSync(join(REPO, "runtime", "checkpoint", f), "utf8").split("\n").length, f).toBeLessThan(400);
    const elsewhere = files("runtime").filter((f) => /checkpoint/i.test(basename(f)) && !f.startsWith("runtime/checkpoint/"));
    expect(elsewhere).toEqual([]);
  });
});
