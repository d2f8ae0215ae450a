// Shape and cost inference on the IR for one input size: every tensor's shape, parameters (trainable
// and not), multiply-accumulates, activation memory and receptive field, per node and per part. Also
// the checks that need spatial sizes: merges of unequal maps, empty maps, the stages' stride, and the
// resource bounds that reject a spec before anything is allocated.
import { diag, type Diagnostic } from "./diagnostics.js";
import type { Ir, IrNode, Pair, PoolAttrs } from "./ir/types.js";

export type Shape = [number, number, number];

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

export interface ReceptiveField {
  /** in input pixels; null once a global pool or dense layer has seen the whole image */
  size: Pair | null;
  stride: Pair;
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

function convOut(size: number, k: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((size + before + after - (d * (k - 1) + 1)) / s) + 1;
}

/** Caffe/PyTorch pooling: with ceil, the last window must still start inside the (left-padded) input. */
export function poolOut(size: number, k: number, s: number, before: number, after: number, ceil: boolean): number {
  const span = size + before + after - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + before) out--;
  return out;
}

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
      diags.push(diag("PN4001", node.span, `node \`${node.name}\` reads a tensor with no shape`));
      return { diagnostics: diags };
    }
    const result = nodeShape(node, ins, node.inputs.map((t) => rf[t]));
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
    nodes.push({ name: node.name, op: node.op, part: node.part, shape, ...cost(node, ins[0], shape) });
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

function nodeShape(node: IrNode, ins: Shape[], rfs: ReceptiveField[]): { shape: Shape; rf: ReceptiveField } | { mismatch: [number, number] } {
  const [h, w, c] = ins[0];
  const r = rfs[0];
  const grow = (k: Pair, s: Pair, d: Pair = [1, 1]): ReceptiveField => ({
    size: r.size && [r.size[0] + d[0] * (k[0] - 1) * r.stride[0], r.size[1] + d[1] * (k[1] - 1) * r.stride[1]],
    stride: [r.stride[0] * s[0], r.stride[1] * s[1]],
  });
  switch (node.op) {
    case "conv": {
      const a = node.attrs;
      const shape: Shape = [convOut(h, a.kernel[0], a.stride[0], a.dilation[0], a.pad[0], a.pad[2]), convOut(w, a.kernel[1], a.stride[1], a.dilation[1], a.pad[1], a.pad[3]), a.filters];
      return { shape, rf: grow(a.kernel, a.stride, a.dilation) };
    }
    case "maxpool":
    case "avgpool": {
      const a = node.attrs as PoolAttrs;
      const shape: Shape = [poolOut(h, a.kernel[0], a.stride[0], a.pad[0], a.pad[2], a.ceil), poolOut(w, a.kernel[1], a.stride[1], a.pad[1], a.pad[3], a.ceil), c];
      return { shape, rf: grow(a.kernel, a.stride) };
    }
    case "gap":
      return { shape: [1, 1, c], rf: { size: null, stride: r.stride } };
    case "dense":
      return { shape: [1, 1, node.attrs.units], rf: { size: null, stride: r.stride } };
    case "upsample": {
      const f = node.attrs.factor;
      return { shape: [h * f[0], w * f[1], c], rf: { size: r.size, stride: [r.stride[0] / f[0], r.stride[1] / f[1]] } };
    }
    case "add":
    case "mul":
    case "concat": {
      // mul lets a [1,1,C] gate scale a map (squeeze-excitation); otherwise sizes must agree.
      const maps = ins.map((s, i) => ({ s, i })).filter(({ s }) => !(node.op === "mul" && s[0] === 1 && s[1] === 1));
      const ref = maps[0] ?? { s: ins[0], i: 0 };
      for (const m of maps) if (m.s[0] !== ref.s[0] || m.s[1] !== ref.s[1]) return { mismatch: [ref.i, m.i] };
      const channels = node.op === "concat" ? ins.reduce((a, s) => a + s[2], 0) : Math.max(...ins.map((s) => s[2]));
      const sizes = rfs.map((x) => x.size);
      const size = sizes.some((x) => x === null) ? null : ([Math.max(...sizes.map((x) => x![0])), Math.max(...sizes.map((x) => x![1]))] as Pair);
      return { shape: [ref.s[0], ref.s[1], channels], rf: { size, stride: rfs[ref.i].stride } };
    }
    default:
      return { shape: [h, w, c], rf: r };
  }
}

function cost(node: IrNode, input: Shape, out: Shape): { params: number; nonTrainable: number; macs: number } {
  const [oh, ow] = out;
  switch (node.op) {
    case "conv": {
      const a = node.attrs;
      const perFilter = (input[2] / a.groups) * a.kernel[0] * a.kernel[1];
      return { params: perFilter * a.filters + (a.bias ? a.filters : 0), nonTrainable: 0, macs: oh * ow * a.filters * perFilter };
    }
    case "dense": {
      const inFeatures = input[0] * input[1] * input[2];
      return { params: inFeatures * node.attrs.units + (node.attrs.bias ? node.attrs.units : 0), nonTrainable: 0, macs: inFeatures * node.attrs.units };
    }
    case "bn":
      return { params: 2 * input[2], nonTrainable: 2 * input[2], macs: 0 };
    case "prelu":
      return { params: input[2], nonTrainable: 0, macs: 0 };
    default:
      return { params: 0, nonTrainable: 0, macs: 0 };
  }
}

export { fmt as formatShape };
