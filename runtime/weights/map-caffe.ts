// A caffemodel's layers -> the spec's layers, by name (cmu-names.ts), with Caffe's blob meanings:
//   Convolution   blobs [weight OIHW, bias?]
//   InnerProduct  blobs [weight (out, in) or (in, out) with transpose=true; in flattened C, H, W, bias?]
//   PReLU         blobs [slopes [C], or [1] with channel_shared]
//   BatchNorm     blobs [mean, variance, scale factor]: the statistics are mean / factor and variance /
//                 factor (factor 0 means 0), as Caffe computes them; gamma and beta come from the Scale
//                 layer that reads the BatchNorm's output (blobs [gamma, beta?]); without one, Caffe
//                 applies neither: gamma 1, beta 0.
import { spanText, type Ir, type IrNode } from "../../core/ir/types.js";
import { inferShapes } from "../../core/shapes.js";
import type { CaffeLayer, CaffeNet } from "./caffe.js";
import { caffeNamesFor } from "./cmu-names.js";
import { firstFloat } from "./float-source.js";
import { constant, convFromOIHW, denseFromOutIn, vector } from "./layouts.js";
import type { NodeSource, SourceMatch, SourceTensor } from "./map.js";
import { WEIGHTS_MISMATCH } from "./map.js";
import { PosecError } from "../errors.js";

/** which Caffe layer types can hold each posec op's parameters */
const TYPES: Record<string, string[]> = { conv: ["Convolution"], dense: ["InnerProduct"], prelu: ["PReLU"], bn: ["BatchNorm"] };

const blobKey = (layer: CaffeLayer, i: number) => `\`${layer.name}\` blob ${i}`;

export function matchCaffe(net: CaffeNet, ir: Ir): SourceMatch {
  const byName = new Map<string, CaffeLayer>();
  for (const l of net.layers) {
    if (l.blobs.length === 0) continue;
    if (byName.has(l.name)) throw new PosecError(`${net.path}: two layers named \`${l.name}\` hold weights; layers are matched by name, so names must be unique`, WEIGHTS_MISMATCH);
    byName.set(l.name, l);
  }
  const shapes = inferShapes(ir, ir.input.height, ir.input.width).report?.shapes;
  const used = new Set<CaffeLayer>();
  const nodes = new Map<string, NodeSource>();
  const notes: string[] = [];
  for (const n of ir.nodes) {
    const types = TYPES[n.op];
    if (!types) continue;
    const name = caffeNamesFor(n.name).find((c) => byName.has(c));
    if (name === undefined) continue;
    const layer = byName.get(name)!;
    if (!types.includes(layer.type)) {
      throw new PosecError(`${net.path}: layer \`${layer.name}\` is a ${layer.type}, but the spec's \`${n.name}\` (${spanText(n.span)}) is a ${n.op}, which reads a ${types.join(" or ")}`, WEIGHTS_MISMATCH);
    }
    used.add(layer);
    nodes.set(n.name, { from: layer.name, tensors: tensorsFor(n, layer, net, used, notes, shapes?.[n.inputs[0]]) });
  }
  const ignored = net.layers
    .filter((l) => l.blobs.length > 0 && !used.has(l))
    .flatMap((l) => l.blobs.map((b, i) => ({ key: blobKey(l, i), shape: b.shape, reason: `no layer of ${ir.model.name} is named \`${l.name}\` (${l.type}), directly or by the CMU convention` })));
  return { format: `caffemodel, NetParameter.${net.format}`, nodes, ignored, notes };
}

function tensorsFor(n: IrNode, layer: CaffeLayer, net: CaffeNet, used: Set<CaffeLayer>, notes: string[], input?: [number, number, number]): NodeSource["tensors"] {
  const b = layer.blobs;
  const at = (i: number) => b[i] ?? { shape: [0], data: new Float32Array(0) };
  switch (n.op) {
    case "conv":
      return { kernel: b[0] && convFromOIHW(blobKey(layer, 0), b[0].shape, b[0].data), bias: b[1] && vector(blobKey(layer, 1), b[1].shape, b[1].data) };
    case "dense":
      return {
        kernel: b[0] && denseFromOutIn(blobKey(layer, 0), b[0].shape, b[0].data, input ?? [1, 1, 1], layer.params.innerProductTranspose === true),
        bias: b[1] && vector(blobKey(layer, 1), b[1].shape, b[1].data),
      };
    case "prelu": {
      const slopes = at(0);
      const channels = input?.[2] ?? slopes.data.length;
      if (slopes.data.length === 1 && channels !== 1) {
        return { alpha: { ...vector(blobKey(layer, 0), [channels], slopes.data, () => new Float32Array(channels).fill(firstFloat(slopes.data)), `one slope shared by all ${channels} channels (channel_shared)`), shape: slopes.shape } };
      }
      return { alpha: b[0] && vector(blobKey(layer, 0), slopes.shape, slopes.data) };
    }
    case "bn": {
      if (b.length < 3) return {};
      const factor = firstFloat(b[2].data);
      const unscale = (v: Float32Array) => v.map((x) => (factor === 0 ? 0 : x / factor));
      const note = `divided by the scale factor (blob 2 = ${factor}), as Caffe does`;
      const eps = layer.params.bnEps ?? 1e-5;
      if (Math.abs(eps - n.attrs.eps) > 1e-12) notes.push(`BatchNorm \`${layer.name}\` uses eps=${eps}, the spec's \`${n.name}\` (${spanText(n.span)}) eps=${n.attrs.eps}: outputs differ slightly unless the spec sets bn eps=${eps}`);
      const tensors: Partial<Record<string, SourceTensor>> = {
        moving_mean: vector(blobKey(layer, 0), b[0].shape, b[0].data, unscale, note),
        moving_variance: vector(blobKey(layer, 1), b[1].shape, b[1].data, unscale, note),
      };
      const scale = scaleAfter(layer, net);
      const c = b[0].data.length;
      if (scale) {
        used.add(scale);
        tensors.gamma = scale.blobs[0] && vector(blobKey(scale, 0), scale.blobs[0].shape, scale.blobs[0].data, undefined, `from the Scale layer \`${scale.name}\` after \`${layer.name}\``);
        tensors.beta = scale.blobs[1]
          ? vector(blobKey(scale, 1), scale.blobs[1].shape, scale.blobs[1].data, undefined, `from the Scale layer \`${scale.name}\` after \`${layer.name}\``)
          : constant(`\`${scale.name}\` (no bias)`, c, 0, `the Scale layer \`${scale.name}\` has no bias term: beta 0`);
      } else {
        const why = `BatchNorm \`${layer.name}\` has no Scale layer after it: Caffe applies no scale or shift`;
        tensors.gamma = constant(`\`${layer.name}\` (no Scale)`, c, 1, `${why} (gamma 1)`);
        tensors.beta = constant(`\`${layer.name}\` (no Scale)`, c, 0, `${why} (beta 0)`);
      }
      return tensors;
    }
    default:
      return {};
  }
}

/** The Scale layer that follows a BatchNorm in file order and reads its output. */
function scaleAfter(bn: CaffeLayer, net: CaffeNet): CaffeLayer | undefined {
  const start = net.layers.indexOf(bn) + 1;
  const top = bn.top[0] ?? bn.name;
  for (const l of net.layers.slice(start)) {
    if (l.type === "Scale" && l.bottom[0] === top) return l;
    // the BatchNorm's output was overwritten by another layer in place: no Scale pairs with it any more
    if (l.type !== "Scale" && l.top.includes(top) && !l.bottom.includes(top)) return undefined;
  }
  return undefined;
}
