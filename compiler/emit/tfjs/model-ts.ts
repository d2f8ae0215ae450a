// model.ts: the IR as explicit tfjs layer code. One `const` per IR node, named like the node and built
// from the same tfjs layers as the runtime's IR builder (runtime/model/build.ts), so that the two are
// one network: the same layer names (helper layers included: `<conv>_pad`, `<gap>_pool`, `<dense>_flatten`,
// `<dense>_reshape`), the same weights, the same outputs. Grouping comments mark the parts (backbone,
// adapter, stage branches) and a comment before each spec line's layers says where they came from.
import { diag, type Diagnostic } from "../../../core/diagnostics.js";
import { spanText, type Ir, type IrNode, type Padding } from "../../../core/ir/types.js";
import { tfjsConvLayer } from "../../../core/tfjs-conv-layer.js";
import { arr, identifiers, num, obj, pairOrOne, partTitle, str } from "./code.js";

/** Names model.ts defines or imports at module level. */
const FILE_NAMES = ["tf", "apply", "ZEROS", "INPUT_SIZE", "buildModel", "setWeights", "PosecPool2D", "PosecResizeBilinear", "PosecDilatedDepthwiseConv2D", "BuiltModel", "WeightSet", "weights", "size", "model"];

/** zeroPadding2d's `padding`: one number, [vertical, horizontal], or [[top, bottom], [left, right]]. */
function zeroPadding(p: Padding): string {
  if (p.every((x) => x === p[0])) return num(p[0]);
  if (p[0] === p[2] && p[1] === p[3]) return arr([num(p[0]), num(p[1])]);
  return arr([arr([num(p[0]), num(p[2])]), arr([num(p[1]), num(p[3])])]);
}

const call = (layer: string, input: string) => `apply(${layer}, ${input})`;
const layer = (fn: string, args: [string, string][], spread?: string) => `tf.layers.${fn}(${obj(args, spread)})`;

interface Lowered {
  /** the expression building and wiring the node's layer(s) */
  code: string;
  /** the model needs these runtime imports / module constants */
  uses: ("PosecPool2D" | "PosecResizeBilinear" | "PosecDilatedDepthwiseConv2D" | "ZEROS")[];
}

/** The layer expression of one node, given its inputs' identifiers and channel counts. */
function lower(n: IrNode, ins: string[], inChannels: number): Lowered | string {
  const name: [string, string] = ["name", str(n.name)];
  const x = ins[0];
  switch (n.op) {
    case "conv": {
      const a = n.attrs;
      // tfjs's depthwise layer ignores dilation: a dilated depthwise conv (stride 1) is posec's own layer
      if (a.groups > 1 && a.groups === inChannels && a.filters === inChannels && a.dilation.some((d) => d > 1) && a.stride.every((s) => s === 1)) {
        const padded = a.pad.some((p) => p > 0) ? call(layer("zeroPadding2d", [["name", str(`${n.name}_pad`)], ["padding", zeroPadding(a.pad)]]), x) : x;
        const args = obj([name, ["kernelSize", arr(a.kernel.map(num))], ["dilation", arr(a.dilation.map(num))], ["useBias", String(a.bias)]]);
        return { code: call(`new PosecDilatedDepthwiseConv2D(${args})`, padded), uses: ["PosecDilatedDepthwiseConv2D"] };
      }
      const rule = tfjsConvLayer(a, inChannels);
      if (rule.kind === "unsupported") return rule.reason;
      const depthwise = rule.kind === "depthwiseConv2d";
      const args: [string, string][] = [name];
      if (!depthwise) args.push(["filters", num(a.filters)]);
      args.push(["kernelSize", pairOrOne(a.kernel)]);
      if (a.stride.some((s) => s !== 1)) args.push(["strides", pairOrOne(a.stride)]);
      if (a.dilation.some((d) => d !== 1)) args.push(["dilationRate", pairOrOne(a.dilation)]);
      if (rule.padding === "same") args.push(["padding", str("same")]);
      if (!a.bias) args.push(["useBias", "false"]);
      const input = rule.padding !== "explicit" ? x : call(layer("zeroPadding2d", [["name", str(`${n.name}_pad`)], ["padding", zeroPadding(a.pad)]]), x);
      if (depthwise) {
        args.push(["depthMultiplier", "1"], ["depthwiseInitializer", str("zeros")], ["biasInitializer", str("zeros")]);
        return { code: call(layer("depthwiseConv2d", args), input), uses: [] };
      }
      return { code: call(layer("conv2d", args, "ZEROS"), input), uses: ["ZEROS"] };
    }
    case "dense": {
      const a = n.attrs;
      const args: [string, string][] = [name, ["units", num(a.units)]];
      if (!a.bias) args.push(["useBias", "false"]);
      // channels-last flatten (H, W, C order), then back to a [1, 1, units] map like every other tensor
      const flat = call(layer("flatten", [["name", str(`${n.name}_flatten`)]]), x);
      const dense = call(layer("dense", args, "ZEROS"), flat);
      return { code: call(layer("reshape", [["name", str(`${n.name}_reshape`)], ["targetShape", arr(["1", "1", num(a.units)])]]), dense), uses: ["ZEROS"] };
    }
    case "bn":
      return { code: call(layer("batchNormalization", [name, ["momentum", num(n.attrs.momentum)], ["epsilon", num(n.attrs.eps)]]), x), uses: [] };
    case "relu":
      return { code: call(layer("reLU", [name]), x), uses: [] };
    case "elu":
      return { code: call(layer("elu", [name, ["alpha", "1"]]), x), uses: [] };
    case "leakyrelu":
      return { code: call(layer("leakyReLU", [name, ["alpha", num(n.attrs.alpha)]]), x), uses: [] };
    case "prelu":
      // one slope per channel (shared over height and width); the initial 0.25 comes with the weights
      return { code: call(layer("prelu", [name, ["sharedAxes", "[1, 2]"]]), x), uses: [] };
    case "sigmoid":
    case "tanh":
      return { code: call(layer("activation", [name, ["activation", str(n.op)]]), x), uses: [] };
    case "maxpool":
    case "avgpool": {
      const a = n.attrs;
      if (a.pad.every((p) => p === 0) && !a.ceil) {
        const args: [string, string][] = [name, ["poolSize", pairOrOne(a.kernel)], ["strides", pairOrOne(a.stride)]];
        return { code: call(layer(n.op === "maxpool" ? "maxPooling2d" : "averagePooling2d", args), x), uses: [] };
      }
      // explicit or asymmetric pads, Caffe's ceil rounding: posec's own pooling layer
      const config = obj([
        ["kind", str(n.op === "maxpool" ? "max" : "avg")],
        ["kernel", arr(a.kernel.map(num))],
        ["stride", arr(a.stride.map(num))],
        ["pad", arr(a.pad.map(num))],
        ["ceil", String(a.ceil)],
        ["countIncludePad", String(a.countIncludePad)],
      ]);
      return { code: call(`new PosecPool2D(${obj([name, ["config", config]])})`, x), uses: ["PosecPool2D"] };
    }
    case "gap": {
      const pooled = call(layer("globalAveragePooling2d", [["name", str(`${n.name}_pool`)]]), x);
      return { code: call(layer("reshape", [name, ["targetShape", arr(["1", "1", num(inChannels)])]]), pooled), uses: [] };
    }
    case "upsample": {
      const f = n.attrs.factor;
      if (n.attrs.mode === "nearest") return { code: call(layer("upSampling2d", [name, ["size", arr(f.map(num))], ["interpolation", str("nearest")]]), x), uses: [] };
      // half-pixel centres (PyTorch's align_corners=False); tfjs's upSampling2d uses the legacy mapping
      return { code: call(`new PosecResizeBilinear(${obj([name, ["factor", arr(f.map(num))]])})`, x), uses: ["PosecResizeBilinear"] };
    }
    case "add":
      return { code: call(layer("add", [name]), arr(ins)), uses: [] };
    case "mul":
      return { code: call(layer("multiply", [name]), arr(ins)), uses: [] };
    case "concat":
      return { code: call(layer("concatenate", [name]), arr(ins)), uses: [] };
  }
}

function describe(ir: Ir): string[] {
  const i = ir.input;
  const divisor = 1 / i.scale;
  const scaled = Number.isInteger(divisor) && divisor > 1 ? `pixels / ${divisor}` : `pixels * ${num(i.scale)}`;
  const shifted = i.shift === 0 ? scaled : `${scaled} ${i.shift < 0 ? "-" : "+"} ${num(Math.abs(i.shift))}`;
  const norm = `${shifted}, ${i.channelOrder.toUpperCase()} order`;
  const what = ir.stages ? `${ir.stages.count} stages at stride ${ir.stages.stride}` : "a backbone without stages";
  return [
    `// ${ir.model.name} as tfjs layers: ${ir.nodes.length} IR nodes, ${what}.`,
    `// Input: ${i.height}x${i.width}x${i.channels} per image, channels-last (${norm}).`,
    "// Layer names are the IR's node names (they name the weights too), so weights and checkpoints move",
    "// between this model, `posec train`, `posec export` (ONNX) and the PyTorch target unchanged.",
  ];
}

/**
 * The outputs in the runtime's order (runtime/model/build.ts): every stage's PAFs then heatmaps, leaving
 * out a branch the stage does not produce; or the backbone's outputs.
 */
function outputs(ir: Ir): { names: string[]; stages: { stage: number; pafs: number | null; heatmaps: number | null }[] } {
  if (!ir.stages) return { names: Object.values(ir.outputs), stages: [] };
  const names: string[] = [];
  const index = (tensor: string | null) => (tensor === null ? null : names.push(tensor) - 1);
  const stages = ir.stages.outputs.map((s) => ({ stage: s.stage, pafs: index(s.pafs), heatmaps: index(s.heatmaps) }));
  return { names, stages };
}

export function emitModelTs(ir: Ir, header: string): { text: string; diagnostics: Diagnostic[] } {
  const ids = identifiers([ir.input.tensor, ...ir.nodes.map((n) => n.name)], FILE_NAMES);
  const channels = new Map(ir.tensors.map((t) => [t.name, t.channels]));
  const uses = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const body: string[] = [];
  let part = "";
  let origin = "";
  let caller = "";
  let line = "";
  for (const n of ir.nodes) {
    const lowered = lower(n, n.inputs.map((t) => ids.get(t)!), channels.get(n.inputs[0]) ?? 0);
    if (typeof lowered === "string") {
      diagnostics.push(diag("PN4101", n.span, `\`${n.name}\`: ${lowered}`, { help: "the tfjs runtime has the same limit; the ONNX and PyTorch targets support it" }));
      continue;
    }
    lowered.uses.forEach((u) => uses.add(u));
    if (n.part !== part) {
      origin = n.part === "backbone" && n.callers.length ? spanText(n.callers[0]) : "";
      body.push("", `// ---- ${partTitle(n.part)}${origin ? ` (${origin})` : ""} ----`);
      part = n.part;
      caller = origin;
      line = "";
    }
    // Each run of layers from one spec line gets that line; a run expanded from a block (other than the
    // part's own, named in the heading) starts a paragraph that names the block call too.
    const innermost = n.callers.length ? spanText(n.callers[n.callers.length - 1]) : origin;
    const here = `${n.span.file}:${n.span.line}`;
    if (innermost !== caller) {
      if (body[body.length - 1] !== "" && !body[body.length - 1].startsWith("// ----")) body.push("");
      body.push(`// ${spanText(n.span)}${innermost && innermost !== origin ? `, called from ${innermost}` : ""}`);
    } else if (here !== line) {
      body.push(`// ${spanText(n.span)}`);
    }
    caller = innermost;
    line = here;
    body.push(`const ${ids.get(n.name)} = ${lowered.code};`);
  }
  const out = outputs(ir);
  const i = ir.input;
  const runtimeImports = [...["PosecPool2D", "PosecResizeBilinear", "PosecDilatedDepthwiseConv2D"].filter((u) => uses.has(u)), "setWeights", "type BuiltModel", "type WeightSet"];
  const fixedSize = ir.nodes.some((n) => n.op === "dense");
  const text = [
    header,
    ...describe(ir),
    "",
    'import * as tf from "@tensorflow/tfjs";',
    `import { ${runtimeImports.join(", ")} } from "posec/runtime";`,
    "",
    "/** The spec's input size: [height, width]. */",
    `export const INPUT_SIZE: [number, number] = [${i.height}, ${i.width}];`,
    ...(uses.has("ZEROS")
      ? ["", "// buildModel sets every weight once the graph stands: start from zeros, not from tfjs's random initialisers.", 'const ZEROS = { kernelInitializer: "zeros", biasInitializer: "zeros" } as const;']
      : []),
    "",
    "/** Wires a layer into the graph (tfjs types `apply` for eager tensors too; here every tensor is symbolic). */",
    "function apply(layer: tf.layers.Layer, inputs: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {",
    "  return layer.apply(inputs) as tf.SymbolicTensor;",
    "}",
    "",
    "/**",
    ` * Builds ${ir.model.name} with the given weights: posec's canonical names and layouts, e.g.`,
    " * `initialWeights(modelParams(ir), seed)` for a fresh model or `readCheckpoint(dir).weights`.",
    fixedSize
      ? " * `size` must be the spec's input size: the dense layers fix it."
      : " * `size` is the input's [height, width]; null for any size (every layer here accepts any).",
    ...(ir.stages
      ? ir.stages.outputs.every((s) => s.pafs !== null && s.heatmaps !== null)
        ? [" * Outputs: every stage's PAFs and heatmaps, stage 1 first; the last stage's are the model's prediction."]
        : [" * Outputs: every stage's PAFs and heatmaps (those it produces), stage 1 first; the last ones are the model's prediction."]
      : []),
    " */",
    `export function buildModel(weights: WeightSet, size: [number | null, number | null] = INPUT_SIZE): BuiltModel {`,
    `const ${ids.get(i.tensor)} = tf.input({ name: ${str(i.tensor)}, shape: [size[0], size[1], ${i.channels}], dtype: "float32" });`,
    ...body,
    "",
    `const model = tf.model({ name: ${str(ir.model.name)}, inputs: ${ids.get(i.tensor)}, outputs: ${arr(out.names.map((t) => ids.get(t)!))} });`,
    "setWeights(model, weights);",
    "return {",
    "model,",
    `outputNames: ${arr(out.names.map(str))},`,
    `stages: ${arr(out.stages.map((s) => obj([["stage", num(s.stage)], ["pafs", s.pafs === null ? "null" : num(s.pafs)], ["heatmaps", s.heatmaps === null ? "null" : num(s.heatmaps)]])))},`,
    "};",
    "}",
    "",
  ].join("\n");
  return { text, diagnostics };
}
