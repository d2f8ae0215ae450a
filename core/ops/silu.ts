// SiLU (swish): x * sigmoid(x). ONNX has no SiLU or Swish op in the opsets posec writes: Sigmoid, then Mul.
import { NO_ATTRS } from "./attrs.js";
import { defineOp } from "./op.js";

export const silu = defineOp({
  summary: "sigmoid linear unit (swish): x * sigmoid(x)",
  attrs: NO_ATTRS,
  activation: true,
  onnx(_a, c) {
    c.node("Sigmoid", `${c.name}/sigmoid`, c.inputs, [`${c.name}/gate`]);
    c.node("Mul", c.name, [c.inputs[0], `${c.name}/gate`], [c.output]);
  },
  // tfjs's `swish` activation is x * sigmoid(x)
  tfjs: (_a, c) => ({ layers: [{ layer: "activation", config: { name: c.name, activation: "swish" } }] }),
  torch: { module: () => "nn.SiLU()" },
});
