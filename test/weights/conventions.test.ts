// The written naming conventions, row by row (runtime/weights/cmu-names.ts, map-torchvision.ts,
// core/torch-names.ts): the expected names are CMU's prototxt layer names and torchvision's state-dict keys,
// typed from those files.
import { describe, expect, it } from "vitest";
import { caffeNamesFor } from "../../runtime/weights/cmu-names.js";
import { torchPaths } from "../../core/torch-names.js";
import { torchvisionNode } from "../../runtime/weights/map-torchvision.js";
import { compileIr } from "../helpers.js";

describe("CMU's Caffe layer names", () => {
  it.each([
    ["conv4_2", ["conv4_2"]],
    ["adapter_conv4_3_CPM", ["adapter_conv4_3_CPM", "conv4_3_CPM"]],
    ["stage1_paf_conv5", ["stage1_paf_conv5", "conv5_5_CPM_L1"]],
    ["stage1_heatmap_conv1", ["stage1_heatmap_conv1", "conv5_1_CPM_L2"]],
    ["stage2_paf_conv7", ["stage2_paf_conv7", "Mconv7_stage2_L1"]],
    ["stage6_heatmap_conv3", ["stage6_heatmap_conv3", "Mconv3_stage6_L2"]],
    ["conv4_2_prelu", ["conv4_2_prelu", "prelu4_2"]],
    ["Mconv1_stage0_L2_0_prelu", ["Mconv1_stage0_L2_0_prelu", "Mprelu1_stage0_L2_0"]],
  ])("%s -> %j", (node, names) => {
    expect(caffeNamesFor(node)).toEqual(names);
  });
});

describe("torchvision keys", () => {
  // the standard ResNets' layers sit at torchvision's module paths (core/torch-names.ts, torchPaths)
  it("resnet50 and resnet18: torchvision's keys are the model.py module paths of the standard library's layers", () => {
    const r50 = torchPaths(compileIr("models/reference/resnet50.posenet"));
    expect(r50.get("conv1")).toBe("conv1");
    expect(r50.get("bn1")).toBe("bn1");
    expect(r50.get("fc")).toBe("fc");
    expect(r50.get("layer1_0_conv3")).toBe("layer1.0.conv3");
    expect(r50.get("layer3_5_bn2")).toBe("layer3.5.bn2");
    expect(r50.get("layer2_0_downsample_0")).toBe("layer2.0.downsample.0");
    expect(r50.get("layer2_0_downsample_1")).toBe("layer2.0.downsample.1");
    const r18 = torchPaths(compileIr("models/reference/resnet18.posenet"));
    expect(r18.get("layer2_0_downsample_0")).toBe("layer2.0.downsample.0");
    expect(r18.get("layer4_1_bn2")).toBe("layer4.1.bn2");
    expect(torchPaths(compileIr("models/reference/se_resnet50_r16.posenet")).get("layer1_2_se_module_fc1")).toBe("layer1.2.se_module.fc1");
  });

  it.each([
    ["layer1.2.se_module.fc1.weight", { path: "layer1.2.se_module.fc1", param: "weight" }],
    ["layer1.2.se.fc2.bias", { path: "layer1.2.se_module.fc2", param: "bias" }],
    ["layer1.2.se.conv_reduce.weight", { path: "layer1.2.se_module.fc1", param: "weight" }],
    ["layer1.2.se_module.fc.2.weight", { path: "layer1.2.se_module.fc2", param: "weight" }],
    ["features.0.weight", { path: "conv1_1", param: "weight" }],
    ["features.34.bias", { path: "conv5_4", param: "bias" }],
    ["classifier.0.weight", { path: "fc6", param: "weight" }],
    ["classifier.6.bias", { path: "fc8", param: "bias" }],
  ] as const)("%s", (key, expected) => {
    expect(torchvisionNode(key)).toEqual(expected);
  });

  it.each(["features.1.weight", "classifier.1.weight", "layer1.0.se_module.fc3.weight", "head.weight", "layer1.0.conv1.weight"])("%s has no row", (key) => {
    expect(torchvisionNode(key)).toBeNull();
  });
});
