// Batch normalisation over channels. `momentum` is the fraction of the running statistics kept per step
// (the Keras/tfjs/ONNX convention: 0.9 == PyTorch's 0.1).
import { attr, attrs } from "./attrs.js";
import { defineOp } from "./op.js";

const ONE = { kind: "constant", value: 1 } as const;
const ZERO = { kind: "constant", value: 0 } as const;
const ROLES = ["gamma", "beta", "moving_mean", "moving_variance"] as const;

/** 1 - kept fraction, without the float noise of the subtraction (0.9 -> 0.1) */
const torchMomentum = (kept: number) => Number((1 - kept).toPrecision(12));

export const bn = defineOp({
  summary: "batch normalisation (momentum: fraction of the running statistics kept per step)",
  attrs: attrs({ eps: attr.positive(), momentum: attr.range(0, 1) }),
  cost: (_a, [, , c]) => ({ params: 2 * c, nonTrainable: 2 * c, macs: 0 }),
  params: (_a, [, , c]) => [
    { role: "gamma", shape: [c], init: ONE },
    { role: "beta", shape: [c], init: ZERO },
    { role: "moving_mean", shape: [c], init: ZERO, trainable: false },
    { role: "moving_variance", shape: [c], init: ONE, trainable: false },
  ],
  onnx(a, c) {
    const ts = ROLES.map((r) => c.param(r, [c.inputShape[2]]));
    if (ts.some((t) => !t)) return;
    // ONNX's momentum has the Keras/tfjs meaning (fraction of the running statistic kept), as the IR's.
    c.node("BatchNormalization", c.name, [c.inputs[0], ...(ts as string[])], [c.output], { epsilon: { float: a.eps }, momentum: { float: a.momentum } });
  },
  tfjs: (a, c) => ({ layers: [{ layer: "batchNormalization", config: { name: c.name, momentum: a.momentum, epsilon: a.eps } }] }),
  torch: {
    module: (a, c) => `nn.BatchNorm2d(${c.cin}, eps=${c.py.float(a.eps)}, momentum=${c.py.float(torchMomentum(a.momentum))})`,
    init: () => [{ reset: true }],
  },
});
