// model.py: the IR as one nn.Module, NCHW. One attribute per IR node (named like the node, with the
// spec line it came from), a straight-line forward in the IR's topological order, and initialisation
// from the spec's initialisers with a seeded torch.Generator.
import { spanText, type Ir, type IrNode, type Padding, type WeightInit } from "../../../core/ir/types.js";
import { inferShapes } from "../../../core/shapes.js";
import { TORCH_ROLE, torchAttr } from "../../../core/torch-names.js";
import { INDENT, pyAssign, pyCall, pyFloat, pyPair, pyStr, pyValue, tuple, raw } from "./python.js";

const I1 = INDENT;
const I2 = INDENT + INDENT;

export function className(modelName: string): string {
  const words = modelName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return /^[A-Za-z]/.test(name) ? name : `Model${name}`;
}

const symmetric = (p: Padding) => p[0] === p[2] && p[1] === p[3];
/** 1 - kept fraction, without the float noise of the subtraction (0.9 -> 0.1) */
const torchMomentum = (kept: number) => Number((1 - kept).toPrecision(12));

/** The module constructor of a node, as `Fn(args)`. `cin` is its (first) input's channel count. */
function constructor(n: IrNode, cin: number, denseIn: number): string {
  switch (n.op) {
    case "conv": {
      const a = n.attrs;
      const args = [String(cin), String(a.filters), pyPair(a.kernel)];
      if (a.stride.some((s) => s !== 1)) args.push(`stride=${pyPair(a.stride)}`);
      if (symmetric(a.pad) && (a.pad[0] || a.pad[1])) args.push(`padding=${pyPair([a.pad[0], a.pad[1]])}`);
      if (a.dilation.some((d) => d !== 1)) args.push(`dilation=${pyPair(a.dilation)}`);
      if (a.groups !== 1) args.push(`groups=${a.groups}`);
      if (!a.bias) args.push("bias=False");
      return `nn.Conv2d(${args.join(", ")})`;
    }
    case "dense":
      return `nn.Linear(${denseIn}, ${n.attrs.units}${n.attrs.bias ? "" : ", bias=False"})`;
    case "bn":
      return `nn.BatchNorm2d(${cin}, eps=${pyFloat(n.attrs.eps)}, momentum=${pyFloat(torchMomentum(n.attrs.momentum))})`;
    case "relu":
      return "nn.ReLU()";
    case "elu":
      return "nn.ELU()";
    case "leakyrelu":
      return `nn.LeakyReLU(${pyFloat(n.attrs.alpha)})`;
    case "prelu":
      return `nn.PReLU(${cin}, init=0.25)`;
    case "sigmoid":
      return "nn.Sigmoid()";
    case "tanh":
      return "nn.Tanh()";
    case "maxpool":
    case "avgpool": {
      const a = n.attrs;
      const native = symmetric(a.pad) && a.pad[0] <= Math.floor(a.kernel[0] / 2) && a.pad[1] <= Math.floor(a.kernel[1] / 2);
      if (!native) {
        const kind = pyStr(n.op === "maxpool" ? "max" : "avg");
        const cip = n.op === "avgpool" && !a.countIncludePad ? ", count_include_pad=False" : "";
        return `Pool2d(${kind}, ${pyValue(tuple(a.kernel))}, ${pyValue(tuple(a.stride))}, ${pyValue(tuple(a.pad))}, ${a.ceil ? "True" : "False"}${cip})`;
      }
      const args = [pyPair(a.kernel), `stride=${pyPair(a.stride)}`];
      if (a.pad[0] || a.pad[1]) args.push(`padding=${pyPair([a.pad[0], a.pad[1]])}`);
      if (a.ceil) args.push("ceil_mode=True");
      if (n.op === "avgpool" && !a.countIncludePad) args.push("count_include_pad=False");
      return `nn.${n.op === "maxpool" ? "MaxPool2d" : "AvgPool2d"}(${args.join(", ")})`;
    }
    case "gap":
      return "nn.AdaptiveAvgPool2d(1)";
    case "upsample": {
      const f = n.attrs.factor;
      const scale = f[0] === f[1] ? pyFloat(f[0]) : `(${pyFloat(f[0])}, ${pyFloat(f[1])})`;
      return n.attrs.mode === "nearest" ? `nn.Upsample(scale_factor=${scale}, mode="nearest")` : `nn.Upsample(scale_factor=${scale}, mode="bilinear", align_corners=False)`;
    }
    case "add":
      return "Add()";
    case "mul":
      return "Mul()";
    case "concat":
      return "Concat()";
  }
}

/** Top-level commas of an argument list ("a, (1, 2), b=3" -> 3 arguments). */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(args.slice(start).trim());
  return out;
}

/** The forward line of a node. */
function forwardLine(n: IrNode): string {
  const out = torchAttr(n.name);
  const ins = n.inputs.map(torchAttr);
  const call = `self.${out}`;
  switch (n.op) {
    case "conv": {
      const p = n.attrs.pad;
      if (symmetric(p)) break;
      return pyCall(I2, `${out} = ${call}`, [`F.pad(${ins[0]}, (${p[1]}, ${p[3]}, ${p[0]}, ${p[2]}))`]);
    }
    case "dense":
      // posec flattens in H, W, C order (channels-last); the output is N x units x 1 x 1
      return `${I2}${out} = ${call}(${ins[0]}.permute(0, 2, 3, 1).flatten(1))[:, :, None, None]`;
  }
  return pyCall(I2, `${out} = ${call}`, ins);
}

function initLines(n: IrNode): string[] {
  const lines: string[] = [];
  const init = (param: string, w: WeightInit) => {
    const target = `self.${torchAttr(n.name)}.${param}`;
    switch (w.kind) {
      case "normal":
        return lines.push(`${I2}init_normal(${target}, g, std=${pyFloat(w.std)}${w.mean ? `, mean=${pyFloat(w.mean)}` : ""})`);
      case "kaiming":
        return lines.push(`${I2}init_kaiming(${target}, g, ${pyStr(w.mode)}, ${pyStr(w.distribution)})`);
      case "xavier":
        return lines.push(`${I2}init_xavier(${target}, g, ${pyStr(w.distribution)})`);
      case "constant":
        return lines.push(`${I2}init_constant(${target}, ${pyFloat(w.value)})`);
    }
  };
  if (n.op === "conv" || n.op === "dense") {
    init("weight", n.attrs.weightInit);
    if (n.attrs.bias) init("bias", n.attrs.biasInit);
  } else if (n.op === "bn") {
    lines.push(`${I2}self.${torchAttr(n.name)}.reset_parameters()`);
  } else if (n.op === "prelu") {
    lines.push(`${I2}init_constant(self.${torchAttr(n.name)}.weight, 0.25)`);
  }
  return lines;
}

/** A stage output's Python name, or None for a branch the stage does not produce. */
const outName = (tensor: string | null) => (tensor === null ? "None" : torchAttr(tensor));

function describeOutputs(ir: Ir): { doc: string; lines: string[] } {
  if (!ir.stages) {
    const outs = Object.values(ir.outputs).map(torchAttr);
    return { doc: `the output ${outs.join(", ")}`, lines: [`${I2}return ${outs.join(", ")}`] };
  }
  const pairs = ir.stages.outputs.map((s) => tuple([raw(outName(s.pafs)), raw(outName(s.heatmaps))]));
  const pafs = outName(ir.outputs.pafs ?? null);
  const heatmaps = outName(ir.outputs.heatmaps ?? null);
  const none = ir.stages.outputs.some((s) => s.pafs === null || s.heatmaps === null);
  return {
    doc: none
      ? "PoseOutput(stages, pafs, heatmaps): every stage's (pafs, heatmaps), None for a branch the\n    stage does not produce, and the last PAFs and heatmaps produced"
      : "PoseOutput(stages, pafs, heatmaps): every stage's (pafs, heatmaps) and the last stage's",
    lines: [`${I2}stages = ${pyValue(tuple(pairs), I2, I2.length + 9)}`, `${I2}return PoseOutput(stages, ${pafs}, ${heatmaps})`],
  };
}

/** Names model.py takes from layers.py: those its layers and initialisers call, and the weight readers. */
const LAYER_HELPERS = ["Add", "Concat", "Mul", "Pool2d", "PoseOutput", "init_constant", "init_kaiming", "init_normal", "init_xavier"];

function layersImport(body: string): string {
  const used = LAYER_HELPERS.filter((name) => new RegExp(`\\b${name}\\(`).test(body));
  const names = [...used, "copy_posec_weights", "read_tfjs_weights"];
  const one = `from layers import ${names.join(", ")}`;
  return one.length <= 100 ? one : `from layers import (\n${names.map((n) => `${INDENT}${n},\n`).join("")})`;
}

export function emitModelPy(ir: Ir, seed: number, header: string): string {
  const channels = new Map(ir.tensors.map((t) => [t.name, t.channels]));
  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report?.shapes ?? {};
  const cls = className(ir.model.name);
  const renamed = ir.nodes.filter((n) => torchAttr(n.name) !== n.name).map((n) => [n.name, torchAttr(n.name)]);
  const hasDense = ir.nodes.some((n) => n.op === "dense");
  const input = torchAttr(ir.input.tensor);
  const outputs = describeOutputs(ir);

  const init: string[] = [];
  const forward: string[] = [];
  const resets: string[] = [];
  for (const n of ir.nodes) {
    const shape = shapes[n.inputs[0]];
    const denseIn = shape ? shape[0] * shape[1] * shape[2] : 0;
    init.push(`${I2}# spec: ${spanText(n.span)}`);
    const ctor = constructor(n, channels.get(n.inputs[0]) ?? 0, denseIn);
    const open = ctor.indexOf("(");
    const args = ctor.slice(open + 1, -1);
    init.push(pyCall(I2, `self.${torchAttr(n.name)} = ${ctor.slice(0, open)}`, args ? splitArgs(args) : []));
    forward.push(forwardLine(n));
    resets.push(...initLines(n));
  }
  const stageDoc = ir.stages ? `${ir.stages.count} stages at stride ${ir.stages.stride}` : "a backbone without stages";
  const sizeNote = hasDense
    ? "# the dense layers fix the input size"
    : "# the spec's input size; any size works";
  const body = [...init, ...forward, ...resets, ...outputs.lines].join("\n");
  const functional = /\bF\./.test(body) ? "import torch.nn.functional as F\n" : "";
  return `${header}"""${ir.model.name} as a PyTorch module: ${stageDoc}, NCHW input of ${ir.input.channels} channels
(pixels * ${pyFloat(ir.input.scale)} ${ir.input.shift < 0 ? "-" : "+"} ${pyFloat(Math.abs(ir.input.shift))}, ${ir.input.channelOrder.toUpperCase()} order)."""
import torch
from torch import nn
${functional}
${layersImport(body)}

${pyAssign("", "__all__", ["MODEL_NAME", "SEED", "INPUT_SIZE", "INPUT_CHANNELS", cls, "Model", "load_posec_weights", "read_tfjs_weights"])}

MODEL_NAME = ${pyStr(ir.model.name)}
SEED = ${seed}  # seed of the initial weights (posec build --seed)
INPUT_SIZE = (${ir.input.height}, ${ir.input.width})  ${sizeNote}
INPUT_CHANNELS = ${ir.input.channels}
# IR node names that Python or nn.Module already own, and the attribute names they got instead
${pyAssign("", "ATTRIBUTES", Object.fromEntries(renamed))}
# posec's parameter roles -> PyTorch's parameter and buffer names
${pyAssign("", "TORCH_ROLE", TORCH_ROLE)}


def load_posec_weights(model, weights):
    """Copies weights given in posec's canonical names and channels-last layouts ({name: array},
    e.g. read_tfjs_weights("model.json")) into the model: see layers.copy_posec_weights."""
    copy_posec_weights(model, weights, ATTRIBUTES, TORCH_ROLE)


class ${cls}(nn.Module):
    """${ir.model.name}, generated by posec from ${ir.sources[0]}.

    forward(${input}) takes N x ${ir.input.channels} x H x W normalised images and returns
    ${outputs.doc}.
    """

    def __init__(self, seed=SEED):
        super().__init__()
${init.join("\n")}
        self.reset_parameters(seed)

    def reset_parameters(self, seed=SEED):
        """The spec's initialisers, drawn in layer order from one generator seeded with \`seed\`."""
        g = torch.Generator().manual_seed(seed)
${resets.length ? resets.join("\n") : `${I2}del g`}

    def forward(self, ${input}):
${forward.join("\n")}
${outputs.lines.join("\n")}


Model = ${cls}
`;
}
