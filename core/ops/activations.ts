// Elementwise activations. Each is usable as a layer (`relu`) and as a layer's suffix (`conv 3x3 64 relu`).
import { attr, attrs, NO_ATTRS } from "./attrs.js";
import { defineOp } from "./op.js";

export const relu = defineOp({
  summary: "rectified linear unit",
  attrs: NO_ATTRS,
  activation: true,
  onnx: (_a, c) => c.node("Relu", c.name, c.inputs, [c.output]),
  tfjs: (_a, c) => ({ layers: [{ layer: "reLU", config: { name: c.name } }] }),
  torch: { module: () => "nn.ReLU()" },
});

export const leakyrelu = defineOp({
  summary: "leaky ReLU: x for x > 0, alpha * x otherwise",
  attrs: attrs({ alpha: attr.number() }),
  activation: true,
  onnx: (a, c) => c.node("LeakyRelu", c.name, c.inputs, [c.output], { alpha: { float: a.alpha } }),
  tfjs: (a, c) => ({ layers: [{ layer: "leakyReLU", config: { name: c.name, alpha: a.alpha } }] }),
  torch: { module: (a, c) => `nn.LeakyReLU(${c.py.float(a.alpha)})` },
});

/** PReLU's slope starts at 0.25 (Caffe's and PyTorch's default). */
const PRELU_INIT = { kind: "constant", value: 0.25 } as const;

export const prelu = defineOp({
  summary: "parametric ReLU with a learned slope per channel (initialised to 0.25)",
  attrs: NO_ATTRS,
  activation: true,
  cost: (_a, input) => ({ params: input[2], nonTrainable: 0, macs: 0 }),
  params: (_a, input) => [{ role: "alpha", shape: [input[2]], init: PRELU_INIT }],
  onnx(_a, c) {
    const alpha = c.param("alpha", [c.inputShape[2]], "prelu-slope");
    if (alpha) c.node("PRelu", c.name, [c.inputs[0], alpha], [c.output]);
  },
  // one slope per channel (shared over height and width); the initial 0.25 comes with the weights
  tfjs: (_a, c) => ({ layers: [{ layer: "prelu", config: { name: c.name, sharedAxes: [1, 2] } }] }),
  torch: { module: (_a, c) => `nn.PReLU(${c.cin}, init=0.25)`, init: () => [{ param: "weight", init: PRELU_INIT }] },
});

export const elu = defineOp({
  summary: "exponential linear unit with alpha 1: x for x > 0, exp(x) - 1 otherwise",
  attrs: NO_ATTRS,
  activation: true,
  onnx: (_a, c) => c.node("Elu", c.name, c.inputs, [c.output], { alpha: { float: 1 } }),
  tfjs: (_a, c) => ({ layers: [{ layer: "elu", config: { name: c.name, alpha: 1 } }] }),
  torch: { module: () => "nn.ELU()" },
});

export const sigmoid = defineOp({
  summary: "logistic sigmoid",
  attrs: NO_ATTRS,
  activation: true,
  onnx: (_a, c) => c.node("Sigmoid", c.name, c.inputs, [c.output]),
  tfjs: (_a, c) => ({ layers: [{ layer: "activation", config: { name: c.name, activation: "sigmoid" } }] }),
  torch: { module: () => "nn.Sigmoid()" },
});

export const tanh = defineOp({
  summary: "hyperbolic tangent",
  attrs: NO_ATTRS,
  activation: true,
  onnx: (_a, c) => c.node("Tanh", c.name, c.inputs, [c.output]),
  tfjs: (_a, c) => ({ layers: [{ layer: "activation", config: { name: c.name, activation: "tanh" } }] }),
  torch: { module: () => "nn.Tanh()" },
});
