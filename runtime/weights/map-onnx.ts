// An ONNX model's initializers -> the spec's layers. The role of an initializer and its layout come from
// the node that reads it (onnx.ts); the spec layer it belongs to comes from a name, by these rules, tried
// in order (never by position or by shape):
//
//   rule            initializer / node                      spec layer      who writes it
//   posec names     initializer `<layer>/<role>`            <layer>         `posec export`, `posec build --target onnx`
//   PyTorch keys    initializer `<attribute>.<param>`       the layer with  torch.onnx.export of the generated
//                   (core/torch-names.ts, torchKeys)         that key        PyTorch model (or any module whose
//                                                                           attributes are the spec's labels)
//   node names      the consuming node's name               <name>          converters that name nodes after
//                                                                           their layers (Caffe, Keras)
//   PyTorch scopes  the consuming node's name `/a/a.b/Op`   the layer whose torch.onnx.export names nodes by module
//                   read as the module path `a.b`          attribute is    path; tensors it computed (a PReLU's
//                                                           `a.b`           [C, 1, 1] slope) are `onnx::...`
//
//   consumer and input           role               layout -> posec's
//   Conv 1 / 2                   kernel / bias      OIHW -> HWIO / [C]
//   Gemm 1 / 2                   kernel / bias      transB=1: (out, in); transB=0: (in, out); `in` is the
//                                                   Flatten of NCHW, i.e. C, H, W order -> [H*W*C, out]
//   MatMul 1                     kernel             (in, out), `in` in C, H, W order
//   BatchNormalization 1..4      gamma, beta, moving_mean, moving_variance   [C]
//   PRelu 1                      alpha              [C, 1, 1] or [C]; [1] is one slope for every channel
// An initializer read by no such position (shapes, Resize scales, ...) is ignored with the reason. A
// model exported with batch norms folded into its convolutions (`posec export --fold-bn`) cannot give
// back a spec's batch norms: that is an error saying so, not a load of wrong numbers.
import { spanText, type Ir, type IrNode } from "../../core/ir/types.js";
import { modelParams } from "../../core/params/index.js";
import { inferShapes } from "../../core/shapes.js";
import { torchKeys, torchPaths } from "../../core/torch-names.js";
import { PosecError } from "../errors.js";
import { convFromOIHW, denseFromOutIn, vector } from "./layouts.js";
import { WEIGHTS_MISMATCH, type NodeSource, type Role, type SourceMatch, type SourceTensor } from "./map.js";
import type { OnnxInitializer, OnnxUse, OnnxWeights } from "./onnx.js";

/** ONNX op -> the posec op it stands for, and the role of each input position */
const CONSUMERS: Record<string, { op: IrNode["op"]; roles: (Role | null)[] }> = {
  Conv: { op: "conv", roles: [null, "kernel", "bias"] },
  Gemm: { op: "dense", roles: [null, "kernel", "bias"] },
  MatMul: { op: "dense", roles: [null, "kernel"] },
  BatchNormalization: { op: "bn", roles: [null, "gamma", "beta", "moving_mean", "moving_variance"] },
  PRelu: { op: "prelu", roles: [null, "alpha"] },
};

type Rule = "posec names" | "PyTorch keys" | "node names" | "PyTorch scopes";

/** torch.onnx.export's node name `/blk/c/c.0/Conv` -> the module path `blk.c.0` (a scope that extends the one before replaces it). */
export function torchScopePath(node: string): string | null {
  const parts = node.split("/");
  if (parts.length < 3 || parts[0] !== "") return null;
  const path: string[] = [];
  for (const seg of parts.slice(1, -1)) {
    if (path.length && seg.startsWith(`${path[path.length - 1]}.`)) path[path.length - 1] = seg;
    else path.push(seg);
  }
  return path.join(".");
}

/** The spec layer an initializer belongs to, and by which rule. */
function layerOf(init: OnnxInitializer, use: OnnxUse, has: (node: string) => boolean, torchNames: { keys: Map<string, string>; modules: Map<string, string> }): { node: string; rule: Rule } | null {
  const slash = init.name.lastIndexOf("/");
  if (slash > 0 && has(init.name.slice(0, slash))) return { node: init.name.slice(0, slash), rule: "posec names" };
  const torch = torchNames.keys.get(init.name);
  if (torch) return { node: torch, rule: "PyTorch keys" };
  if (has(use.node)) return { node: use.node, rule: "node names" };
  const scope = torchScopePath(use.node);
  const module = scope === null ? undefined : torchNames.modules.get(scope);
  if (module) return { node: module, rule: "PyTorch scopes" };
  return null;
}

function tensorFor(init: OnnxInitializer, use: OnnxUse, n: IrNode, role: Role, input: [number, number, number] | undefined, path: string): SourceTensor {
  const data = init.data!;
  const key = init.name;
  if (use.op === "Conv" && role === "kernel") return convFromOIHW(key, init.shape, data);
  if ((use.op === "Gemm" || use.op === "MatMul") && role === "kernel") {
    const a = use.attrs;
    if (use.op === "Gemm" && ((a.transA ?? 0) !== 0 || (a.alpha ?? 1) !== 1 || (a.beta ?? 1) !== 1)) {
      throw new PosecError(`${path}: the Gemm \`${use.node}\` that reads \`${key}\` has transA=${a.transA ?? 0}, alpha=${a.alpha ?? 1}, beta=${a.beta ?? 1}; only a plain dense layer (transA=0, alpha=1, beta=1) maps onto the spec's \`${n.name}\` (${spanText(n.span)})`, WEIGHTS_MISMATCH);
    }
    const transposed = use.op === "MatMul" || (use.attrs.transB ?? 0) === 0;
    return denseFromOutIn(key, init.shape, data, input ?? [1, 1, init.shape[transposed ? 0 : 1] ?? 1], transposed);
  }
  if (role === "alpha") {
    const channels = input?.[2] ?? data.length;
    if (data.length === 1 && channels !== 1) {
      return { ...vector(key, [channels], data, () => new Float32Array(channels).fill(data[0]), `one slope shared by all ${channels} channels`), shape: init.shape };
    }
  }
  return vector(key, init.shape, data);
}

/** `posec export --fold-bn` wrote the model: its batch norms live inside the convolutions' kernels. */
function foldedExport(model: OnnxWeights): boolean {
  try {
    return JSON.parse(model.metadata.get("posec.export") ?? "{}").fold_bn === true;
  } catch {
    return false;
  }
}

/**
 * A spec batch norm right after a convolution whose convolution the file sets but whose own tensors it
 * lacks: the exporter folded it into the kernel (torch.onnx.export does in eval mode; posec export
 * --fold-bn on request). Loading the folded kernel as the convolution's would be silently wrong.
 */
function foldedBatchNorms(ir: Ir, found: Map<string, NodeSource>, path: string): void {
  const producer = new Map(ir.nodes.map((n) => [n.outputs[0], n]));
  const folded = ir.nodes.filter((n) => {
    const conv = producer.get(n.inputs[0]);
    return n.op === "bn" && conv?.op === "conv" && found.has(conv.name) && !found.has(n.name);
  });
  if (folded.length === 0) return;
  const list = folded.slice(0, 4).map((n) => `\`${n.name}\` (${spanText(n.span)}) into \`${producer.get(n.inputs[0])!.name}\``).join(", ");
  throw new PosecError(
    `${path} sets the convolutions before ${folded.length} batch norms of ${ir.model.name} but not the batch norms themselves: they were folded into the kernels when the model was exported (${list}${folded.length > 4 ? ", ..." : ""})`,
    WEIGHTS_MISMATCH,
    "export without folding (posec export without --fold-bn), or import the weights the ONNX model was made from (a checkpoint, or torch.save(model.state_dict()))",
  );
}

export function matchOnnx(model: OnnxWeights, ir: Ir): SourceMatch {
  const nodes = new Map(ir.nodes.map((n) => [n.name, n]));
  const params = modelParams(ir);
  const torchKey = torchKeys(ir);
  const torchNames = { keys: new Map(params.map((p) => [torchKey(p.name), p.node])), modules: new Map([...torchPaths(ir)].map(([node, path]) => [path, node])) };
  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report?.shapes;
  const out = new Map<string, NodeSource>();
  const ignored: SourceMatch["ignored"] = [];
  const notes: string[] = [];
  const rules = new Set<Rule>();
  if (foldedExport(model) && ir.nodes.some((n) => n.op === "bn")) {
    throw new PosecError(
      `${model.path} was exported with batch norms folded into the convolutions (posec export --fold-bn): ${ir.model.name}'s batch norms cannot be taken back out of it`,
      WEIGHTS_MISMATCH,
      "export the model again without --fold-bn, or import the checkpoint it was exported from",
    );
  }
  for (const init of model.initializers) {
    const uses = (model.uses.get(init.name) ?? []).filter((u) => CONSUMERS[u.op]?.roles[u.input]);
    if (!init.data) {
      ignored.push({ key: init.name, shape: init.shape, reason: `a ${init.type} initializer, not a weight` });
      continue;
    }
    if (uses.length === 0) {
      const readers = (model.uses.get(init.name) ?? []).map((u) => `${u.op} \`${u.node}\``);
      ignored.push({ key: init.name, shape: init.shape, reason: readers.length ? `read by ${readers.join(", ")}, not as a layer's weight` : "no node reads it" });
      continue;
    }
    const use = uses[0];
    const consumer = CONSUMERS[use.op];
    const role = consumer.roles[use.input]!;
    const target = layerOf(init, use, (n) => nodes.has(n), torchNames);
    if (!target) {
      ignored.push({ key: init.name, shape: init.shape, reason: `no layer of ${ir.model.name} is named by it or by its ${use.op} node \`${use.node}\` (posec, PyTorch-key or node-name convention)` });
      continue;
    }
    const n = nodes.get(target.node)!;
    if (n.op !== consumer.op) {
      throw new PosecError(`${model.path}: \`${init.name}\` is read by the ${use.op} \`${use.node}\`, but the spec's \`${n.name}\` (${spanText(n.span)}) is a ${n.op}`, WEIGHTS_MISMATCH);
    }
    const entry = out.get(n.name) ?? { from: use.node || init.name, tensors: {} };
    if (entry.tensors[role]) {
      throw new PosecError(`${model.path}: \`${entry.tensors[role]!.key}\` and \`${init.name}\` both map to \`${n.name}/${role}\``, WEIGHTS_MISMATCH, "initializers are matched by name: the file names two tensors after the same layer");
    }
    entry.tensors[role] = tensorFor(init, use, n, role, shapes?.[n.inputs[0]], model.path);
    out.set(n.name, entry);
    rules.add(target.rule);
    if (n.op === "bn" && role === "gamma") {
      const eps = use.attrs.epsilon ?? 1e-5;
      if (Math.abs(eps - n.attrs.eps) > 1e-9 * Math.max(1, eps)) notes.push(`BatchNormalization \`${use.node}\` uses epsilon=${eps}, the spec's \`${n.name}\` (${spanText(n.span)}) eps=${n.attrs.eps}: outputs differ slightly unless the spec sets bn eps=${eps}`);
    }
  }
  foldedBatchNorms(ir, out, model.path);
  const by = rules.size ? [...rules].join(" and ") : "no naming convention matched";
  return { format: `ONNX initializers (${by})${model.producer ? `, written by ${model.producer}` : ""}`, nodes: out, ignored, notes };
}
