// The parameter tensors of a model, declared once for every consumer (tfjs runtime, ONNX, PyTorch, the
// generated code, checkpoints). Names follow tfjs/Keras (`<layer>/kernel`, `/bias`, `/gamma`, `/beta`,
// `/moving_mean`, `/moving_variance`, `/alpha`) so that tfjs checkpoints map one to one. Layouts are
// channels-last, as tfjs stores them; each emitter converts in one place:
//   conv kernel  [kh, kw, in/groups, filters]   (HWIO)
//   dense kernel [inFeatures, units], inFeatures flattened in H, W, C order
//   everything else [channels]
import type { Ir, IrNode, WeightInit } from "../ir/types.js";

export interface ParamSpec {
  name: string;
  node: string;
  role: "kernel" | "bias" | "gamma" | "beta" | "moving_mean" | "moving_variance" | "alpha";
  shape: number[];
  trainable: boolean;
  init: WeightInit;
  /** fan-in and fan-out of the layer, for Kaiming and Xavier */
  fans: { in: number; out: number };
}

const ONE: WeightInit = { kind: "constant", value: 1 };
const ZERO: WeightInit = { kind: "constant", value: 0 };

/**
 * Parameter tensors of every node, in IR order. `inputShape` gives a node's input [H, W, C]: dense
 * layers need it (their kernel depends on the input size); everything else only needs channels.
 */
export function paramSpecs(ir: Ir, inputShape: (node: IrNode) => [number, number, number]): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const n of ir.nodes) {
    const [h, w, c] = inputShape(n);
    const add = (role: ParamSpec["role"], shape: number[], init: WeightInit, fans = { in: 1, out: 1 }, trainable = true) =>
      out.push({ name: `${n.name}/${role}`, node: n.name, role, shape, trainable, init, fans });
    switch (n.op) {
      case "conv": {
        const a = n.attrs;
        const receptive = a.kernel[0] * a.kernel[1];
        // PyTorch's convention: fan_in counts one group's inputs, fan_out all filters.
        const fans = { in: (c / a.groups) * receptive, out: a.filters * receptive };
        add("kernel", [a.kernel[0], a.kernel[1], c / a.groups, a.filters], a.weightInit, fans);
        if (a.bias) add("bias", [a.filters], a.biasInit, fans);
        break;
      }
      case "dense": {
        const a = n.attrs;
        const fans = { in: h * w * c, out: a.units };
        add("kernel", [h * w * c, a.units], a.weightInit, fans);
        if (a.bias) add("bias", [a.units], a.biasInit, fans);
        break;
      }
      case "bn":
        add("gamma", [c], ONE);
        add("beta", [c], ZERO);
        add("moving_mean", [c], ZERO, undefined, false);
        add("moving_variance", [c], ONE, undefined, false);
        break;
      case "prelu":
        add("alpha", [c], { kind: "constant", value: 0.25 });
        break;
    }
  }
  return out;
}

export function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
