// model.ts keeps the spec's structure: one function per block (per variant of a block whose tfjs code
// differs between calls), loops where the spec repeats, and a buildModel that reads like the network.
// The expected functions, signatures and lines below are written out by hand from the specs
// (models/cmu_pose_vgg19.posenet, models/se_resnet_cmupose.posenet, models/std/*.posenet); that the
// functions build exactly the runtime's network (layer names, weights, outputs) is program.test.ts's
// parity check, and that every zoo program type-checks is its first test.
import { describe, expect, it } from "vitest";
import { emitProgram } from "./helpers.js";

const functionsOf = (text: string) => [...text.matchAll(/^(?:export )?function (\w+)\(/gm)].map((m) => m[1]);
const lineCount = (text: string) => text.split("\n").length - 1;

describe("model.ts keeps the spec's blocks", () => {
  it("CMU-Pose: VGG-19, the adapter, a function per stage group and one per branch definition, stages in order", async () => {
    const model = (await emitProgram("models/cmu_pose_vgg19.posenet")).get("model.ts")!;
    // `first` and `refine` are CMU's two stage groups, each with its `each branch { ... }`
    expect(functionsOf(model)).toEqual(["apply", "vgg19", "adapter", "first_stage", "first_branch", "refine_stage", "refine_branch", "buildModel"]);
    // one function for both branches of a stage: PAFs (38 channels) and heatmaps (19) differ in `out` only
    expect(model).toContain("function refine_branch(x: tf.SymbolicTensor, name: string, out: number): tf.SymbolicTensor {");
    expect(model).toContain("const paf = refine_branch(stage_concat, `stage${i}_paf`, 38);");
    expect(model).toContain("const heatmap = refine_branch(stage_concat, `stage${i}_heatmap`, 19);");
    // `conv 7x7 128 relu x5` is a loop; the layer names stay the IR's (stage3_paf_conv2, stage3_paf_conv2_relu)
    expect(model).toContain("for (let k = 1; k <= 5; k++) {");
    expect(model).toContain('tf.layers.conv2d({ name: `${name}_conv${k}`, filters: 128, kernelSize: 7, padding: "same", ...ZEROS })');
    expect(model).toContain("conv_relu = apply(tf.layers.reLU({ name: `${name}_conv${k}_relu` }), conv);");
    // the stage number builds the concat's name and the branches' names
    expect(model).toContain("const stage_concat = apply(tf.layers.concatenate({ name: `stage${i}_concat` }), [stage_paf, stage_heatmap, features]);");
    // buildModel: the network in order, one line per stage
    const build = model.slice(model.indexOf("export function buildModel"));
    expect(build).toContain("const backbone = vgg19(image);");
    expect(build).toContain("const features = adapter(backbone);");
    expect(build).toContain("const [stage1_paf, stage1_heatmap] = first_stage(features);");
    for (let s = 2; s <= 6; s++) expect(build).toContain(`const [stage${s}_paf, stage${s}_heatmap] = refine_stage(stage${s - 1}_paf, stage${s - 1}_heatmap, features, ${s});`);
    expect(build.match(/^ {2}const /gm)).toHaveLength(10); // image, backbone, features, 6 stages, model
    // 640 lines with one statement per IR node (measured before this change)
    expect(lineCount(model)).toBeLessThanOrEqual(230);
  });

  it("SE-ResNet-OKHM-CMU-Pose: resnet, its layers, bottleneck and se as functions; arguments from the blocks' parameters", async () => {
    const model = (await emitProgram("models/se_resnet_okhm_cmupose.posenet")).get("model.ts")!;
    // bottleneck has three forms in tfjs code: layer1's first unit (projection shortcut), layer2's first
    // (strided: explicit padding, stride 2), the other units (identity shortcut)
    expect(functionsOf(model)).toEqual([
      "apply", "resnet", "layer", "bottleneck", "se", "downsample", "bottleneck_2", "layer_2", "bottleneck_3", "downsample_2",
      "adapter", "first_stage", "first_branch", "refine_stage", "refine_branch", "buildModel",
    ]);
    // se ratio 8 (models/se_resnet_cmupose.posenet): the squeeze is channels / 8
    expect(model).toContain("function se(x: tf.SymbolicTensor, name: string, channels: number): tf.SymbolicTensor {");
    expect(model).toContain("tf.layers.conv2d({ name: `${name}_fc1`, filters: channels / 8, kernelSize: 1, ...ZEROS })");
    // the identity units: `width` from bottleneck's parameter, names from the instance (layer2_1 .. layer2_3)
    expect(model).toContain("function bottleneck_2(x: tf.SymbolicTensor, name: string, width: number, channels: number): tf.SymbolicTensor {");
    expect(model).toContain("for (let k = 1; k <= 2; k++) out = bottleneck_2(out, `layer1_${k}`, 64, 256);");
    expect(model).toContain("for (let k = 1; k <= 3; k++) out = bottleneck_2(out, `layer2_${k}`, 128, 512);");
    expect(model).toContain("const se_module = se(bn3, `${name}_se_module`, channels);");
    const resnet = model.slice(model.indexOf("function resnet("), model.indexOf("function layer("));
    expect(resnet).toContain("const layer1 = layer(maxpool);");
    expect(resnet).toContain("const layer2 = layer_2(layer1);");
    expect(model).toContain("const backbone = resnet(image);");
    // 1,111 lines with one statement per IR node (measured before this change)
    expect(lineCount(model)).toBeLessThanOrEqual(330);
  });
});
