// A PyTorch state dict -> the spec's layers, by key. Keys are module paths of posec's generated model.py
// (core/torch-names.ts: a node's scopes' labels and its own, `layer1_0_conv1` -> `layer1.0.conv1`). The
// standard library labels its ResNets with torchvision's module names, so a torchvision ResNet's keys are
// these paths as they are (conv1, bn1, layer<L>.<k>.conv<j> / bn<j>, layer<L>.<k>.downsample.0 / .1, fc).
// Written conventions for what the paths cannot say:
//
//    state-dict key                                         model.py module path
//    layer<L>.<k>.{se_module|se}.{fc1|conv_reduce|fc.0}.*   layer<L>.<k>.se_module.fc1   (SE-ResNet ports)
//    layer<L>.<k>.{se_module|se}.{fc2|conv_expand|fc.2}.*   layer<L>.<k>.se_module.fc2
//    features.<i>.* (torchvision's VGG-19)                  conv1_1 ... conv5_4, by torchvision's index table below
//    classifier.0 / .3 / .6 (VGG-19)                        fc6 / fc7 / fc8   (fc6 read in C, H, W flatten order)
//
// (models/std/vgg.posenet keeps Caffe's names, which CMU-Pose's caffemodels need.) param: weight -> kernel
// (conv, dense) or gamma (bn); bias -> bias or beta; running_mean -> moving_mean; running_var ->
// moving_variance. `num_batches_tracked` counters are not weights.
// A DataParallel `module.` prefix on every key is dropped. An SE layer whose shape differs from the
// file's (another reduction ratio, e.g. R=8 in the spec and R=16 in the file) is initialised fresh and
// reported, not an error: that is the one difference the SE-ResNet recipes expect.
import { torchKeys, torchPaths } from "../../core/torch-names.js";
import type { Ir, IrNode } from "../../core/ir/types.js";
import { inferShapes } from "../../core/shapes.js";
import { modelParams } from "../../core/params/index.js";
import type { TorchTensor } from "../checkpoint/torch.js";
import { convFromOIHW, denseFromOutIn, vector } from "./layouts.js";
import type { NodeSource, Role, SourceMatch, SourceTensor } from "./map.js";

/** torchvision's vgg19().features indices of the 16 convolutions (configuration E), in Caffe's names */
const VGG19_FEATURES: Record<number, string> = {
  0: "conv1_1", 2: "conv1_2", 5: "conv2_1", 7: "conv2_2", 10: "conv3_1", 12: "conv3_2", 14: "conv3_3", 16: "conv3_4",
  19: "conv4_1", 21: "conv4_2", 23: "conv4_3", 25: "conv4_4", 28: "conv5_1", 30: "conv5_2", 32: "conv5_3", 34: "conv5_4",
};
const VGG_CLASSIFIER: Record<number, string> = { 0: "fc6", 3: "fc7", 6: "fc8" };
const SE_FIRST = new Set(["fc1", "conv_reduce", "fc.0"]);
const SE_SECOND = new Set(["fc2", "conv_expand", "fc.2"]);

/** The model.py module path and torch parameter name of a key the written conventions rename, else null. */
export function torchvisionNode(key: string): { path: string; param: string } | null {
  let m = key.match(/^(.+)\.(?:se_module|se)\.(fc\.\d|\w+)\.(weight|bias)$/);
  if (m && (SE_FIRST.has(m[2]) || SE_SECOND.has(m[2]))) return { path: `${m[1]}.se_module.${SE_FIRST.has(m[2]) ? "fc1" : "fc2"}`, param: m[3] };
  m = key.match(/^features\.(\d+)\.(weight|bias)$/);
  if (m && VGG19_FEATURES[Number(m[1])]) return { path: VGG19_FEATURES[Number(m[1])], param: m[2] };
  m = key.match(/^classifier\.(\d+)\.(weight|bias)$/);
  if (m && VGG_CLASSIFIER[Number(m[1])]) return { path: VGG_CLASSIFIER[Number(m[1])], param: m[2] };
  return null;
}

function roleOf(op: IrNode["op"], param: string): Role | null {
  if (param === "running_mean") return "moving_mean";
  if (param === "running_var") return "moving_variance";
  if (param === "weight") return op === "bn" ? "gamma" : op === "prelu" ? "alpha" : "kernel";
  if (param === "bias") return op === "bn" ? "beta" : "bias";
  return null;
}

function tensorFor(n: IrNode, key: string, t: TorchTensor, input: [number, number, number] | undefined, role: Role): SourceTensor {
  if (role !== "kernel") return vector(key, t.shape, t.data);
  if (n.op === "dense") return denseFromOutIn(key, t.shape, t.data, input ?? [1, 1, t.shape[1] ?? 1]);
  // SE ports written with nn.Linear store a 1x1 convolution as (out, in)
  return convFromOIHW(key, t.shape.length === 2 ? [...t.shape, 1, 1] : t.shape, t.data);
}

export function matchTorch(stateDict: Map<string, TorchTensor>, ir: Ir): SourceMatch {
  const keys = [...stateDict.keys()];
  const strip = keys.length > 0 && keys.every((k) => k.startsWith("module.")) ? "module.".length : 0;
  const torchKey = torchKeys(ir);
  const byPath = new Map([...torchPaths(ir)].map(([node, path]) => [path, node]));
  const nodes = new Map(ir.nodes.map((n) => [n.name, n]));
  const generated = new Map(modelParams(ir).map((p) => [torchKey(p.name), p]));
  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report?.shapes;
  const specShape = new Map(modelParams(ir).map((p) => [p.name, p.shape]));
  const out = new Map<string, NodeSource>();
  const ignored: SourceMatch["ignored"] = [];
  let counters = 0;
  let usedTorchvision = 0;
  for (const [rawKey, t] of stateDict) {
    const key = rawKey.slice(strip);
    if (key.endsWith("num_batches_tracked")) {
      counters++;
      continue;
    }
    const gen = generated.get(key);
    const renamed = gen ? null : torchvisionNode(key);
    const target = gen ? { node: gen.node, param: key.slice(key.lastIndexOf(".") + 1) } : renamed && { node: byPath.get(renamed.path) ?? renamed.path, param: renamed.param };
    if (renamed) usedTorchvision++;
    const node = target && nodes.get(target.node);
    const role = node && roleOf(node.op, target.param);
    if (!node || !role) {
      const why = !target ? "no layer of the spec by the torchvision or posec naming convention" : node ? `\`${target.node}\` has no ${target.param}` : `the spec has no layer \`${target.node}\``;
      ignored.push({ key: rawKey, shape: t.shape, reason: why });
      continue;
    }
    const entry = out.get(node.name) ?? { from: key.slice(0, key.lastIndexOf(".")), tensors: {} };
    const tensor = tensorFor(node, rawKey, t, shapes?.[node.inputs[0]], role);
    entry.tensors[role] = tensor;
    // another SE reduction ratio than the file's: the SE layer starts fresh
    const want = specShape.get(`${node.name}/${role}`);
    if (ir.scopes[node.scope]?.block === "se" && want && tensor.posecShape && want.join() !== tensor.posecShape.join()) {
      entry.fresh = `the file's SE layer \`${entry.from}\` is ${tensor.posecShape.join("x")} (another reduction ratio), the spec's is ${want.join("x")}: initialised fresh`;
    }
    out.set(node.name, entry);
  }
  const notes = counters ? [`${counters} BatchNorm num_batches_tracked counters skipped (bookkeeping, not weights)`] : [];
  // the standard ResNets' torchvision keys are posec's generated model.py paths: one naming
  const format = usedTorchvision > 0 ? "PyTorch state dict (torchvision naming)" : "PyTorch state dict (model.py / torchvision module paths)";
  return { format, nodes: out, ignored, notes };
}
