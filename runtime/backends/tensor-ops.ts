// Small tensor helpers for code that builds models from the IR. tf.conv2d (and tfjs-layers' Conv2D)
// refuse stride > 1 together with dilation > 1; the Conv2D kernel itself (wasm, cpu) and posec's
// gradient (gradients.ts) handle the combination, so `conv2d` here calls the kernel directly.
import * as tf from "@tensorflow/tfjs-core";
import type { Pair, Padding } from "../../core/ir/types.js";

export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** IR padding [top, left, bottom, right] as tfjs's explicit NHWC padding. */
export function explicitPadding([top, left, bottom, right]: Padding): ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/** Convolution with IR attributes; x [B,H,W,Ci], filter [KH,KW,Ci,Co]. Differentiable on every backend. */
export function conv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: { stride: Pair; dilation: Pair; pad: Padding },
): tf.Tensor4D {
  return tf.engine().runKernel(
    "Conv2D",
    { x, filter },
    { strides: attrs.stride, dilations: attrs.dilation, pad: explicitPadding(attrs.pad), dataFormat: "NHWC" } as unknown as tf.NamedAttrMap,
  ) as tf.Tensor4D;
}
