// Gradient configs that let dilated convolutions train. tfjs 4.22 refuses them in three places, all in
// code shared by every backend:
// - the Conv2D gradient asserts dilation 1: replaced by one that sends dilated cases to the
//   PosecConv2DBackprop* kernels (registered per backend in wasm-kernels.ts) and undilated ones to the
//   standard Conv2DBackprop* kernels (so the cpu backend keeps its stock kernels there);
// - the DepthwiseConv2dNative gradient asserts dilation 1 although the backprop kernels (cpu's, and
//   posec's on wasm) take dilations: replaced by the same config without that assertion;
// - tf.fused.conv2d (used by tfjs-layers' Conv2D for every conv with a bias or a linear activation)
//   carries its own gradient with the same assertion: in gradient mode a dilated call is routed to
//   the unfused ops (conv2d, add, activation), exactly what tf.fused.conv2d itself does for non-linear
//   activations. Outside gradient mode (inference) the fused kernel still runs.
import "@tensorflow/tfjs"; // registers tfjs's gradients first, so that ours replace them (see wasm-kernels.ts)
import * as tf from "@tensorflow/tfjs-core";

export const DILATED_CONV_FILTER_GRAD = "PosecConv2DBackpropFilter";
export const DILATED_CONV_INPUT_GRAD = "PosecConv2DBackpropInput";

type Pair = [number, number] | number;
interface ConvAttrs {
  strides: Pair;
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
  dilations?: Pair;
  dimRoundingMode?: "floor" | "round" | "ceil";
  dataFormat?: "NHWC" | "NCHW";
}

function isOne(v: Pair | undefined | null): boolean {
  return v == null || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

let installed = false;
/** Installs the three changes above (idempotent; affects every backend). */
export function installDilatedGradients(): void {
  if (installed) return;
  installed = true;

  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved;
      const a = attrs as unknown as ConvAttrs;
      const dilated = !isOne(a.dilations);
      if (dilated && a.dataFormat === "NCHW") throw new Error("posec: dilated conv gradients need NHWC data");
      const common = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode };
      const withDilation = dilated ? { ...common, dilations: a.dilations } : common;
      const g = dy as tf.Tensor;
      return {
        x: () => run(dilated ? DILATED_CONV_INPUT_GRAD : "Conv2DBackpropInput", { dy: g, filter }, { ...withDilation, inputShape: x.shape }),
        filter: () => run(dilated ? DILATED_CONV_FILTER_GRAD : "Conv2DBackpropFilter", { x, dy: g }, { ...withDilation, filterShape: filter.shape }),
      };
    },
  });

  tf.registerGradient({
    kernelName: "DepthwiseConv2dNative",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, filter] = saved;
      const a = attrs as unknown as ConvAttrs;
      const common = { strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode, dilations: a.dilations ?? [1, 1] };
      const g = dy as tf.Tensor;
      return {
        x: () => run("DepthwiseConv2dNativeBackpropInput", { dy: g, filter }, { ...common, inputShape: x.shape }),
        filter: () => run("DepthwiseConv2dNativeBackpropFilter", { x, dy: g }, { ...common, filterShape: filter.shape }),
      };
    },
  });

  routeDilatedFusedConvInGradientMode();
}

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];

function activate(y: tf.Tensor4D, args: FusedConvArgs): tf.Tensor4D {
  switch (args.activation ?? "linear") {
    case "linear":
      return y;
    case "relu":
      return tf.relu(y);
    case "relu6":
      return tf.relu6(y);
    case "elu":
      return tf.elu(y);
    case "sigmoid":
      return tf.sigmoid(y);
    case "leakyrelu":
      return tf.leakyRelu(y, args.leakyreluAlpha);
    case "prelu":
      return tf.prelu(y, args.preluActivationWeights as tf.Tensor) as tf.Tensor4D;
    default:
      throw new Error(`posec: unknown fused activation ${String(args.activation)}`);
  }
}

function routeDilatedFusedConvInGradientMode(): void {
  type Fn = (args: FusedConvArgs) => tf.Tensor;
  const fused = tf.fused as unknown as { conv2d: Fn };
  const original = fused.conv2d;
  if (typeof original !== "function") throw new Error("posec: tf.fused.conv2d is missing (tfjs internals changed)");
  fused.conv2d = (args: FusedConvArgs) => {
    if (isOne(args.dilations) || tf.engine().state.gradientDepth === 0) return original(args);
    const x = args.x as tf.Tensor4D;
    let y = tf.conv2d(x, args.filter, args.strides, args.pad, args.dataFormat, args.dilations, args.dimRoundingMode);
    if (args.bias) y = tf.add(y, args.bias);
    return activate(y, args);
  };
}
