// The zoo reproduces published numbers exactly (shared/reference/README.md: CMU's prototxt, torchvision
// and the SENet definitions, each counted two ways there). These numbers are typed here from that
// reference, not produced by posec.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { inferShapes } from "../../core/shapes.js";
import { compileFile, REPO, ZOO } from "../helpers.js";

function costs(path: string) {
  const r = compileFile(path);
  expect(r.diagnostics).toEqual([]);
  return { ir: r.ir!, report: r.report! };
}

describe("CMU-Pose VGG-19 baseline (pose_deploy_linevec.prototxt)", () => {
  const { ir, report } = costs("models/cmu_pose_vgg19.posenet");
  it("has 52,311,446 trainable parameters and no others", () => {
    expect(report.totals.params).toBe(52_311_446);
    expect(report.totals.nonTrainable).toBe(0);
  });
  it("splits them as the reference does", () => {
    expect(report.parts.backbone.params).toBe(5_865_536);
    expect(report.parts.adapter.params).toBe(1_474_944);
    expect(report.parts.backbone.params + report.parts.adapter.params).toBe(7_340_480);
    expect(report.parts.stage1.params).toBe(1_046_841);
    expect(report.parts["stage1.paf"].params).toBe(528_294);
    expect(report.parts["stage1.heatmap"].params).toBe(518_547);
    for (let t = 2; t <= 6; t++) {
      expect(report.parts[`stage${t}`].params).toBe(8_784_825);
      expect(report.parts[`stage${t}.paf`].params).toBe(4_393_638);
      expect(report.parts[`stage${t}.heatmap`].params).toBe(4_391_187);
    }
  });
  it("has 135,934,006,784 multiply-accumulates", () => {
    expect(report.totals.macs).toBe(135_934_006_784);
    expect(report.parts.backbone.macs + report.parts.adapter.macs).toBe(40_796_209_152);
    expect(report.parts.stage1.macs).toBe(2_211_203_072);
    for (let t = 2; t <= 6; t++) expect(report.parts[`stage${t}`].macs).toBe(18_585_318_912);
  });
  it("has 92 convolutions, 80 of them followed by ReLU, and 3 ceil-mode max-pools", () => {
    const convs = ir.nodes.filter((n) => n.op === "conv");
    expect(convs.length).toBe(92);
    expect(ir.nodes.filter((n) => n.op === "relu").length).toBe(80);
    expect(ir.nodes.filter((n) => n.op === "maxpool" && n.attrs.ceil).length).toBe(3);
    expect(convs.every((n) => n.op === "conv" && n.attrs.bias)).toBe(true);
  });
  it("outputs PAFs 46x46x38 and heatmaps 46x46x19, and 46x82 at 368x656", () => {
    expect(report.outputs).toEqual({ pafs: [46, 46, 38], heatmaps: [46, 46, 19] });
    const wide = inferShapes(ir, 368, 656);
    expect(wide.diagnostics).toEqual([]);
    expect(wide.report!.outputs).toEqual({ pafs: [46, 82, 38], heatmaps: [46, 82, 19] });
  });
  it("feeds 185 channels (PAF 38 + heatmaps 19 + features 128) to stages 2-6", () => {
    for (let t = 2; t <= 6; t++) expect(report.shapes[`stage${t}_concat`]).toEqual([46, 46, 185]);
  });
});

describe("SE-ResNet variants (SENet definitions, torchvision ResNet-50)", () => {
  it("SE-ResNet-50 R=8 cut after layer2 has 1,759,392 parameters and a 46x46x512 output", () => {
    const { report, ir } = costs("models/se_resnet_cmupose.posenet");
    expect(report.parts.backbone.params).toBe(1_759_392);
    const lastBackbone = [...ir.nodes].reverse().find((n) => n.part === "backbone")!;
    expect(report.shapes[lastBackbone.name]).toEqual([46, 46, 512]);
  });
  it("the patent model totals 48,205,302 and mines hard joints at stages 5 and 6", () => {
    const { report, ir } = costs("models/se_resnet_okhm_cmupose.posenet");
    expect(report.totals.params).toBe(48_205_302);
    expect(ir.loss!.hardjoint).toMatchObject({ topk: 8, stages: [5, 6], background: "exclude" });
  });
  it("ResNet-50 without SE cut after layer2 / layer3 has 1,444,928 / 8,543,296 parameters", () => {
    // The backbone part alone, via the reference classifiers cut at other points.
    for (const [until, params, shape] of [["layer2", 1_444_928, [46, 46, 512]], ["layer3", 8_543_296, [23, 23, 1024]]] as const) {
      const r = compileFromText(`posenet 1\nmodel cut\ninput image 368x368x3\nbackbone resnet50 until ${until}\n`);
      expect(r.report!.totals.params).toBe(params);
      expect(r.report!.outputs.features).toEqual(shape);
    }
    const se = compileFromText(`posenet 1\nmodel cut\ninput image 368x368x3\nbackbone resnet50 se=8 until layer3\n`);
    expect(se.report!.totals.params).toBe(10_437_536);
  });
  it.each([
    ["models/reference/resnet50.posenet", 25_557_032],
    ["models/reference/se_resnet50_r16.posenet", 28_088_024],
    ["models/reference/se_resnet50_r8.posenet", 30_603_912],
    ["models/reference/resnet18.posenet", 11_689_512],
    ["models/reference/resnet34.posenet", 21_797_672],
    ["models/reference/resnet101.posenet", 44_549_160],
    ["models/reference/vgg19.posenet", 143_667_240],
  ])("the full ImageNet classifier %s has %i parameters", (path, params) => {
    const { report } = costs(path);
    expect(report.totals.params).toBe(params);
    expect(report.outputs.features).toEqual([1, 1, 1000]);
  });
});

// Lightweight OpenPose: the authors' PyTorch model (models/with_mobilenet.py, one refinement stage),
// counted by hand from its layer list: 23 + 8 + 7 + 19 convolutions; BN weights and biases trainable.
describe("Lightweight OpenPose (Osokin 2018)", () => {
  const { ir, report } = costs("models/lightweight_openpose.posenet");
  it("has 57 convolutions and 4,091,698 trainable parameters", () => {
    expect(ir.nodes.filter((n) => n.op === "conv").length).toBe(57);
    expect(report.totals.params).toBe(4_091_698);
    // the MobileNet front (1,613,120) and the CPM adapter (265,856), both in `backbone` here
    expect(report.parts.backbone.params).toBe(1_613_120 + 265_856);
  });
  it("maps a 256x456 input to 32x57 heatmaps (19) and PAFs (38), the refinement stage reading features, heatmaps, PAFs", () => {
    expect(report.outputs).toEqual({ pafs: [32, 57, 38], heatmaps: [32, 57, 19] });
    const cat = ir.nodes.find((n) => n.name === "stage2_concat")!;
    expect(ir.stages!.features).toBe("cpm_conv_0_relu");
    expect(cat.inputs).toEqual([ir.stages!.features, ir.stages!.outputs[0].heatmaps, ir.stages!.outputs[0].pafs]);
    expect(ir.nodes.filter((n) => n.op === "elu").length).toBe(6);
    expect(ir.nodes.filter((n) => n.op === "conv" && n.attrs.dilation[0] === 2 && n.attrs.groups === 512).length).toBe(1);
  });
});

// What each stage produces, as CMU's prototxts wire them (the prototxt test checks the layers themselves).
describe("stage outputs of the OpenPose zoo", () => {
  it("BODY_25: four PAF-only stages, then two heatmap-only stages; the heatmap stages read the last PAFs", () => {
    const { ir } = costs("models/openpose_body25.posenet");
    expect(ir.stages!.outputs.map((o) => [o.pafs !== null, o.heatmaps !== null])).toEqual([
      [true, false], [true, false], [true, false], [true, false], [false, true], [false, true],
    ]);
    expect(ir.outputs).toEqual({ pafs: "Mconv7_stage3_L2", heatmaps: "Mconv7_stage1_L1" });
    expect(ir.nodes.find((n) => n.name === "concat_stage1_L1")!.inputs).toEqual(["conv4_4_CPM_prelu", "Mconv7_stage0_L1", "Mconv7_stage3_L2"]);
    expect(ir.nodes.find((n) => n.name === "Mconv1_stage0_L2_concat")!.inputs).toEqual(["Mconv1_stage0_L2_0_prelu", "Mconv1_stage0_L2_1_prelu", "Mconv1_stage0_L2_2_prelu"]);
  });
  it.each([
    ["models/openpose_hand.posenet", 22],
    ["models/openpose_face.posenet", 71],
  ])("%s: six heatmap-only stages with %i channels and no PAF output", (path, channels) => {
    const { ir, report } = costs(path);
    expect(ir.stages!.outputs.every((o) => o.pafs === null && o.heatmaps !== null)).toBe(true);
    expect(report.outputs).toEqual({ heatmaps: [46, 46, channels] });
  });
});

describe("every zoo model compiles cleanly", () => {
  it.each(ZOO)("%s", (path) => {
    const { ir } = costs(path);
    expect(ir.stages).not.toBeNull();
  });
});

function compileFromText(text: string) {
  const r = compile("mem.posenet", { read: (p) => (p === "mem.posenet" ? text : p.startsWith("std/") ? readFileSync(`${REPO}/models/${p}`, "utf8") : undefined) });
  expect(r.diagnostics).toEqual([]);
  return r;
}
