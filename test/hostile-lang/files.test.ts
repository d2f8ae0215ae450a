// Specs are read from regular files only, with a size cap: a named pipe (would block forever), a device
// (/dev/zero: would be read without end), a folder (is not "missing") and a file over 1 MiB each get
// their own PN error naming the path, at the `import`/`extends` that names them or at 1:1 of the root.
// And `extends` paths resolve the same whether the naming file was given by an absolute or relative path.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { fileHost, readSpecFile } from "../../compiler/host.js";
import { resolveRef } from "../../compiler/modules.js";
import { STD } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "posec-hostile-lang-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const posix = process.platform !== "win32";

const BASE = `posenet 1\nmodel base\ninput image 64x64x3\nkeypoints coco18\nbackbone resnet18 until layer2\nadapter { conv 3x3 32 relu }\nstages 2 {\n  first each branch { conv 1x1 out }\n  refine each branch { conv 1x1 out }\n}\n`;

function importing(target: string): string {
  const spec = join(dir, `imports-${target.replace(/\W/g, "_")}.posenet`);
  writeFileSync(spec, `posenet 1\nimport "${target}"\n`);
  return spec;
}

function errorsOf(path: string) {
  return compile(path, fileHost(STD)).diagnostics.filter((d) => d.severity === "error");
}

describe("only regular files are read", () => {
  const cases: [string, () => string, RegExp, string][] = [
    ["a folder", () => (mkdirSync(join(dir, "folder.posenet")), join(dir, "folder.posenet")), /is a folder/, "PN1006"],
    [
      "a named pipe (no hang)",
      () => {
        const p = join(dir, "pipe.posenet");
        expect(spawnSync("mkfifo", [p]).status).toBe(0);
        return p;
      },
      /is a named pipe/,
      "PN1006",
    ],
    ["a character device (no endless read)", () => (symlinkSync("/dev/zero", join(dir, "zero.posenet")), join(dir, "zero.posenet")), /is a device/, "PN1006"],
    ["a 5 MB file", () => (writeFileSync(join(dir, "big.posenet"), "#".repeat(5_000_000)), join(dir, "big.posenet")), /is too large: 4\.8 MiB; a spec may have at most 1 MiB/, "PN1005"],
  ];
  for (const [what, make, message, code] of cases) {
    it.runIf(posix)(`${what}: named by import, and as the root`, () => {
      const target = make();
      const spec = importing(target);
      const viaImport = errorsOf(spec);
      expect(viaImport).toHaveLength(1);
      expect(viaImport[0]).toMatchObject({ code, span: { file: spec, line: 2, col: 8 } });
      expect(viaImport[0].message).toMatch(message);
      expect(viaImport[0].message).toContain(target);
      const asRoot = errorsOf(target);
      expect(asRoot).toHaveLength(1);
      expect(asRoot[0]).toMatchObject({ code, span: { file: target, line: 1, col: 1 } });
      expect(asRoot[0].message).toMatch(message);
    });
  }
  it("a missing file is still PN2008 `cannot find`", () => {
    const errors = errorsOf(importing(join(dir, "nothing-here")));
    expect(errors.map((e) => e.code)).toEqual(["PN2008"]);
    expect(errors[0].message).toMatch(/cannot find/);
  });
  it("reads a regular file of exactly 1 MiB", () => {
    const p = join(dir, "exact.posenet");
    writeFileSync(p, "#".repeat(1024 * 1024));
    expect(readSpecFile(p)).toHaveLength(1024 * 1024);
  });
});

describe("extends through absolute paths (issue 11 item 6)", () => {
  it("resolveRef keeps the leading `/` for a path relative to an absolute file", () => {
    expect(resolveRef("/a/b/child.posenet", "mid")).toBe("/a/b/mid.posenet");
    expect(resolveRef("/a/b/child.posenet", "../base")).toBe("/a/base.posenet");
    expect(resolveRef("/a/child.posenet", "../../../base")).toBe("/base.posenet");
    expect(resolveRef("a/child.posenet", "../../base")).toBe("../base.posenet");
    expect(resolveRef("child.posenet", "std/vgg")).toBe("std/vgg.posenet");
  });
  it("a spec extending an absolute path that extends a relative one compiles", () => {
    mkdirSync(join(dir, "lib"), { recursive: true });
    writeFileSync(join(dir, "lib", "base.posenet"), BASE);
    writeFileSync(join(dir, "lib", "mid.posenet"), 'posenet 1\nmodel mid extends "base"\n');
    // the child lives elsewhere (relative to the working directory) and names the middle one absolutely
    const child = join(dir, "child.posenet");
    writeFileSync(child, `posenet 1\nmodel child extends "${join(dir, "lib", "mid.posenet")}"\nadapter { conv 3x3 16 relu }\n`);
    const r = compile(child, fileHost(STD));
    expect(r.diagnostics).toEqual([]);
    expect(r.ir?.model.name).toBe("child");
    expect([...r.program.modules.keys()]).toContain(join(dir, "lib", "base.posenet"));
  });
});
