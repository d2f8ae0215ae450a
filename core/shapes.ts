// Shape and cost inference on the IR for one input size: every tensor's shape, parameters (trainable
// and not), multiply-accumulates, activation memory and receptive field, per node and per part. Also
// the checks that need spatial sizes: merges of unequal maps, empty maps, the stages' stride, and the
// resource bounds that reject a spec before anything is allocated.
import { diag, type Diagnostic } from "./diagnostics.js";
import type { Ir, IrNode } from "./ir/types.js";
import { lookupOp } from "./ops/index.js";
import type { ReceptiveField, Shape } from "./ops/op.js";
import { poolOut } from "./ops/pool.js";

export type { Shape, ReceptiveField };

export interface NodeCost {
  name: string;
  op: string;
  part: string;
  shape: Shape;
  params: number;
  nonTrainable: number;
  macs: number;
}

export interface PartCost {
  params: number;
  nonTrainable: number;
  macs: number;
  activationBytes: number;
}

export interface ShapeReport {
  input: Shape;
  shapes: Record<string, Shape>;
  receptiveFields: Record<string, ReceptiveField>;
  nodes: NodeCost[];
  totals: PartCost;
  parts: Record<string, PartCost>;
  outputs: Record<string, Shape>;
}

export const RESOURCE_LIMITS = { params: 1_000_000_000, activationBytes: 32 * 2 ** 30, tensorElements: 2 ** 31 - 1, inputSide: 16384 };

const BYTES_PER_ELEMENT = 4;

/** Caffe/PyTorch pooling output size (defined with the pooling ops). */
export { poolOut };

function fmt(s: Shape): string {
  return `${s[0]}×${s[1]}×${s[2]}`;
}

export function inferShapes(ir: Ir, height: number, width: number): { report?: ShapeReport; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const input: Shape = [height, width, ir.input.channels];
  if (height < 1 || width < 1 || height > RESOURCE_LIMITS.inputSide || width > RESOURCE_LIMITS.inputSide) {
    diags.push(diag("PN3005", ir.input.span, `input size ${height}x${width} is outside 1..${RESOURCE_LIMITS.inputSide}`));
    return { diagnostics: diags };
  }
  const shapes: Record<string, Shape> = { [ir.input.tensor]: input };
  const rf: Record<string, ReceptiveField> = { [ir.input.tensor]: { size: [1, 1], stride: [1, 1] } };
  const nodes: NodeCost[] = [];
  const producer = new Map(ir.nodes.map((n) => [n.name, n]));
  const describe = (t: string) => `\`${t}\` (${fmt(shapes[t])})`;
  for (const node of ir.nodes) {
    const ins = node.inputs.map((t) => shapes[t]);
    if (ins.some((s) => !s)) {
      diags.push(diag("PN4001", node.span, `invalid IR: node \`${node.name}\` reads a tensor that no earlier node produces`));
      return { diagnostics: diags };
    }
    const op = lookupOp(node.op);
    if (!op) {
      diags.push(diag("PN4001", node.span, `invalid IR: node \`${node.name}\` has the unknown op \`${String(node.op)}\``));
      return { diagnostics: diags };
    }
    const result = op.shape(node.attrs, ins, node.inputs.map((t) => rf[t]));
    if ("mismatch" in result) {
      const [a, b] = result.mismatch;
      diags.push(
        diag("PN3002", node.span, `\`${node.name}\` (${node.op}) joins maps of different sizes: ${describe(node.inputs[a])} and ${describe(node.inputs[b])}`, {
          labels: [a, b].flatMap((i) => {
            const p = producer.get(node.inputs[i]);
            return p ? [{ span: p.span, message: `${fmt(shapes[node.inputs[i]])} comes from \`${p.name}\`` }] : [];
          }),
          help: "the stage branches must keep the spatial size of the features (stride 1, `same` padding)",
        }),
      );
      return { diagnostics: diags };
    }
    const shape = result.shape;
    if (shape[0] < 1 || shape[1] < 1) {
      diags.push(diag("PN3004", node.span, `\`${node.name}\` produces an empty map (${shape[0]}×${shape[1]}) from ${fmt(ins[0])} at input ${height}x${width}`, { help: "use a larger input, or smaller kernels/strides" }));
      return { diagnostics: diags };
    }
    if (shape[0] * shape[1] * shape[2] > RESOURCE_LIMITS.tensorElements) {
      diags.push(diag("PN3005", node.span, `\`${node.name}\` would hold ${fmt(shape)} values, more than one tensor can`));
      return { diagnostics: diags };
    }
    shapes[node.name] = shape;
    rf[node.name] = result.rf;
    nodes.push({ name: node.name, op: node.op, part: node.part, shape, ...op.cost(node.attrs, ins[0], shape) });
  }
  const parts: Record<string, PartCost> = {};
  const totals: PartCost = { params: 0, nonTrainable: 0, macs: 0, activationBytes: 0 };
  for (const n of nodes) {
    const bytes = n.shape[0] * n.shape[1] * n.shape[2] * BYTES_PER_ELEMENT;
    for (const key of partKeys(n.part)) {
      const p = (parts[key] ??= { params: 0, nonTrainable: 0, macs: 0, activationBytes: 0 });
      p.params += n.params;
      p.nonTrainable += n.nonTrainable;
      p.macs += n.macs;
      p.activationBytes += bytes;
    }
    totals.params += n.params;
    totals.nonTrainable += n.nonTrainable;
    totals.macs += n.macs;
    totals.activationBytes += bytes;
  }
  if (totals.params > RESOURCE_LIMITS.params) {
    diags.push(diag("PN3005", ir.model.span, `the model has ${totals.params.toLocaleString("en-US")} parameters, more than posec's bound of ${RESOURCE_LIMITS.params.toLocaleString("en-US")}`));
  }
  if (totals.activationBytes > RESOURCE_LIMITS.activationBytes) {
    diags.push(diag("PN3005", ir.model.span, `the activations of one ${height}x${width} image take ${(totals.activationBytes / 2 ** 30).toFixed(1)} GiB, more than posec's bound of ${RESOURCE_LIMITS.activationBytes / 2 ** 30} GiB`));
  }
  if (ir.stages) {
    const f = rf[ir.stages.features];
    if (f.stride[0] !== ir.stages.stride || f.stride[1] !== ir.stages.stride) {
      // Point at the user's backbone line (the call site of the last backbone layer), where the fix goes.
      const lastBackbone = [...ir.nodes].reverse().find((n) => n.part === "backbone");
      const at = lastBackbone ? (lastBackbone.callers[0] ?? lastBackbone.span) : ir.stages.span;
      const p = producer.get(ir.stages.features);
      diags.push(
        diag("PN3003", at, `the features reach the stages at stride ${f.stride.join("x")} (${describe(ir.stages.features)} at input ${height}x${width}), but the label grid has stride ${ir.stages.stride}`, {
          labels: [
            ...(p ? [{ span: p.span, message: `the features come from \`${p.name}\`` }] : []),
            { span: ir.stages.span, message: `the stages expect stride ${ir.stages.stride}` },
          ],
          help: ir.stages.stride < f.stride[0] ? `cut the backbone earlier (e.g. \`until layer2\`), or add \`upsample ${f.stride[0] / ir.stages.stride}\` to the adapter` : "cut the backbone later, or declare `stages N stride=...`",
        }),
      );
    }
  }
  const outputs: Record<string, Shape> = {};
  for (const [name, tensor] of Object.entries(ir.outputs)) outputs[name] = shapes[tensor];
  return { report: { input, shapes, receptiveFields: rf, nodes, totals, parts, outputs }, diagnostics: diags };
}

/** A node counts towards its part, and a stage branch also towards its stage ("stage3.paf" -> "stage3"). */
function partKeys(part: string): string[] {
  const dot = part.indexOf(".");
  return dot < 0 ? [part] : [part.slice(0, dot), part];
}

export { fmt as formatShape };
