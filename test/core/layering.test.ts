// The layers depend downwards only: core/ on nothing of posec's outside core/, the runtime not on
// emitter internals, and the targets not on their registry (no import cycle closed by a lazy import).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(REPO, path)).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Every module specifier a file imports (static or dynamic), resolved against the repository root. */
function imports(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(REPO, join(REPO, file, "..", s)));
}

describe("layering", () => {
  it("the runtime imports nothing from compiler/emit", () => {
    const bad = sources("runtime").flatMap((f) => imports(f).filter((i) => i.startsWith("compiler/emit/")).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("core/ imports only core/", () => {
    const files = sources("core");
    expect(files.length).toBeGreaterThan(0);
    const bad = files.flatMap((f) => imports(f).filter((i) => !i.startsWith("core/")).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("no target imports the registry of targets", () => {
    const bad = sources("compiler/emit").flatMap((f) => imports(f).filter((i) => i === "compiler/emit/targets.js").map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("the check sees imports (it can fail)", () => {
    expect(imports("runtime/model/build.ts")).toContain("core/tfjs-conv-layer.js");
  });
});
