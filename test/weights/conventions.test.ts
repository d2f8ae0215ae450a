// The written naming conventions, row by row (runtime/weights/cmu-names.ts, map-torchvision.ts): the
// expected names are CMU's prototxt layer names and torchvision's state-dict keys, typed from those files.
import { describe, expect, it } from "vitest";
import { caffeNamesFor } from "../../runtime/weights/cmu-names.js";
import { torchvisionNode } from "../../runtime/weights/map-torchvision.js";

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
  const bottleneck = (n: string) => /^layer\d_bottleneck\d+_/.test(n);
  const basic = (n: string) => /^layer\d_basic\d+_/.test(n);
  it.each([
    ["conv1.weight", bottleneck, { node: "conv1", param: "weight" }],
    ["bn1.running_var", bottleneck, { node: "bn1", param: "running_var" }],
    ["fc.bias", bottleneck, { node: "fc", param: "bias" }],
    ["layer1.0.conv3.weight", bottleneck, { node: "layer1_bottleneck1_conv3", param: "weight" }],
    ["layer3.5.bn2.running_mean", bottleneck, { node: "layer3_bottleneck6_bn2", param: "running_mean" }],
    ["layer2.0.downsample.0.weight", bottleneck, { node: "layer2_bottleneck1_conv4", param: "weight" }],
    ["layer2.0.downsample.1.bias", bottleneck, { node: "layer2_bottleneck1_bn4", param: "bias" }],
    ["layer2.0.downsample.0.weight", basic, { node: "layer2_basic1_conv3", param: "weight" }],
    ["layer4.1.bn2.weight", basic, { node: "layer4_basic2_bn2", param: "weight" }],
    ["layer1.2.se_module.fc1.weight", bottleneck, { node: "layer1_bottleneck3_se1_conv1", param: "weight" }],
    ["layer1.2.se.fc2.bias", bottleneck, { node: "layer1_bottleneck3_se1_conv2", param: "bias" }],
    ["layer1.2.se.conv_reduce.weight", bottleneck, { node: "layer1_bottleneck3_se1_conv1", param: "weight" }],
    ["layer1.2.se_module.fc.2.weight", bottleneck, { node: "layer1_bottleneck3_se1_conv2", param: "weight" }],
    ["features.0.weight", bottleneck, { node: "conv1_1", param: "weight" }],
    ["features.34.bias", bottleneck, { node: "conv5_4", param: "bias" }],
    ["classifier.0.weight", bottleneck, { node: "fc6", param: "weight" }],
    ["classifier.6.bias", bottleneck, { node: "fc8", param: "bias" }],
  ] as const)("%s", (key, has, expected) => {
    expect(torchvisionNode(key, (n) => has(n))).toEqual(expected);
  });

  it.each(["features.1.weight", "classifier.1.weight", "layer1.0.se_module.fc3.weight", "head.weight"])("%s has no row", (key) => {
    expect(torchvisionNode(key, () => true)).toBeNull();
  });
});
