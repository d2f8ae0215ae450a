// Registers the kernels a training step needs that tfjs 4.22 lacks or gets wrong, and a Conv2D
// gradient that supports dilation. tfjs dispatches gradients through configs in tfjs-core (one per
// forward kernel, shared by all backends) that call backward *kernels* such as Conv2DBackpropFilter;
// so the fix is mostly registering kernels for a backend, plus one gradient config.
//
// What a training step of the posec networks uses, and where its backward pass comes from on wasm:
// - conv2d: Conv2DBackpropFilter (missing) and Conv2DBackpropInput (a slow scalar loop): replaced by
//   convolution-based kernels (conv-backprop.ts). Dilated convs: tfjs refuses their gradients;
//   gradients.ts lifts that (all backends), sending dilated convs to the PosecConv2DBackprop* kernels
//   registered here.
// - depthwise conv (groups = channels): both backprop kernels missing: loops (depthwise-grad.ts).
// - max / avg pool: MaxPoolGrad (wrong for windows with max <= 0) and AvgPoolGrad (wrong divisor for
//   padded windows, also on cpu): replaced (pool-resize-grad.ts).
// - upsample: ResizeBilinearGrad / ResizeNearestNeighborGrad ignore halfPixelCenters (both backends)
//   and are plain wrong on cpu for non-square maps: replaced on both.
// - relu (Step), leaky relu / prelu (Select, Greater), sigmoid, tanh, batchnorm (FusedBatchNorm grad
//   = Mul/Sub/Sum/Rsqrt/Tile), mean / global average pool, add, mul with broadcasting (Sum over the
//   broadcast axes), concat (SplitV/Slice), pad (Slice), matMul (BatchMatMul), losses (Sub, Square,
//   Mul, Sum; the hard-joint top-k is chosen from read-back values, so no TopK gradient is needed):
//   composed of kernels wasm has; test/backends checks them end to end.
// The union package registers tfjs's gradient configs (tfjs-core alone registers none) when it is first
// evaluated; importing it here guarantees that happens before installDilatedGradients replaces some.
import "@tensorflow/tfjs";
import { backend_util } from "@tensorflow/tfjs-core";
import { conv2dFilterGradient, conv2dInputGradient } from "./conv-backprop.js";
import { depthwiseFilterGradient, depthwiseInputGradient } from "./depthwise-grad.js";
import { installBatchNormGradient } from "./batchnorm-grad.js";
import { DILATED_CONV_FILTER_GRAD, DILATED_CONV_INPUT_GRAD, installDilatedGradients } from "./gradients.js";
import { putKernel, type KernelArgs } from "./kernel-util.js";
import {
  avgPoolGradient,
  maxPoolGradient,
  resizeBilinearGradient,
  resizeNearestGradient,
} from "./pool-resize-grad.js";

type Pad = "same" | "valid" | number | backend_util.ExplicitPadding;
interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dilations?: [number, number] | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}
type Args = KernelArgs;

function convInfo(xShape: number[], filterShape: number[], a: ConvGradAttrs, depthwise = false) {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    depthwise,
    "channelsLast",
  );
}
function attrsOf<T>(args: Args): T {
  return (args.attrs ?? {}) as unknown as T;
}

function registerConvKernels(backendName: string, names: { filter: string; input: string }): void {
  putKernel(names.filter, backendName, (args: Args) => {
    const a = attrsOf<ConvGradAttrs & { filterShape: number[] }>(args);
    const { x, dy } = args.inputs;
    return conv2dFilterGradient(backendName, args.backend, x, dy, convInfo(x.shape, a.filterShape, a));
  });
  putKernel(names.input, backendName, (args: Args) => {
    const a = attrsOf<ConvGradAttrs & { inputShape: number[] }>(args);
    const { dy, filter } = args.inputs;
    return conv2dInputGradient(backendName, args.backend, dy, filter, convInfo(a.inputShape, filter.shape, a));
  });
}

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: "floor" | "round" | "ceil";
}
function poolInfo(xShape: number[], a: PoolAttrs) {
  return backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
}

function registerAvgPoolGrad(backendName: string): void {
  putKernel("AvgPoolGrad", backendName, (args: Args) => {
    const { dy, input } = args.inputs;
    return avgPoolGradient(args.backend, dy, input.shape, poolInfo(input.shape, attrsOf<PoolAttrs>(args)));
  });
}
function registerResizeGrads(backendName: string): void {
  putKernel("ResizeNearestNeighborGrad", backendName, (args: Args) => {
    const { dy, images } = args.inputs;
    const a = attrsOf<{ alignCorners: boolean; halfPixelCenters: boolean }>(args);
    return resizeNearestGradient(args.backend, dy, images, a);
  });
  putKernel("ResizeBilinearGrad", backendName, (args: Args) => {
    const { dy, images } = args.inputs;
    const a = attrsOf<{ alignCorners: boolean; halfPixelCenters: boolean }>(args);
    return resizeBilinearGradient(args.backend, dy, images, a);
  });
}

/**
 * Registers posec's kernels for a backend (idempotent; call once the backend's package is loaded):
 * - every backend: the dilated conv backprops and the gradient configs that use them (gradients.ts);
 * - cpu: the fixed AvgPoolGrad, ResizeNearestNeighborGrad and ResizeBilinearGrad;
 * - wasm: those, plus fast conv backprops, MaxPoolGrad and the depthwise backprops.
 */
export function registerPosecKernels(backendName: string): void {
  registerConvKernels(backendName, { filter: DILATED_CONV_FILTER_GRAD, input: DILATED_CONV_INPUT_GRAD });
  installDilatedGradients();
  installBatchNormGradient();
  if (backendName === "cpu" || backendName === "wasm") {
    registerAvgPoolGrad(backendName);
    registerResizeGrads(backendName);
  }
  if (backendName === "wasm") registerWasmOnlyKernels(backendName);
}

function registerWasmOnlyKernels(backendName: string): void {
  registerConvKernels(backendName, { filter: "Conv2DBackpropFilter", input: "Conv2DBackpropInput" });
  putKernel("MaxPoolGrad", backendName, (args: Args) => {
    const { dy, input } = args.inputs;
    return maxPoolGradient(args.backend, dy, input, poolInfo(input.shape, attrsOf<PoolAttrs>(args)));
  });
  putKernel("DepthwiseConv2dNativeBackpropFilter", backendName, (args: Args) => {
    const a = attrsOf<ConvGradAttrs & { filterShape: number[] }>(args);
    const { x, dy } = args.inputs;
    return depthwiseFilterGradient(args.backend, x, dy, a.filterShape, convInfo(x.shape, a.filterShape, a, true));
  });
  putKernel("DepthwiseConv2dNativeBackpropInput", backendName, (args: Args) => {
    const a = attrsOf<ConvGradAttrs & { inputShape: number[] }>(args);
    const { dy, filter } = args.inputs;
    return depthwiseInputGradient(args.backend, dy, filter, a.inputShape, convInfo(a.inputShape, filter.shape, a, true));
  });
}
