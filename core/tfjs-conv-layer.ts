// How an IR convolution becomes a tfjs-layers layer, or why it cannot: one rule set for the runtime's
// model builder (runtime/model/build.ts) and the generated model.ts (compiler/emit/tfjs/model-ts.ts), so
// that the two build the same layers and refuse the same convolutions. In core/ because both the runtime
// and the compiler depend on it, and the runtime must not import emitter internals.
import type { Padding, Pair } from "./ir/basic-types.js";

/** The convolution attributes the rule reads (structural: core/ops/conv.ts, which defines them, calls it). */
interface ConvGeometry {
  kernel: Pair;
  filters: number;
  stride: Pair;
  dilation: Pair;
  pad: Padding;
  groups: number;
}

export type TfjsConvLayer =
  | {
      kind: "conv2d" | "depthwiseConv2d";
      /** "valid": no padding; "same": tfjs's own; "explicit": a zeroPadding2d layer, then "valid" */
      padding: "valid" | "same" | "explicit";
    }
  | { kind: "unsupported"; reason: string; help: string };

export function tfjsConvLayer(a: ConvGeometry, inChannels: number): TfjsConvLayer {
  const depthwise = a.groups > 1 && a.groups === inChannels && a.filters === inChannels;
  const dilated = a.dilation.some((d) => d > 1);
  if (a.groups > 1 && !depthwise) {
    return { kind: "unsupported", reason: `grouped convolution (groups=${a.groups}, not depthwise) has no tfjs layer`, help: "use groups=1, or groups equal to the channel count (depthwise); the ONNX and PyTorch targets support any groups" };
  }
  // tf.layers.depthwiseConv2d ignores dilationRate (tfjs 4.22): the layer would compute something else
  if (depthwise && dilated) {
    return { kind: "unsupported", reason: "dilated depthwise convolution has no tfjs layer (tfjs's depthwise layer ignores dilation)", help: "use dilation=1 here; the ONNX and PyTorch targets support it" };
  }
  // tf.conv2d and the conv layers refuse the combination ("Either strides or dilations must be 1")
  if (dilated && a.stride.some((s) => s > 1)) {
    return { kind: "unsupported", reason: `a convolution with both stride ${a.stride.join("x")} and dilation ${a.dilation.join("x")} has no tfjs layer (tfjs needs one of them to be 1)`, help: "use stride=1 or dilation=1 here; the ONNX and PyTorch targets support both together" };
  }
  const kind = depthwise ? "depthwiseConv2d" : "conv2d";
  const pad = a.pad;
  if (pad.every((p) => p === 0)) return { kind, padding: "valid" };
  // tfjs's own `same` equals the IR's pads only for stride 1 with symmetric padding
  const same =
    a.stride[0] === 1 && a.stride[1] === 1 && pad[0] === pad[2] && pad[1] === pad[3] && pad[0] * 2 === a.dilation[0] * (a.kernel[0] - 1) && pad[1] * 2 === a.dilation[1] * (a.kernel[1] - 1);
  return { kind, padding: same ? "same" : "explicit" };
}
