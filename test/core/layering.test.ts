// The layers depend downwards only: core/ on nothing of posec's outside core/, the runtime on core/ and
// not on the compiler, the targets not on their registry, bench/ not on the tests, and no import cycle among
// the runtime's and the compiler's modules (lazy `await import()` of our own modules included: a lazy import
// must not be a way to close a cycle; type-only imports count too, the module graph is a DAG).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers.js";

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(REPO, path)).isDirectory()) return sources(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every module specifier a file imports (static, type-only or dynamic), resolved against the repository root. */
function imports(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(REPO, join(REPO, file, "..", s)));
}

/** The imports of each file among `files` (a `.js` specifier names the `.ts` source). */
function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(files.map((f) => [f, imports(f).map((i) => i.replace(/\.js$/, ".ts")).filter((i) => known.has(i))]));
}

/** The cycles a depth-first search meets, each as `a -> b -> ... -> a` (one per back edge). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("layering", () => {
  it("the runtime imports from core/ and itself only, nothing from compiler/", () => {
    const bad = sources("runtime").flatMap((f) => imports(f).filter((i) => !i.startsWith("runtime/") && !i.startsWith("core/")).map((i) => `${f} -> ${i}`));
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

  it("bench/ imports nothing from test/ (shared helpers live in testkit/)", () => {
    const bad = sources("bench").flatMap((f) => imports(f).filter((i) => i.startsWith("test/")).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("no import cycle among the modules of runtime/ and compiler/", () => {
    const graph = importGraph([...sources("runtime"), ...sources("compiler")]);
    expect(graph.size).toBeGreaterThan(100);
    expect(findCycles(graph)).toEqual([]);
  });

  it("the checks see imports and cycles (they can fail)", () => {
    expect(imports("runtime/infer/evaluate.ts")).toEqual(expect.arrayContaining(["runtime/infer/network.js", "core/ir/types.js"]));
    // a lazy import and a type-only import are edges of the graph like any other
    const runner = importGraph(["runtime/infer/runner.ts", "runtime/infer/onnx-runner.ts", "runtime/infer/network.ts", "runtime/backends/select.ts"]);
    expect(runner.get("runtime/infer/runner.ts")).toEqual(expect.arrayContaining(["runtime/infer/onnx-runner.ts", "runtime/backends/select.ts", "runtime/infer/network.ts"]));
    expect(runner.get("runtime/infer/onnx-runner.ts")).toEqual(["runtime/infer/network.ts"]);
    const cyclic = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
      ["e.ts", ["e.ts"]],
    ]);
    expect(findCycles(cyclic)).toEqual(["a.ts -> b.ts -> c.ts -> a.ts", "e.ts -> e.ts"]);
    expect(findCycles(new Map([["a.ts", ["b.ts", "c.ts"]], ["b.ts", ["c.ts"]], ["c.ts", []]]))).toEqual([]);
  });
});
