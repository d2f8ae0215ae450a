// A PyTorch state dict -> the spec's layers, by key. Two written conventions, tried per key:
//
// 1. posec's own generated program (`posec build --target pytorch`): `<layer>.<param>` with the layer's
//    IR name (core/torch-names.ts, torchKey).
// 2. torchvision's classifiers onto the standard library's blocks (models/std/resnet.posenet, vgg.posenet):
//
//    torchvision key                              spec layer (IR node)
//    conv1.* / bn1.* / fc.*                       conv1 / bn1 / fc
//    layer<L>.<k>.conv<j>.* / .bn<j>.*            layer<L>_<block><k+1>_conv<j> / _bn<j>   block: bottleneck | basic
//    layer<L>.<k>.downsample.0.* / .1.*           layer<L>_<block><k+1>_conv<m> / _bn<m>   m = 4 (bottleneck), 3 (basic)
//    layer<L>.<k>.{se_module|se}.{fc1|conv_reduce|fc.0}.*   layer<L>_<block><k+1>_se1_conv1   (SE-ResNet ports)
//    layer<L>.<k>.{se_module|se}.{fc2|conv_expand|fc.2}.*   layer<L>_<block><k+1>_se1_conv2
//    features.<i>.* (VGG-19)                      conv1_1 ... conv5_4, by torchvision's index table below
//    classifier.0 / .3 / .6 (VGG-19)              fc6 / fc7 / fc8   (fc6 read in C, H, W flatten order)
//
//    param: weight -> kernel (conv, dense) or gamma (bn); bias -> bias or beta; running_mean ->
//    moving_mean; running_var -> moving_variance. `num_batches_tracked` counters are not weights.
// A DataParallel `module.` prefix on every key is dropped. An SE layer whose shape differs from the
// file's (another reduction ratio, e.g. R=8 in the spec and R=16 in the file) is initialised fresh and
// reported, not an error: that is the one difference the SE-ResNet recipes expect.
import { torchKey } from "../../core/torch-names.js";
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

/** The spec layer and torch parameter name of a torchvision key, or null when the convention has none. */
export function torchvisionNode(key: string, has: (node: string) => boolean): { node: string; param: string } | null {
  const block = (l: string, k: string) => ["bottleneck", "basic"].map((b) => `layer${l}_${b}${Number(k) + 1}`).find((p) => has(`${p}_conv1`)) ?? `layer${l}_bottleneck${Number(k) + 1}`;
  let m = key.match(/^(conv1|bn1|fc)\.(\w+)$/);
  if (m) return { node: m[1], param: m[2] };
  m = key.match(/^layer(\d+)\.(\d+)\.(conv|bn)(\d+)\.(\w+)$/);
  if (m) return { node: `${block(m[1], m[2])}_${m[3]}${m[4]}`, param: m[5] };
  m = key.match(/^layer(\d+)\.(\d+)\.downsample\.([01])\.(\w+)$/);
  if (m) {
    const b = block(m[1], m[2]);
    const index = b.includes("_basic") ? 3 : 4;
    return { node: `${b}_${m[3] === "0" ? "conv" : "bn"}${index}`, param: m[4] };
  }
  m = key.match(/^layer(\d+)\.(\d+)\.(?:se_module|se)\.(fc\.\d|\w+)\.(weight|bias)$/);
  if (m && (SE_FIRST.has(m[3]) || SE_SECOND.has(m[3]))) return { node: `${block(m[1], m[2])}_se1_conv${SE_FIRST.has(m[3]) ? 1 : 2}`, param: m[4] };
  m = key.match(/^features\.(\d+)\.(weight|bias)$/);
  if (m && VGG19_FEATURES[Number(m[1])]) return { node: VGG19_FEATURES[Number(m[1])], param: m[2] };
  m = key.match(/^classifier\.(\d+)\.(weight|bias)$/);
  if (m && VGG_CLASSIFIER[Number(m[1])]) return { node: VGG_CLASSIFIER[Number(m[1])], param: m[2] };
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
    const target = gen ? { node: gen.node, param: key.slice(key.lastIndexOf(".") + 1) } : torchvisionNode(key, (n) => nodes.has(n));
    if (!gen && target) usedTorchvision++;
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
    if (/_se\d+_conv\d+$/.test(node.name) && want && tensor.posecShape && want.join() !== tensor.posecShape.join()) {
      entry.fresh = `the file's SE layer \`${entry.from}\` is ${tensor.posecShape.join("x")} (another reduction ratio), the spec's is ${want.join("x")}: initialised fresh`;
    }
    out.set(node.name, entry);
  }
  const notes = counters ? [`${counters} BatchNorm num_batches_tracked counters skipped (bookkeeping, not weights)`] : [];
  // torchvision's stem and classifier keys (conv1, bn1, fc) coincide with posec's generated names
  const format = usedTorchvision > 0 ? "PyTorch state dict (torchvision naming)" : "PyTorch state dict (posec's generated naming)";
  return { format, nodes: out, ignored, notes };
}
