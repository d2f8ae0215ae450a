// The IR as a file: build -> JSON -> ajv -> load gives the same graph; tampered IR is rejected with a
// message that names the node and points at its spec line.
import { describe, expect, it } from "vitest";
import { irEmitter, serializeIr } from "../../compiler/emit/ir.js";
import { loadIr } from "../../core/ir/load.js";
import type { Ir } from "../../core/ir/types.js";
import { compileFile, ZOO } from "../helpers.js";

async function built(path: string): Promise<{ ir: Ir; text: string }> {
  const r = compileFile(path);
  const out = await irEmitter.emit(r.ir!, { seed: 1, flags: {} });
  expect(out.diagnostics).toEqual([]);
  return { ir: r.ir!, text: out.files[0].data as string };
}

describe("IR round trip", () => {
  it.each(ZOO)("%s: written, validated and loaded back unchanged", async (path) => {
    const { ir, text } = await built(path);
    const loaded = loadIr(text, "model.ir.json");
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.ir).toEqual(ir);
    expect(serializeIr(loaded.ir)).toBe(text);
  });
  it("is byte-identical for the same spec", async () => {
    const a = await built("models/se_resnet_okhm_cmupose.posenet");
    const b = await built("models/se_resnet_okhm_cmupose.posenet");
    expect(a.text).toBe(b.text);
  });
});

describe("tampered IR is rejected", () => {
  const tamper = async (edit: (doc: any) => void) => {
    const { text } = await built("models/small_resnet18_cmupose.posenet");
    const doc = JSON.parse(text);
    edit(doc);
    return loadIr(JSON.stringify(doc), "model.ir.json");
  };
  it("a kernel of size 0, located at the spec line of its node", async () => {
    const r = await tamper((d) => (d.nodes[0].attrs.kernel = [0, 3]));
    expect(r.ir).toBeUndefined();
    expect(r.diagnostics[0].code).toBe("PN4001");
    expect(r.diagnostics[0].message).toContain("node `conv1`");
    expect(r.diagnostics[0].message).toContain("attrs.kernel");
    expect(r.diagnostics[0].span.file).toBe("std/resnet.posenet");
  });
  it("a node reading a tensor that does not exist", async () => {
    const r = await tamper((d) => (d.nodes[5].inputs = ["nowhere"]));
    expect(r.diagnostics[0].message).toMatch(/reads `nowhere`, which no earlier node produces/);
  });
  it("a changed filter count that no longer matches its tensor", async () => {
    const r = await tamper((d) => (d.nodes.find((n: any) => n.op === "conv").attrs.filters = 65));
    expect(r.diagnostics[0].message).toMatch(/declares 32 channels but the node produces 65/);
  });
  it("an unknown op", async () => {
    const r = await tamper((d) => (d.nodes[3].op = "magic"));
    expect(r.diagnostics[0].message).toMatch(/op must be equal to one of the allowed values/);
  });
  it("an extra property", async () => {
    const r = await tamper((d) => (d.input.gamma = 3));
    expect(r.diagnostics[0].message).toMatch(/unexpected property `gamma`/);
  });
  it("not JSON, with line and column", () => {
    const r = loadIr('{\n  "format": "posec-ir",\n  oops\n}', "bad.json");
    expect(r.diagnostics[0].span.line).toBe(3);
    expect(r.diagnostics[0].message).toContain("not valid JSON");
  });
  it("another version", async () => {
    const r = await tamper((d) => (d.version = 2));
    expect(r.diagnostics[0].code).toBe("PN4002");
  });
  it("no block scopes (an IR from before them): PN4002, compile again", async () => {
    const r = await tamper((d) => delete d.scopes);
    expect(r.diagnostics[0].code).toBe("PN4002");
    expect(r.diagnostics[0].message).toMatch(/no block scopes .* compile the spec again/);
  });
  it("a node in a scope that does not exist, or not named after its label", async () => {
    const missing = await tamper((d) => (d.nodes[4].scope = 999));
    expect(missing.diagnostics[0].message).toMatch(/node `layer1_0_conv1`: its scope 999 does not exist/);
    const label = await tamper((d) => (d.nodes[4].label = "conv9"));
    expect(label.diagnostics[0].message).toMatch(/its name does not end with its label `conv9`/);
  });
  it("a scope whose parent comes after it, or a block call without its block", async () => {
    const parent = await tamper((d) => (d.scopes[3].parent = 7));
    expect(parent.diagnostics.map((x) => x.message).join()).toMatch(/only scope 0 has no parent, and a parent comes before its children/);
    const block = await tamper((d) => (d.scopes.find((s: { kind: string }) => s.kind === "block").block = null));
    expect(block.diagnostics.map((x) => x.message).join()).toMatch(/a block call names its block/);
  });
});

describe("block scopes", () => {
  it("record the spec's nesting: ResNet-18's units under `layer1`, torchvision's labels, the bound arguments", async () => {
    const { ir } = await built("models/small_resnet18_cmupose.posenet");
    const node = ir.nodes.find((n) => n.name === "layer2_0_downsample_0")!;
    const chain: string[] = [];
    for (let s: number | null = node.scope; s !== null; s = ir.scopes[s].parent) chain.unshift(`${ir.scopes[s].kind}:${ir.scopes[s].label}`);
    expect(chain).toEqual(["model:", "backbone:", "block:", "block:", "group:layer2", "block:0", "group:downsample"]);
    expect(node.label).toBe("0");
    const unit = ir.scopes[ir.scopes[node.scope].parent!];
    expect(unit).toMatchObject({ block: "basic", args: { width: 64, stride: 2, se: 0 }, prefix: "layer2_0_" });
    const stage = ir.scopes.find((s) => s.kind === "stages")!;
    expect(stage.label).toBe("refine");
    expect(ir.scopes.filter((s) => s.parent === stage.id).map((s) => s.label)).toEqual(["0", "1"]);
  });
});
