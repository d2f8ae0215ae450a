// The stage-graph language (groups, loops, lists, block parameters, `chain`) and the standard library
// rewritten with it must leave every existing spec's network unchanged. The fingerprints below were
// taken from the IR the compiler produced before that work (commit b13de57): a SHA-256 of each spec's
// structure (tensors, and per node its name, op, part, inputs and attributes; the outputs and stages)
// without source spans, which move when the library is edited.
// Since then the standard library's ResNets are labelled with torchvision's module names (issue 13: model.py's
// module paths are torchvision's keys): `layer1_bottleneck1_conv1` is `layer1_0_conv1`, the projection shortcut
// `..._conv4`/`_bn4` (`_conv3`/`_bn3` in a basic block) is `..._downsample_0`/`_1`, SE's `..._se1_conv1` is
// `..._se_module_fc1`. The fingerprints are taken with those names mapped back (`legacyName`): a network that
// equals the old one up to that renaming still matches, anything else does not.
// The IR's block scopes (ir.scopes, node.scope/label) are new and not part of the fingerprint.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Ir } from "../../core/ir/types.js";
import { compileIr } from "../helpers.js";

/** The name a std ResNet layer had before the torchvision relabelling (other names are unchanged). */
function legacyNames(ir: Ir): (name: string) => string {
  const unit = ir.nodes.some((n) => /^layer\d+_\d+_conv3$/.test(n.name)) ? "bottleneck" : "basic";
  const shortcut = unit === "bottleneck" ? 4 : 3;
  return (name) => {
    const m = /^(layer\d+)_(\d+)_(.*)$/.exec(name);
    if (!m || !ir.nodes.some((n) => n.name === `${m[1]}_0_conv1`)) return name;
    const rest = m[3]
      .replace(/^downsample_0$/, `conv${shortcut}`)
      .replace(/^downsample_1$/, `bn${shortcut}`)
      .replace(/^se_module_(fc\d)(_\w+)?$/, (_, fc: string, act = "") => `se1_conv${fc.slice(2)}${act}`)
      .replace(/^se_module_/, "se1_");
    return `${m[1]}_${unit}${Number(m[2]) + 1}_${rest}`;
  };
}

function fingerprint(ir: Ir): string {
  const old = legacyNames(ir);
  ir = {
    ...ir,
    outputs: Object.fromEntries(Object.entries(ir.outputs).map(([k, t]) => [k, old(t)])),
    tensors: ir.tensors.map((t) => ({ ...t, name: old(t.name), producer: t.producer && old(t.producer) })),
    nodes: ir.nodes.map((n) => ({ ...n, name: old(n.name), inputs: n.inputs.map(old) })),
  };
  const lines = [
    `outputs ${JSON.stringify(ir.outputs)}`,
    `stages ${JSON.stringify(ir.stages && { ...ir.stages, span: undefined })}`,
    `input ${JSON.stringify({ ...ir.input, span: undefined })}`,
    ...ir.tensors.map((t) => `tensor ${t.name} ${t.channels} ${t.producer}`),
    ...ir.nodes.map((n) => `node ${n.name} ${n.op} ${n.part} [${n.inputs.join(",")}] ${JSON.stringify(n.attrs)}`),
  ];
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

const BEFORE: Record<string, string> = {
  "models/cmu_pose_vgg19.posenet": "103dd7a5b2a6227c4033ba50f33b7243810e64332da8788f01a73a791960ee42",
  "models/reference/resnet101.posenet": "8b93dd33c05907b554a06449aea435964b3b79f99c5dc63b2c0d4ec5059b8cc6",
  "models/reference/resnet18.posenet": "8b9c9a4e543cfc1433a35310a8072927001e21370b8ca912d6d5930150343eaf",
  "models/reference/resnet34.posenet": "30efb40961f7533d72e1918997d9b770cbbc3cbcf1f61bb06081f5d9eb5d4078",
  "models/reference/resnet50.posenet": "27ad1956d7af20eece89af1ce2c3037ebc14048ff2abbe38aa417083b83539d5",
  "models/reference/se_resnet50_r16.posenet": "a6dd9b64576baca23167abf087ef40e08586f94a23d96c6db943153ddfd7c080",
  "models/reference/se_resnet50_r8.posenet": "f737736701ba0d7d554a6f643ed723d383363a8d4eba8365211cde08b8cc36b0",
  "models/reference/vgg19.posenet": "93a4e5a109ed19f3f254dd45127f39288f00b142cd80ba9e67dbe2a413dd130b",
  "models/se_resnet_cmupose.posenet": "8a824e3506b657e0b73f17751fc8cd805df063faea78572d9768568fe226bd6c",
  "models/se_resnet_okhm_cmupose.posenet": "8a824e3506b657e0b73f17751fc8cd805df063faea78572d9768568fe226bd6c",
  "models/small_resnet18_cmupose.posenet": "c3eeb043b11c2d5704e885b91c683568ca203f5834cf37f0a1bb115301fe8a95",
  "test/fixtures/valid/custom_blocks.posenet": "f939e40f1c927744ac1394587f59df221e7ce923088242525b925d32d0c24a68",
  "test/fixtures/valid/formatting_stress.posenet": "1fd51ef38eaa56e3b5b0786a74fb10f86309b16286e8bb611f38a4eb0911c6bc",
  "test/fixtures/valid/hand_inline_keypoints.posenet": "035763e2999b330506683d2faf893986c95878488fa86635adc2bc269e77f000",
  "test/fixtures/valid/upsampled_layer3.posenet": "0d427f67989dd6aa8b8dbab9b830c7d774594f3143bd95440aba56b507fdbcd8",
};

describe("existing specs compile to the same networks as before the stage-graph language", () => {
  for (const [spec, hash] of Object.entries(BEFORE)) {
    it(spec, () => expect(fingerprint(compileIr(spec))).toBe(hash));
  }
});
