// The parameter tensors of a model (each op declares its own: core/ops/), named once for every consumer (tfjs runtime, ONNX, PyTorch, the
// generated code, checkpoints). Names follow tfjs/Keras (`<layer>/kernel`, `/bias`, `/gamma`, `/beta`,
// `/moving_mean`, `/moving_variance`, `/alpha`) so that tfjs checkpoints map one to one. Layouts are
// channels-last, as tfjs stores them; each emitter converts in one place:
//   conv kernel  [kh, kw, in/groups, filters]   (HWIO)
//   dense kernel [inFeatures, units], inFeatures flattened in H, W, C order
//   everything else [channels]
import type { Ir, IrNode, WeightInit } from "../ir/types.js";
import { lookupOp } from "../ops/index.js";
import type { ParamRole } from "../ops/op.js";

export interface ParamSpec {
  name: string;
  node: string;
  role: ParamRole;
  shape: number[];
  trainable: boolean;
  init: WeightInit;
  /** fan-in and fan-out of the layer, for Kaiming and Xavier */
  fans: { in: number; out: number };
}

/**
 * Parameter tensors of every node, in IR order, as each op declares them (core/ops/). `inputShape` gives a
 * node's input [H, W, C]: dense layers need it (their kernel depends on the input size); everything else
 * only needs channels. An op posec does not know has none (the shape pass reports it).
 */
export function paramSpecs(ir: Ir, inputShape: (node: IrNode) => [number, number, number]): ParamSpec[] {
  return ir.nodes.flatMap((n) =>
    (lookupOp(n.op)?.params(n.attrs, inputShape(n)) ?? []).map((p) => ({
      name: `${n.name}/${p.role}`,
      node: n.name,
      role: p.role,
      shape: p.shape,
      trainable: p.trainable ?? true,
      init: p.init,
      fans: p.fans ?? { in: 1, out: 1 },
    })),
  );
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
