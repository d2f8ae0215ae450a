// A fully connected layer over the whole input, flattened in H, W, C order (channels-last, as tfjs
// flattens); its output is a [1, 1, units] map like every other tensor.
import { attr, attrs } from "./attrs.js";
import { defineOp, type TfjsPlan } from "./op.js";

export const dense = defineOp({
  summary: "fully connected layer over the flattened input: [H,W,C] -> [1,1,units]",
  attrs: attrs({ units: attr.int(1), bias: attr.bool(), weightInit: attr.weightInit(), biasInit: attr.weightInit() }),
  channels: (a) => a.units,
  shape: (a, _ins, [rf]) => ({ shape: [1, 1, a.units], rf: { size: null, stride: rf.stride } }),
  cost(a, [h, w, c]) {
    const inFeatures = h * w * c;
    return { params: inFeatures * a.units + (a.bias ? a.units : 0), nonTrainable: 0, macs: inFeatures * a.units };
  },
  params(a, [h, w, c]) {
    const fans = { in: h * w * c, out: a.units };
    const kernel = { role: "kernel" as const, shape: [h * w * c, a.units], init: a.weightInit, fans };
    return a.bias ? [kernel, { role: "bias" as const, shape: [a.units], init: a.biasInit, fans }] : [kernel];
  },
  onnx(a, c) {
    const [h, w, ch] = c.inputShape;
    const k = c.param("kernel", [h * w * ch, a.units], "dense-gemm");
    const b = a.bias ? c.param("bias", [a.units]) : null;
    if (!k || (a.bias && !b)) return;
    // Flatten + Gemm (transB=1, B = [units, in]), then back to rank 4 as [N, units, 1, 1] by a Reshape
    // (0 keeps N). The form importers accept: OpenCV 4.6 refuses Gemm without transB followed by a
    // two-axis Unsqueeze.
    c.node("Flatten", `${c.name}/flatten`, [c.inputs[0]], [`${c.name}/flat`], { axis: { int: 1 } });
    c.node("Gemm", c.name, b ? [`${c.name}/flat`, k, b] : [`${c.name}/flat`, k], [`${c.name}/gemm`], { transB: { int: 1 } });
    const shape = c.constant(`${c.name}/shape`, "int64", [4], [0, a.units, 1, 1]);
    c.node("Reshape", `${c.name}/reshape`, [`${c.name}/gemm`, shape], [c.output]);
  },
  tfjs: (a, c): TfjsPlan => ({
    layers: [
      { layer: "flatten", config: { name: `${c.name}_flatten` } },
      { layer: "dense", config: a.bias ? { name: c.name, units: a.units } : { name: c.name, units: a.units, useBias: false }, zeros: true },
      { layer: "reshape", config: { name: `${c.name}_reshape`, targetShape: [1, 1, a.units] } },
    ],
  }),
  torch: {
    module: (a, c) => `nn.Linear(${c.denseIn}, ${a.units}${a.bias ? "" : ", bias=False"})`,
    // posec flattens in H, W, C order (channels-last); the output is N x units x 1 x 1
    forward: (_a, ins) => ({ args: [`${ins[0]}.permute(0, 2, 3, 1).flatten(1)`], suffix: "[:, :, None, None]" }),
    init: (a) => (a.bias ? [{ param: "weight", init: a.weightInit }, { param: "bias", init: a.biasInit }] : [{ param: "weight", init: a.weightInit }]),
  },
});
