// Drives `posec lsp` the way an editor does: a separate process speaking JSON-RPC over stdio. Expected
// values are computed here by hand from the spec text (positions) and from layer arithmetic (shapes,
// parameters, MACs), and formatting is compared with `posec fmt --stdout` run as its own process.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";

const ROOT = resolve(__dirname, "../..");
const BIN = join(ROOT, "bin/posec.js");
const dir = mkdtempSync(join(tmpdir(), "posec-lsp-"));
// two `extends` deep: this spec -> small_resnet18_cmupose -> cmu_pose_vgg19
const parent = join(ROOT, "models/small_resnet18_cmupose.posenet");
const specPath = join(dir, "child.posenet");
const uri = pathToFileURL(specPath).href;
const GOOD = `posenet 1
model child extends "${parent}"
backbone resnet18 width=32 until layer2
adapter {
  conv 3x3 64 relu
}
`;
const BAD = GOOD.replace("  conv 3x3 64 relu", "  cnov 3x3 64 relu");

type Diag = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; code: string; message: string };

let proc: ChildProcessWithoutNullStreams;
let conn: MessageConnection;
const published: { uri: string; diagnostics: Diag[] }[] = [];
let waiters: (() => void)[] = [];

function nextDiagnostics(target = uri): Promise<Diag[]> {
  const seen = published.length;
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error("no diagnostics published within 20 s")), 20_000);
    const check = () => {
      const hit = published.slice(seen).find((p) => p.uri === target);
      if (!hit) return false;
      clearTimeout(timer);
      res(hit.diagnostics);
      return true;
    };
    const wait = () => {
      if (!check()) waiters.push(wait);
    };
    wait();
  });
}

beforeAll(async () => {
  writeFileSync(specPath, BAD);
  proc = spawn(process.execPath, [BIN, "lsp", "--stdio"], { cwd: dir });
  conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.onNotification("textDocument/publishDiagnostics", (p: { uri: string; diagnostics: Diag[] }) => {
    published.push(p);
    const ws = waiters;
    waiters = [];
    ws.forEach((w) => w());
  });
  conn.listen();
  const init = await conn.sendRequest("initialize", { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {} });
  expect((init as { capabilities: { hoverProvider: boolean } }).capabilities.hoverProvider).toBe(true);
  await conn.sendNotification("initialized", {});
});

afterAll(() => {
  proc?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe("posec lsp over stdio", () => {
  it("reports a misspelt layer with its code and range, offers the fix, and clears it after the edit", async () => {
    const diagsP = nextDiagnostics();
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "posenet", version: 1, text: BAD } });
    const diags = await diagsP;
    expect(diags).toHaveLength(1);
    expect(diags[0].code).toBe("PN2001");
    // `cnov` is on line 5 (0-based 4), columns 2..6
    expect(diags[0].range).toEqual({ start: { line: 4, character: 2 }, end: { line: 4, character: 6 } });
    expect(diags[0].message).toContain("did you mean `conv`?");

    const actions = (await conn.sendRequest("textDocument/codeAction", { textDocument: { uri }, range: diags[0].range, context: { diagnostics: diags } })) as { edit: { changes: Record<string, { newText: string }[]> } }[];
    expect(actions[0].edit.changes[uri][0].newText).toBe("conv");

    const clearedP = nextDiagnostics();
    await conn.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 4, character: 2 }, end: { line: 4, character: 6 } }, text: "conv" }],
    });
    expect(await clearedP).toEqual([]);
  });

  it("hovers a layer line with its shape, parameters and MACs at the spec's input size", async () => {
    const h = (await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: 4, character: 3 } })) as { contents: { value: string } };
    const text = h.contents.value;
    // 128x128 input, ResNet-18 cut after layer2: stride 8 -> 16x16; conv 3x3 64->64 with bias
    expect(text).toContain("16×16×64");
    expect(text).toContain("36.9 k"); // 3*3*64*64 + 64 = 36,928 parameters
    expect(text).toContain("9.44 M"); // 16*16*3*3*64*64 = 9,437,184 MACs
    expect(text).toContain("128×128×3");
    // on a block call: the block's signature as the library declares it, and where
    const std = readFileSync(join(ROOT, "models/std/resnet.posenet"), "utf8").split("\n");
    const decl = std.findIndex((l) => l.startsWith("block resnet18("));
    const b = (await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: 2, character: 12 } })) as { contents: { value: string } };
    expect(b.contents.value).toContain(std[decl].slice(0, std[decl].indexOf(")") + 1));
    expect(b.contents.value).toContain(`std/resnet.posenet:${decl + 1}`);
  });

  it("goes from a backbone call to the block in the standard library", async () => {
    const loc = (await conn.sendRequest("textDocument/definition", { textDocument: { uri }, position: { line: 2, character: 11 } })) as { uri: string; range: { start: { line: number } } };
    expect(loc.uri).toBe(pathToFileURL(join(ROOT, "models/std/resnet.posenet")).href);
    const lines = readFileSync(join(ROOT, "models/std/resnet.posenet"), "utf8").split("\n");
    expect(lines[loc.range.start.line]).toMatch(/^block resnet18\(/);
  });

  it("completes layers and blocks in a body", async () => {
    await conn.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: "  \n" }],
    });
    const items = (await conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: { line: 5, character: 2 } })) as { label: string }[];
    const labels = items.map((i) => i.label);
    expect(labels).toContain("conv");
    expect(labels).toContain("resnet50");
    expect(labels).not.toContain("backbone");
  });

  it("formats a document exactly as `posec fmt` does", async () => {
    const messy = `posenet   1\nmodel   child extends "${parent}"\nadapter {\n conv 3x3   64 relu ;   conv 1x1 32\n}\n`;
    const file = join(dir, "messy.posenet");
    writeFileSync(file, messy);
    const muri = pathToFileURL(file).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: muri, languageId: "posenet", version: 1, text: messy } });
    const edits = (await conn.sendRequest("textDocument/formatting", { textDocument: { uri: muri }, options: { tabSize: 2, insertSpaces: true } })) as { range: { start: { line: number; character: number } }; newText: string }[];
    const expected = execFileSync(process.execPath, [BIN, "fmt", "--stdout", file], { encoding: "utf8" });
    expect(expected).not.toBe(messy);
    expect(edits).toHaveLength(1);
    expect(edits[0].range.start).toEqual({ line: 0, character: 0 });
    expect(edits[0].newText).toBe(expected);
  });

  it("follows `until` to the label in the library, finds a block's references, lists symbols", async () => {
    const std = readFileSync(join(ROOT, "models/std/resnet.posenet"), "utf8").split("\n");
    const blockLine = std.findIndex((l) => l.startsWith("block resnet18("));
    // `layer2` is the label `layer2:` or a template that makes it (`layer{i + 1}:` in a loop)
    const labelLine = std.findIndex((l) => /^\s+layer(2|\{[^}]+\}):/.test(l));
    const until = (await conn.sendRequest("textDocument/definition", { textDocument: { uri }, position: { line: 2, character: 36 } })) as { uri: string; range: { start: { line: number; character: number } } };
    expect(until.uri).toMatch(/models\/std\/resnet\.posenet$/);
    expect(until.range.start).toEqual({ line: labelLine, character: std[labelLine].indexOf("layer") });
    const refs = (await conn.sendRequest("textDocument/references", { textDocument: { uri }, position: { line: 2, character: 11 }, context: { includeDeclaration: true } })) as { uri: string; range: { start: { line: number } } }[];
    // the call in this spec, the call in the spec it extends, and the declaration
    const parentLine = readFileSync(parent, "utf8").split("\n").findIndex((l) => l.startsWith("backbone resnet18"));
    const where = (r: { uri: string; range: { start: { line: number } } }) => `${r.uri === uri ? "child" : r.uri.endsWith("std/resnet.posenet") ? "std" : r.uri.endsWith("small_resnet18_cmupose.posenet") ? "parent" : r.uri}:${r.range.start.line}`;
    expect(refs.map(where).sort()).toEqual(["child:2", `parent:${parentLine}`, `std:${blockLine}`].sort());
    const symbols = (await conn.sendRequest("textDocument/documentSymbol", { textDocument: { uri } })) as { name: string }[];
    expect(symbols.map((x) => x.name)).toEqual(["model child", "backbone resnet18", "adapter"]);
  });

  it("completes settings and their variants in a train section", async () => {
    const file = join(dir, "train.posenet");
    const text = `posenet 1\nmodel t extends "${parent}"\ntrain {\n  optimizer \n}\n`;
    writeFileSync(file, text);
    const turi = pathToFileURL(file).href;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: turi, languageId: "posenet", version: 1, text } });
    const variants = (await conn.sendRequest("textDocument/completion", { textDocument: { uri: turi }, position: { line: 3, character: 12 } })) as { label: string }[];
    expect(variants.map((i) => i.label).sort()).toEqual(["adam", "sgd"]);
    const settings = (await conn.sendRequest("textDocument/completion", { textDocument: { uri: turi }, position: { line: 3, character: 2 } })) as { label: string }[];
    expect(settings.map((i) => i.label)).toEqual(expect.arrayContaining(["optimizer", "batch", "steps", "augment"]));
    expect(settings.map((i) => i.label)).not.toContain("conv");
  });

  it("marks block calls and built-in layers with semantic tokens", async () => {
    const tokens = (await conn.sendRequest("textDocument/semanticTokens/full", { textDocument: { uri } })) as { data: number[] };
    // `resnet18` (a block) at line 2, char 9, 8 long; `conv` (built-in: modifier bit 1) at line 4, char 2
    expect(tokens.data).toEqual([2, 9, 8, 0, 0, 2, 2, 4, 0, 2]);
  });

  it("does not flag a library of blocks for lacking the sections of a spec", async () => {
    const file = join(ROOT, "models/std/resnet.posenet");
    const suri = pathToFileURL(file).href;
    const diagsP = nextDiagnostics(suri);
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: suri, languageId: "posenet", version: 1, text: readFileSync(file, "utf8") } });
    expect(await diagsP).toEqual([]);
  });

  it("offers to add a missing `posenet 1`", async () => {
    const file = join(dir, "noversion.posenet");
    const text = GOOD.replace("posenet 1\n", "");
    writeFileSync(file, text);
    const nuri = pathToFileURL(file).href;
    const seen = published.length;
    await conn.sendNotification("textDocument/didOpen", { textDocument: { uri: nuri, languageId: "posenet", version: 1, text } });
    const deadline = Date.now() + 20_000;
    let diags: Diag[] | undefined;
    while (!diags && Date.now() < deadline) {
      diags = published.slice(seen).find((p) => p.uri === nuri)?.diagnostics;
      if (!diags) await new Promise((r) => setTimeout(r, 20));
    }
    const missing = diags!.find((d) => d.code === "PN2011");
    expect(missing?.message).toContain("posenet 1");
    const actions = (await conn.sendRequest("textDocument/codeAction", { textDocument: { uri: nuri }, range: missing!.range, context: { diagnostics: [missing] } })) as { edit: { changes: Record<string, { range: unknown; newText: string }[]> } }[];
    expect(actions.map((a) => a.edit.changes[nuri][0])).toContainEqual({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: "posenet 1\n" });
  });

  it("shuts down and exits cleanly", async () => {
    await conn.sendRequest("shutdown");
    const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
    await conn.sendNotification("exit");
    expect(await exited).toBe(0);
  });
});
