// The tfjs target's text: golden files for a small pose spec (reviewed by hand; update deliberately with
// `npx vitest run test/tfjs-codegen -u`), byte-identical output for identical input, the names it gives
// layers whose IR names a TypeScript module cannot use, and what it refuses.
import { describe, expect, it } from "vitest";
import pkg from "../../package.json" with { type: "json" };
import { TARGETS } from "../../compiler/emit/targets.js";
import { emitTfjs } from "../../compiler/emit/tfjs/index.js";
import { compileIr, emitProgram } from "./helpers.js";

const GOLDEN = "test/tfjs-codegen/fixtures/golden_hand.posenet";
const TEXT_FILES = ["README.md", "model.ts", "package.json", "train.ts", "tsconfig.json"];

describe("posec build --target tfjs", () => {
  it("is a registered target", () => {
    expect(Object.keys(TARGETS)).toContain("tfjs");
  });

  it("writes the golden fixture's program as reviewed", async () => {
    const files = await emitProgram(GOLDEN);
    expect([...files.keys()].sort()).toEqual([...TEXT_FILES, "model.ir.json"].sort());
    // `.txt` so that the repository's own type check and tools leave the golden files alone
    for (const name of TEXT_FILES) await expect(files.get(name)).toMatchFileSnapshot(`__golden__/golden_hand/${name}.txt`);
  });

  it("gives byte-identical files for identical input", async () => {
    for (const spec of [GOLDEN, "models/se_resnet_okhm_cmupose.posenet", "test/tfjs-codegen/fixtures/every_op.posenet"]) {
      const a = await emitTfjs(compileIr(spec));
      const b = await emitTfjs(compileIr(spec));
      expect(b.files.map((f) => f.path)).toEqual(a.files.map((f) => f.path));
      for (const [i, f] of a.files.entries()) expect(b.files[i].data === f.data, `${spec}: ${f.path}`).toBe(true);
    }
  });

  it("pins tfjs to posec's own version and depends on posec's runtime package instead of copying it", async () => {
    const files = await emitProgram(GOLDEN);
    const manifest = JSON.parse(files.get("package.json")!);
    expect(manifest.type).toBe("module");
    // the runtime of the generating posec, packed beside the program by `posec build` (cli/pack.ts), not all of posec
    expect(manifest.dependencies).toEqual({ "@tensorflow/tfjs": pkg.dependencies["@tensorflow/tfjs"], "@posec/runtime": `file:posec-runtime-${pkg.version}.tgz` });
    expect(manifest.scripts).toEqual({ build: "tsc -p .", train: "node dist/train.js" });
    const tsconfig = JSON.parse(files.get("tsconfig.json")!);
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, module: "NodeNext", moduleResolution: "NodeNext" });
    const train = files.get("train.ts")!;
    expect(train).toMatch(/import \{[^}]*\btrain\b[^}]*\} from "@posec\/runtime";/);
    expect(train).toContain("buildModel: (_ir, weights) => buildModel(weights)");
    // the loss and the loop are the runtime's: no tfjs code in train.ts
    expect(train).not.toContain("@tensorflow/tfjs");
  });

  it("renames layers whose names are reserved words or model.ts's own (the layer keeps its name)", async () => {
    const model = (await emitProgram("test/tfjs-codegen/fixtures/every_op.posenet")).get("model.ts")!;
    expect(model).toContain('const apply_ = apply(\n    tf.layers.conv2d({ name: "apply",');
    expect(model).toContain('const weights_ = apply(tf.layers.add({ name: "weights" }), [tanh1, leakyrelu1]);');
    expect(model).toContain('const tf_ = apply(tf.layers.batchNormalization({ name: "tf",');
    expect(model).toContain('const delete_ = apply(tf.layers.maxPooling2d({ name: "delete", poolSize: 2, strides: 2 }), maxpool2);');
  });

  it("writes model.ts but no train.ts for a backbone without stages", async () => {
    const files = await emitProgram("test/tfjs-codegen/fixtures/every_op.posenet");
    expect([...files.keys()].sort()).toEqual(["README.md", "model.ir.json", "model.ts", "package.json", "tsconfig.json"]);
    expect(JSON.parse(files.get("tsconfig.json")!).files).toEqual(["model.ts"]);
    expect(JSON.parse(files.get("package.json")!).scripts).toEqual({ build: "tsc -p ." });
  });

  it("refuses convolutions tfjs has no layer for (grouped; strided and dilated), each at its spec line", async () => {
    const { files, diagnostics } = await emitTfjs(compileIr("test/tfjs-codegen/fixtures/grouped.posenet"));
    expect(files).toEqual([]);
    const file = "test/tfjs-codegen/fixtures/grouped.posenet";
    expect(diagnostics.map((d) => [d.code, d.severity, d.span.file, d.span.line, d.span.col])).toEqual([
      ["PN4101", "error", file, 9, 3],
      ["PN4101", "error", file, 11, 3],
    ]);
    expect(diagnostics[0].message).toBe("`split`: grouped convolution (groups=2, not depthwise) has no tfjs layer");
    // a dilated depthwise conv (line 10) is posec's own layer, PosecDilatedDepthwiseConv2D
    expect(diagnostics[1].message).toBe("`strided`: a convolution with both stride 2x2 and dilation 2x2 has no tfjs layer (tfjs needs one of them to be 1)");
  });

  it("the runtime's model builder refuses the same convolutions at their spec lines (no crash inside tfjs)", async () => {
    const { buildModel } = await import("../../runtime/model/build.js");
    const { initialWeights, modelParams } = await import("../../core/params/index.js");
    for (const [file, at, reason] of [
      ["test/tfjs-codegen/fixtures/grouped.posenet", "9:3: `split`", "grouped convolution (groups=2, not depthwise) has no tfjs layer"],
      ["test/tfjs-codegen/fixtures/strided_dilated.posenet", "8:3: `strided`", "a convolution with both stride 2x2 and dilation 2x2 has no tfjs layer"],
    ] as const) {
      const ir = compileIr(file);
      let error: unknown;
      try {
        buildModel(ir, initialWeights(modelParams(ir), 1));
      } catch (e) {
        error = e;
      }
      expect(error, file).toMatchObject({ code: "PN5101" });
      expect((error as Error).message).toContain(`${file}:${at}: ${reason}`);
    }
  });
});
