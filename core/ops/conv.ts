// 2-D convolution, grouped and dilated, with explicit (possibly asymmetric) pads.
import { tfjsConvLayer } from "../tfjs-conv-layer.js";
import { attr, attrs } from "./attrs.js";
import { defineOp, grow, pairOrOne, type OnnxAttr, type TfjsLayer, type TfjsValue } from "./op.js";
import type { Padding } from "../ir/basic-types.js";

const symmetric = (p: Padding) => p[0] === p[2] && p[1] === p[3];

function convOut(size: number, k: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((size + before + after - (d * (k - 1) + 1)) / s) + 1;
}

/** zeroPadding2d's `padding`: one number, [vertical, horizontal], or [[top, bottom], [left, right]]. */
export function zeroPadding(name: string, p: Padding): TfjsLayer {
  const padding: TfjsValue = p.every((x) => x === p[0]) ? p[0] : p[0] === p[2] && p[1] === p[3] ? [p[0], p[1]] : [[p[0], p[2]], [p[1], p[3]]];
  return { layer: "zeroPadding2d", config: { name: `${name}_pad`, padding } };
}

export const conv = defineOp({
  summary: "2-D convolution (grouped, dilated, explicit pads)",
  attrs: attrs({
    kernel: attr.pair(),
    filters: attr.int(1),
    stride: attr.pair(),
    dilation: attr.pair(),
    /** top, left, bottom, right */
    pad: attr.padding(),
    groups: attr.int(1),
    bias: attr.bool(),
    weightInit: attr.weightInit(),
    biasInit: attr.weightInit(),
  }),
  check: (a, ins) => (ins[0] % a.groups !== 0 ? `groups=${a.groups} does not divide its ${ins[0]} input channels` : null),
  channels: (a) => a.filters,
  shape: (a, [[h, w]], [rf]) => ({
    shape: [convOut(h, a.kernel[0], a.stride[0], a.dilation[0], a.pad[0], a.pad[2]), convOut(w, a.kernel[1], a.stride[1], a.dilation[1], a.pad[1], a.pad[3]), a.filters],
    rf: grow(rf, a.kernel, a.stride, a.dilation),
  }),
  cost(a, input, [oh, ow]) {
    const perFilter = (input[2] / a.groups) * a.kernel[0] * a.kernel[1];
    return { params: perFilter * a.filters + (a.bias ? a.filters : 0), nonTrainable: 0, macs: oh * ow * a.filters * perFilter };
  },
  params(a, [, , c]) {
    const receptive = a.kernel[0] * a.kernel[1];
    // PyTorch's convention: fan_in counts one group's inputs, fan_out all filters.
    const fans = { in: (c / a.groups) * receptive, out: a.filters * receptive };
    const kernel = { role: "kernel" as const, shape: [a.kernel[0], a.kernel[1], c / a.groups, a.filters], init: a.weightInit, fans };
    return a.bias ? [kernel, { role: "bias" as const, shape: [a.filters], init: a.biasInit, fans }] : [kernel];
  },
  onnx(a, c) {
    const k = c.param("kernel", [a.kernel[0], a.kernel[1], c.inputShape[2] / a.groups, a.filters], "oihw");
    const b = a.bias ? c.param("bias", [a.filters]) : null;
    if (!k || (a.bias && !b)) return;
    // IR pads are [top, left, bottom, right]; ONNX's are [x1_begin, x2_begin, x1_end, x2_end]: the same order.
    const attributes: Record<string, OnnxAttr> = { kernel_shape: { ints: a.kernel }, strides: { ints: a.stride }, pads: { ints: a.pad }, dilations: { ints: a.dilation }, group: { int: a.groups } };
    c.node("Conv", c.name, b ? [c.inputs[0], k, b] : [c.inputs[0], k], [c.output], attributes);
  },
  tfjs(a, c) {
    const name = c.name;
    // tfjs's depthwise layer ignores dilation: a dilated depthwise conv (stride 1) is posec's own layer
    if (a.groups > 1 && a.groups === c.inChannels && a.filters === c.inChannels && a.dilation.some((d) => d > 1) && a.stride.every((s) => s === 1)) {
      const layer: TfjsLayer = { layer: "PosecDilatedDepthwiseConv2D", custom: true, config: { name, kernelSize: a.kernel, dilation: a.dilation, useBias: a.bias } };
      return { layers: a.pad.some((p) => p > 0) ? [zeroPadding(name, a.pad), layer] : [layer] };
    }
    const rule = tfjsConvLayer(a, c.inChannels);
    if (rule.kind === "unsupported") return { unsupported: rule.reason, help: rule.help };
    const depthwise = rule.kind === "depthwiseConv2d";
    const config: Record<string, TfjsValue> = { name };
    if (!depthwise) config.filters = a.filters;
    config.kernelSize = pairOrOne(a.kernel);
    if (a.stride.some((s) => s !== 1)) config.strides = pairOrOne(a.stride);
    if (a.dilation.some((d) => d !== 1)) config.dilationRate = pairOrOne(a.dilation);
    if (rule.padding === "same") config.padding = "same";
    if (!a.bias) config.useBias = false;
    const layer: TfjsLayer = depthwise
      ? { layer: "depthwiseConv2d", config: { ...config, depthMultiplier: 1, depthwiseInitializer: "zeros", biasInitializer: "zeros" } }
      : { layer: "conv2d", config, zeros: true };
    return { layers: rule.padding === "explicit" ? [zeroPadding(name, a.pad), layer] : [layer] };
  },
  torch: {
    module(a, c) {
      const args = [String(c.cin), String(a.filters), c.py.pair(a.kernel)];
      if (a.stride.some((s) => s !== 1)) args.push(`stride=${c.py.pair(a.stride)}`);
      if (symmetric(a.pad) && (a.pad[0] || a.pad[1])) args.push(`padding=${c.py.pair([a.pad[0], a.pad[1]])}`);
      if (a.dilation.some((d) => d !== 1)) args.push(`dilation=${c.py.pair(a.dilation)}`);
      if (a.groups !== 1) args.push(`groups=${a.groups}`);
      if (!a.bias) args.push("bias=False");
      return `nn.Conv2d(${args.join(", ")})`;
    },
    // nn.Conv2d pads symmetrically: asymmetric pads go through F.pad first
    forward: (a, ins) => ({ args: symmetric(a.pad) ? ins : [`F.pad(${ins[0]}, (${a.pad[1]}, ${a.pad[3]}, ${a.pad[0]}, ${a.pad[2]}))`] }),
    init: (a) => (a.bias ? [{ param: "weight", init: a.weightInit }, { param: "bias", init: a.biasInit }] : [{ param: "weight", init: a.weightInit }]),
  },
});
