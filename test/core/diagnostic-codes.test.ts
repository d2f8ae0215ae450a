// The diagnostic codes are one table (core/diagnostics.ts CATALOG): every code the sources use is in it,
// every entry is used, each code is defined once and means one thing, and the types admit no other code.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG, diag, type DiagnosticCode } from "../../core/diagnostics.js";
import { compile } from "../../compiler/compile.js";
import { fileHost } from "../../compiler/host.js";
import { emitPytorch } from "../../compiler/emit/pytorch/index.js";
import { PosecError } from "../../runtime/errors.js";
import { compileIr, REPO, STD } from "../helpers.js";

const TABLE = "core/diagnostics.ts";
const SOURCE_DIRS = ["core", "grammar", "compiler", "runtime", "cli", "lsp", "view", "bin", "scripts"];
const CODE = /\bPN\d{4}\b/g;

function files(dir: string): string[] {
  return readdirSync(join(REPO, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (name === "__pycache__" || name.includes(".generated.")) return [];
    if (statSync(join(REPO, path)).isDirectory()) return files(path);
    return /\.(ts|js|mjs|py)$/.test(name) ? [path] : [];
  });
}

/** code -> the source files that name it (the table itself left out) */
function uses(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of SOURCE_DIRS.flatMap(files)) {
    if (file === TABLE) continue;
    for (const code of new Set(readFileSync(join(REPO, file), "utf8").match(CODE) ?? [])) out.set(code, [...(out.get(code) ?? []), file]);
  }
  return out;
}

describe("diagnostic codes", () => {
  const used = uses();

  it("the scan finds codes where they are used (it can fail)", () => {
    expect(used.get("PN2024")).toContain("compiler/weight-sources.ts");
    expect(used.get("PN4001")).toContain("core/ir/validate.ts");
    expect(used.size).toBeGreaterThan(60);
  });

  it("every code the sources use is in the table", () => {
    const missing = [...used].filter(([code]) => !(code in CATALOG)).map(([code, where]) => `${code} (${where.join(", ")})`);
    expect(missing).toEqual([]);
  });

  it("every code of the table is used somewhere in the sources", () => {
    expect(Object.keys(CATALOG).filter((code) => !used.has(code))).toEqual([]);
  });

  it("each code is defined once, and no two codes share a meaning", () => {
    // a repeated key in the object literal would silently keep the last entry: read the table's text
    const defined = readFileSync(join(REPO, TABLE), "utf8").match(/^ {2}(PN\d{4}): \{/gm)!.map((line) => line.trim().slice(0, 6));
    expect(defined.length).toBe(Object.keys(CATALOG).length);
    expect(defined.filter((c, i) => defined.indexOf(c) !== i)).toEqual([]);
    const titles = Object.values(CATALOG).map((e) => e.title.toLowerCase());
    expect(titles.filter((t, i) => titles.indexOf(t) !== i)).toEqual([]);
    for (const [code, entry] of Object.entries(CATALOG)) {
      expect(entry.title, code).not.toMatch(/\n/);
      expect(entry.explanation.length, code).toBeGreaterThan(entry.title.length);
    }
  });

  it("the codes the documentation names are in the table", () => {
    const docs = ["README.md", "CONTRIBUTING.md"].map((f) => readFileSync(join(REPO, f), "utf8")).join("\n");
    const named = [...new Set(docs.match(CODE) ?? [])];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((code) => !(code in CATALOG))).toEqual([]);
  });

  it("diag() and PosecError take only codes of the table (checked by tsc)", () => {
    const span = { file: "x.posenet", line: 1, col: 1, endLine: 1, endCol: 2 };
    // never called: `npm run typecheck` fails if either line type-checks (an unused @ts-expect-error)
    const unknownCodes = () => [
      // @ts-expect-error PN9999 is not a code of the table
      diag("PN9999", span, "no such code"),
      // @ts-expect-error PN9999 is not a code of the table
      new PosecError("no such code", "PN9999"),
    ];
    expect(typeof unknownCodes).toBe("function");
    expect(diag("PN2001", span, "a known code").severity).toBe("error");
    const code: DiagnosticCode = new PosecError("a runtime failure").code;
    expect(code).toBe("PN5000");
  });
});

describe("the meanings PN4001 used to share have one code each", () => {
  it("an IR that is not JSON, or reads a tensor no node produces, is invalid IR (PN4001)", async () => {
    const { loadIr } = await import("../../core/ir/load.js");
    expect(loadIr("{", "bad.ir.json").diagnostics.map((d) => d.code)).toEqual(["PN4001"]);
    const ir = compileIr("models/small_resnet18_cmupose.posenet");
    const broken = { ...ir, nodes: ir.nodes.map((n, i) => (i === 3 ? { ...n, inputs: ["nowhere"] } : n)) };
    const { inferShapes } = await import("../../core/shapes.js");
    const shapes = inferShapes(broken, ir.input.height, ir.input.width).diagnostics;
    expect(shapes.map((d) => [d.code, d.message])).toEqual([["PN4001", `invalid IR: node \`${ir.nodes[3].name}\` reads a tensor that no earlier node produces`]]);
  });

  it("two layers that would be one PyTorch attribute are PN4102", () => {
    const ir = compileIr("models/small_resnet18_cmupose.posenet");
    // `forward` is reserved (nn.Module.forward) and becomes `forward_`, the other layer's own name (the
    // emitter checks names before it reads anything else of the IR)
    const rename = (i: number, name: string) => ({ ...ir.nodes[i], name, label: name });
    const clash = { ...ir, nodes: [rename(0, "forward"), rename(1, "forward_"), ...ir.nodes.slice(2)] };
    const { files, diagnostics } = emitPytorch(clash, 1);
    expect(files).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual(["PN4102"]);
    expect(diagnostics[0].message).toMatch(/^layers `forward` and `forward_` would both be the PyTorch (attribute|module) `forward_`$/);
  });

  it("a failure inside the compiler is an internal compiler error (PN9001), not an invalid IR", () => {
    // a host whose stat throws: the compiler catches what it did not expect and reports it at the spec
    const host = { ...fileHost(STD), stat: () => { throw new Error("disk on fire"); } };
    const dir = mkdtempSync(join(tmpdir(), "posec-codes-"));
    const spec = join(dir, "spec.posenet");
    writeFileSync(spec, `posenet 1\nmodel t extends "${join(REPO, "models/small_resnet18_cmupose.posenet")}"\ninit from "weights.pth"\n`);
    const r = compile(spec, host);
    rmSync(dir, { recursive: true, force: true });
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["PN9001", "internal compiler error: disk on fire"]]);
  });
});
