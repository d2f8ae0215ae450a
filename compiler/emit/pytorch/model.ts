// model.py: the IR as PyTorch modules, NCHW: one class per block definition (./classes.ts), the model's own
// class deriving from its backbone's (so the backbone's module paths are the model's: torchvision's keys for
// the standard ResNets, CMU's layer names for VGG-19), and initialisation from the spec's initialisers with
// one seeded torch.Generator.
import type { Ir, IrNode } from "../../../core/ir/types.js";
import { opOf } from "../../../core/ops/index.js";
import type { PyFormat } from "../../../core/ops/op.js";
import { inferShapes } from "../../../core/shapes.js";
import { TORCH_ROLE, torchAttr } from "../../../core/torch-names.js";
import { blockTree } from "../block-tree.js";
import { allClasses, modelParts, type ClassCode, type ClassCtx } from "./classes.js";
import { forwardLines, stageRoles } from "./forward.js";
import { INDENT, pyAssign, pyFloat, pyPair, pyStr, pyValue, tuple } from "./python.js";

const I1 = INDENT;
const I2 = INDENT + INDENT;

export function className(modelName: string): string {
  const words = modelName.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return /^[A-Za-z]/.test(name) ? name : `Model${name}`;
}

/** How the op table's PyTorch lowerings (core/ops/) write Python literals. */
const PY: PyFormat = { float: pyFloat, str: pyStr, pair: pyPair, tuple: (xs) => pyValue(tuple([...xs])) };

/** The module constructor of a node, as `Fn(args)`. `cin` is its (first) input's channel count. */
function constructor(n: IrNode, cin: number, denseIn: number): string {
  return opOf(n).torch.module(n.attrs, { cin, denseIn, py: PY });
}

/** Names model.py takes from layers.py: those its layers and initialisers call, and the weight readers. */
const LAYER_HELPERS = ["Add", "Concat", "Mul", "Pool2d", "PoseOutput", "init_constant", "init_kaiming", "init_normal", "init_xavier"];

function layersImport(body: string): string {
  const used = LAYER_HELPERS.filter((name) => new RegExp(`\\b${name}\\(`).test(body));
  const names = [...used, "copy_posec_weights", "read_tfjs_weights"];
  const one = `from layers import ${names.join(", ")}`;
  return one.length <= 100 ? one : `from layers import (\n${names.map((n) => `${INDENT}${n},\n`).join("")})`;
}

function method(signature: string, doc: string | null, body: string[]): string {
  return [`${I1}def ${signature}:`, ...(doc ? [`${I2}"""${doc}"""`] : []), ...body].join("\n");
}

function printClass(c: ClassCode, base = "nn.Module"): string {
  const args = c.args.length ? `, ${c.args.join(", ")}` : "";
  const parts = [method(`__init__(self${args})`, null, [`${I2}super().__init__()`, ...c.init]), method(`forward(self, ${c.inputs.join(", ")})`, null, c.forward)];
  if (c.initWeights.length) parts.push(method("init_weights(self, g)", "The spec's initialisers of this module's own layers.", c.initWeights));
  return `class ${c.name}(${base}):\n${I1}"""${c.doc}"""\n\n${parts.join("\n\n")}\n`;
}

export function emitModelPy(ir: Ir, seed: number, header: string): string {
  const channels = new Map(ir.tensors.map((t) => [t.name, t.channels]));
  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report?.shapes ?? {};
  const cinOf = (n: IrNode) => channels.get(n.inputs[0]) ?? 0;
  // only a dense layer reads it; 0 elsewhere, so that it never makes two instances differ
  const denseInOf = (n: IrNode) => {
    const shape = shapes[n.inputs[0]];
    return n.op === "dense" && shape ? shape[0] * shape[1] * shape[2] : 0;
  };
  const cls = className(ir.model.name);
  const hasDense = ir.nodes.some((n) => n.op === "dense");
  const input = torchAttr(ir.input.tensor);
  const root = blockTree(ir);
  const ctx: ClassCtx = { ir, nodeModule: constructor, cinOf, denseInOf, classOf: new Map() };
  const classes = allClasses(root, ctx, new Set([cls, "Model", ...LAYER_HELPERS]));
  const backbone = root.members.find((m) => m.instance?.scope.kind === "backbone");
  const baseName = backbone ? ctx.classOf.get(backbone.instance!)!.name : "nn.Module";
  const own = modelParts(root, ctx, backbone);
  const roles = stageRoles(ir);
  const outputsDoc = ir.stages
    ? ir.stages.outputs.some((s) => s.pafs === null || s.heatmaps === null)
      ? "PoseOutput(stages, pafs, heatmaps): every stage's (pafs, heatmaps), None for a branch the\n    stage does not produce, and the last PAFs and heatmaps produced"
      : "PoseOutput(stages, pafs, heatmaps): every stage's (pafs, heatmaps) and the last stage's"
    : `the output ${Object.keys(ir.outputs).join(", ")}`;
  const onlyBackbone = root.members.length === 1 && backbone !== undefined;
  const forward = onlyBackbone
    ? []
    : forwardLines(root, [input], {
        roles,
        base: backbone,
        returned: Object.values(ir.outputs),
        returns: (v) =>
          ir.stages ? `return PoseOutput(stages, ${ir.outputs.pafs ? v(ir.outputs.pafs) : "None"}, ${v(ir.outputs.heatmaps)})` : `return ${Object.values(ir.outputs).map(v).join(", ")}`,
      });
  const inherits = classes.some((c) => c.name === baseName && c.initWeights.length > 0);
  const modelMethods = [
    method(`__init__(self, seed=SEED)`, null, [`${I2}super().__init__()`, ...own.init, `${I2}self.reset_parameters(seed)`]),
    method("reset_parameters(self, seed=SEED)", "The spec's initialisers, drawn module by module (in registration order) from one\n        generator seeded with `seed`.", [
      `${I2}g = torch.Generator().manual_seed(seed)`,
      `${I2}for module in self.modules():`,
      `${I2}${I1}if hasattr(module, "init_weights"):`,
      `${I2}${I2}module.init_weights(g)`,
    ]),
  ];
  if (own.initWeights.length) modelMethods.push(method("init_weights(self, g)", null, [...(inherits ? [`${I2}super().init_weights(g)`] : []), ...own.initWeights]));
  if (forward.length) modelMethods.push(method(`forward(self, ${input})`, null, [...(ir.stages ? [`${I2}stages = []`] : []), ...forward]));
  const modelClass = `class ${cls}(${baseName}):
    """${ir.model.name}, generated by posec from ${ir.sources[0]}.

    forward(${input}) takes N x ${ir.input.channels} x H x W normalised images and returns
    ${outputsDoc}.
    """

${modelMethods.join("\n\n")}
`;
  const stageDoc = ir.stages ? `${ir.stages.count} stages at stride ${ir.stages.stride}` : "a backbone without stages";
  const sizeNote = hasDense ? "# the dense layers fix the input size" : "# the spec's input size; any size works";
  const body = [...classes.map((c) => printClass(c)), modelClass].join("\n\n");
  const functional = /\bF\./.test(body) ? "import torch.nn.functional as F\n" : "";
  return `${header}"""${ir.model.name} as a PyTorch module: ${stageDoc}, NCHW input of ${ir.input.channels} channels
(pixels * ${pyFloat(ir.input.scale)} ${ir.input.shift < 0 ? "-" : "+"} ${pyFloat(Math.abs(ir.input.shift))}, ${ir.input.channelOrder.toUpperCase()} order).
One class per block of the spec; module paths (state-dict keys) follow the spec's labels."""
import torch
from torch import nn
${functional}
${layersImport(body)}

${pyAssign("", "__all__", ["MODEL_NAME", "SEED", "INPUT_SIZE", "INPUT_CHANNELS", cls, "Model", "load_posec_weights", "read_tfjs_weights"])}

MODEL_NAME = ${pyStr(ir.model.name)}
SEED = ${seed}  # seed of the initial weights (posec build --seed)
INPUT_SIZE = (${ir.input.height}, ${ir.input.width})  ${sizeNote}
INPUT_CHANNELS = ${ir.input.channels}
# posec's parameter roles -> PyTorch's parameter and buffer names
${pyAssign("", "TORCH_ROLE", TORCH_ROLE)}


def load_posec_weights(model, weights):
    """Copies weights given in posec's canonical names and channels-last layouts ({name: array},
    e.g. read_tfjs_weights("model.json")) into the model: see layers.copy_posec_weights.
    spec.LAYER_PATHS gives each posec layer's module path."""
    from spec import LAYER_PATHS

    copy_posec_weights(model, weights, LAYER_PATHS, TORCH_ROLE)


${body}

Model = ${cls}
`;
}
