// model.ts: the IR as explicit tfjs layer code in the spec's structure: one function per block (and per
// stage group and stage branch), called once per instance, loops where the spec repeats, and a buildModel
// that reads like the network (block-functions.ts, body-lines.ts, model-tree.ts). Each layer is built
// from the same tfjs plans (core/ops/) as the runtime's IR builder (runtime/model/build.ts), so that the two are
// one network: the same layer names (helper layers included: `<conv>_pad`, `<gap>_pool`, `<dense>_flatten`,
// `<dense>_reshape`), the same weights, the same outputs.
import { diag, type Diagnostic } from "../../../core/diagnostics.js";
import type { Ir, IrNode } from "../../../core/ir/types.js";
import { opOf } from "../../../core/ops/index.js";
import type { TfjsCustomLayer, TfjsValue } from "../../../core/ops/op.js";
import { emitBlockFunctions } from "./block-functions.js";
import { arr, num, obj, partTitle, str } from "./code.js";
import { modelTree } from "./model-tree.js";
import { RUNTIME_PACKAGE } from "./project.js";

/** Names model.ts defines or imports at module level. */
const FILE_NAMES = ["tf", "apply", "ZEROS", "INPUT_SIZE", "buildModel", "setWeights", "PosecPool2D", "PosecResizeBilinear", "PosecDilatedDepthwiseConv2D", "BuiltModel", "WeightSet", "weights", "size", "model"];

interface Lowered {
  /** the expression building and wiring the node's layer(s) */
  code: string;
  /** the model needs these runtime imports / module constants */
  uses: (TfjsCustomLayer | "ZEROS")[];
}

/** A value of a tfjs plan as TypeScript source. */
function tsValue(v: TfjsValue): string {
  if (typeof v === "number") return num(v);
  if (typeof v === "string") return str(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return arr(v.map(tsValue));
  return obj(Object.entries(v).map(([k, x]) => [k, tsValue(x)]));
}

/**
 * The layer expression of one node, given its inputs' identifiers and channel counts: its op's tfjs plan
 * (core/ops/), the one runtime/model/build.ts builds, written out as code; or why tfjs cannot express it.
 */
function lower(n: IrNode, ins: string[], inChannels: number): Lowered | string {
  const op = opOf(n);
  const plan = op.tfjs(n.attrs, { name: n.name, inChannels });
  if ("unsupported" in plan) return plan.unsupported;
  const uses: Lowered["uses"] = [];
  let code = op.inputs === "many" ? arr(ins) : ins[0];
  for (const step of plan.layers) {
    const config = obj(Object.entries(step.config).map(([k, v]) => [k, tsValue(v)]), step.zeros ? "ZEROS" : undefined);
    if (step.custom) uses.push(step.layer);
    if (step.zeros) uses.push("ZEROS");
    code = `apply(${step.custom ? `new ${step.layer}(${config})` : `tf.layers.${step.layer}(${config})`}, ${code})`;
  }
  return { code, uses };
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
    "// One function per block of the spec; layer names are the IR's node names (they name the weights too),",
    "// so weights and checkpoints move between this model, `posec train`, `posec export` (ONNX) and the",
    "// PyTorch target unchanged.",
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
  const channels = new Map(ir.tensors.map((t) => [t.name, t.channels]));
  const layerCode = (n: IrNode, ins: string[]) => lower(n, ins, channels.get(n.inputs[0]) ?? 0);
  const diagnostics: Diagnostic[] = [];
  for (const n of ir.nodes) {
    const lowered = layerCode(n, n.inputs);
    if (typeof lowered === "string") diagnostics.push(diag("PN4101", n.span, `\`${n.name}\`: ${lowered}`, { help: "the tfjs runtime has the same limit; the ONNX and PyTorch targets support it" }));
  }
  if (diagnostics.length) return { text: "", diagnostics };
  const out = outputs(ir);
  const emitted = emitBlockFunctions(modelTree(ir), [ir.input.tensor], new Set(out.names), layerCode, (t) => channels.get(t) ?? 0, FILE_NAMES);
  const uses = emitted.uses;
  const ids = emitted.topIds;
  const body: string[] = [];
  let part = "";
  for (const s of emitted.top) {
    // one heading for all stages: each is a line or two here
    const section = s.part.startsWith("stage") ? "stages" : s.part;
    if (section !== part) body.push("", `// ---- ${partTitle(section)} ----`);
    part = section;
    body.push(...s.lines);
  }
  const i = ir.input;
  const runtimeImports = [...["PosecPool2D", "PosecResizeBilinear", "PosecDilatedDepthwiseConv2D"].filter((u) => uses.has(u)), "setWeights", "type BuiltModel", "type WeightSet"];
  const fixedSize = ir.nodes.some((n) => n.op === "dense");
  const text = [
    header,
    ...describe(ir),
    "",
    'import * as tf from "@tensorflow/tfjs";',
    `import { ${runtimeImports.join(", ")} } from "${RUNTIME_PACKAGE}";`,
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
    ...emitted.functions.flatMap((f) => [f, ""]),
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
