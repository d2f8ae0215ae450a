// The ONNX target: `model.onnx` from an IR and a weight set (posec's canonical names and channels-last
// layouts; see core/params/params.ts). `posec build --target onnx` uses seeded initial weights,
// `posec export` a checkpoint's. Same IR, weights and options -> byte-identical file.
import pkg from "../../../package.json" with { type: "json" };
import { diag, hasErrors, type Diagnostic } from "../../../core/diagnostics.js";
import { spanText, type Ir } from "../../../core/ir/types.js";
import { inferShapes, type ShapeReport } from "../../../core/shapes.js";
import { initialWeights, modelParams, type WeightSet } from "../../../core/params/index.js";
import type { Emitter } from "../emitter.js";
import { lowerNodes, unknownOps } from "./graph.js";
import { metadataProps, modelDoc, type WeightsSource } from "./metadata.js";
import { encodeModel, floatValueInfo, node, ONNX_OPSET, type NodeProto } from "./proto.js";

export { ONNX_OPSET, ONNX_IR_VERSION, decodeModel } from "./proto.js";
export type { WeightsSource } from "./metadata.js";

/** The largest protobuf message (ONNX file without external data), less room for the graph itself. */
const PROTOBUF_LIMIT = 2 ** 31 - 1 - 64 * 2 ** 20;

export interface OnnxOptions {
  /** also output every stage's maps as `stage<N>_heatmaps` / `stage<N>_pafs` */
  allStages: boolean;
  /** fold batchnorm into the convolution before it */
  foldBn: boolean;
  /** recorded in metadata_props (posec.weights) */
  weights: WeightsSource;
}

export interface OnnxResult {
  /** absent when there are errors */
  bytes?: Uint8Array;
  /** graph output names, in order */
  outputs: string[];
  /** IR tensor -> ONNX value name, for the tensors whose value was renamed */
  renamed: Map<string, string>;
  diagnostics: Diagnostic[];
}

/**
 * Graph outputs in order: heatmaps, pafs (only heatmaps for a schema without limbs; or the backbone's outputs),
 * then, with allStages, each stage's outputs that it produces.
 */
export function onnxOutputs(ir: Ir, allStages: boolean): [string, string][] {
  const first = ["heatmaps", "pafs"].filter((k) => k in ir.outputs);
  const rest = Object.keys(ir.outputs).filter((k) => !first.includes(k)).sort();
  const out: [string, string][] = [...first, ...rest].map((k) => [k, ir.outputs[k]]);
  if (allStages && ir.stages) {
    // each stage's maps, only those it produces (a PAF-only or heatmap-only stage lists one)
    for (const s of ir.stages.outputs) {
      if (s.heatmaps !== null) out.push([`stage${s.stage}_heatmaps`, s.heatmaps]);
      if (s.pafs !== null) out.push([`stage${s.stage}_pafs`, s.pafs]);
    }
  }
  return out;
}

/**
 * Whether a dense layer's kernel depends on the input size (its input is not already 1x1 at every
 * size, e.g. VGG's fc6): then H and W are fixed to the spec's size instead of symbolic. Checked by
 * comparing the dense inputs at the spec's size and at twice that size.
 */
function denseNeedsFixedSize(ir: Ir, report: ShapeReport): boolean {
  const dense = ir.nodes.filter((n) => n.op === "dense");
  if (dense.length === 0) return false;
  const other = inferShapes(ir, 2 * ir.input.height, 2 * ir.input.width).report;
  if (!other) return true;
  return dense.some((n) => report.shapes[n.inputs[0]].join() !== other.shapes[n.inputs[0]].join());
}

/**
 * ONNX value names: the input is `image`, an output tensor takes its output name, everything else keeps
 * its IR name unless that collides with one of those. An output whose tensor already has a name (two
 * output names for one tensor) becomes an Identity node.
 */
function valueNames(ir: Ir, outputs: [string, string][]): { values: Map<string, string>; identities: [string, string][] } {
  const reserved = new Set(["image", ...outputs.map(([n]) => n)]);
  const taken = new Set([ir.input.tensor, ...ir.nodes.map((n) => n.outputs[0])]);
  const values = new Map<string, string>();
  for (const t of taken) {
    if (!reserved.has(t)) continue;
    let i = 0;
    while (reserved.has(`${t}_${i}`) || taken.has(`${t}_${i}`)) i++;
    values.set(t, `${t}_${i}`);
  }
  values.set(ir.input.tensor, "image");
  const claimed = new Set<string>([ir.input.tensor]);
  const identities: [string, string][] = [];
  for (const [name, tensor] of outputs) {
    if (claimed.has(tensor)) identities.push([name, tensor]);
    else {
      values.set(tensor, name);
      claimed.add(tensor);
    }
  }
  return { values, identities };
}

export function buildOnnx(ir: Ir, weights: WeightSet, options: OnnxOptions): OnnxResult {
  const shapes = inferShapes(ir, ir.input.height, ir.input.width);
  const report = shapes.report;
  const outputs = onnxOutputs(ir, options.allStages);
  if (!report || hasErrors(shapes.diagnostics)) return { outputs: [], renamed: new Map(), diagnostics: shapes.diagnostics };
  const { values, identities } = valueNames(ir, outputs);
  const lowered = lowerNodes(ir, weights, report.shapes, values, { foldBn: options.foldBn });
  const diagnostics = [...shapes.diagnostics, ...lowered.diagnostics];
  for (const [name, tensor] of outputs) {
    if (!(tensor in report.shapes)) diagnostics.push(diag("PN4001", ir.model.span, `invalid IR: output \`${name}\` reads \`${tensor}\`, which no node produces`));
  }
  // protobuf messages are limited to 2 GiB; larger models would need ONNX external data.
  const bytes = lowered.initializers.reduce((a, t) => a + (t.rawData?.length ?? 0), 0);
  if (bytes > PROTOBUF_LIMIT) {
    diagnostics.push(diag("PN4101", ir.model.span, `the ONNX target cannot write ${ir.model.name}: its weights take ${(bytes / 2 ** 30).toFixed(2)} GiB, more than one ONNX file holds (2 GiB)`, { help: "ONNX external data is not supported yet" }));
  }
  if (hasErrors(diagnostics)) return { outputs: [], renamed: new Map(), diagnostics };

  const fixedSize = denseNeedsFixedSize(ir, report);
  const identityNodes: NodeProto[] = identities.map(([name, tensor]) => node("Identity", name, [values.get(tensor) ?? tensor], [name], [], `output ${name}: ${spanText(ir.stages?.span ?? ir.model.span)}`));
  const outputInfos = outputs.map(([name, tensor]) => {
    const [h, w, c] = report.shapes[tensor];
    return floatValueInfo(name, ["N", c, fixedSize ? h : null, fixedSize ? w : null], `IR tensor ${tensor}`);
  });
  const input = floatValueInfo("image", ["N", ir.input.channels, fixedSize ? ir.input.height : "H", fixedSize ? ir.input.width : "W"], `normalised image, ${spanText(ir.input.span)}`);
  const meta = { ir, report, outputs, fixedSize, weights: options.weights, foldBn: options.foldBn, allStages: options.allStages, opset: ONNX_OPSET, posecVersion: pkg.version };
  const model = encodeModel({
    graphName: ir.model.name,
    graphDoc: spanText(ir.model.span),
    modelDoc: modelDoc(meta),
    producerVersion: pkg.version,
    nodes: [...lowered.nodes, ...identityNodes],
    initializers: lowered.initializers,
    inputs: [input],
    outputs: outputInfos,
    metadata: metadataProps(meta),
  });
  return { bytes: model, outputs: outputs.map(([n]) => n), renamed: values, diagnostics };
}

export const onnxEmitter: Emitter = {
  target: "onnx",
  describe: "an ONNX model (opset 17, NCHW, seeded initial weights) as model.onnx",
  async emit(ir, options) {
    const unknown = unknownOps(ir);
    if (unknown.length) return { files: [], diagnostics: unknown };
    // 4 bytes per parameter, checked from the parameter list before any weight is allocated
    const params = modelParams(ir);
    const bytes = 4 * params.reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
    if (bytes > PROTOBUF_LIMIT) {
      return { files: [], diagnostics: [diag("PN4101", ir.model.span, `the ONNX target cannot write ${ir.model.name}: its weights would take ${(bytes / 2 ** 30).toFixed(2)} GiB, more than one ONNX file holds (2 GiB)`, { help: "ONNX external data is not supported yet" })] };
    }
    const weights = initialWeights(params, options.seed);
    const r = buildOnnx(ir, weights, { allStages: !!options.flags.allStages, foldBn: !!options.flags.foldBn, weights: { kind: "initial", seed: options.seed } });
    return { files: r.bytes ? [{ path: "model.onnx", data: r.bytes }] : [], diagnostics: r.diagnostics };
  },
};
