// The few layers tfjs does not have in the form the IR needs, as serialisable custom layers (registered
// with tf.serialization, so that a checkpoint's model.json loads with tf.loadLayersModel once posec's
// runtime is imported):
// - PosecPool2D: max/avg pooling with explicit asymmetric pads, Caffe's ceil rounding, and the choice of
//   counting padded cells in the average. Max pooling pads with the lowest float (never wins a max);
//   average pooling divides each window's sum by the number of cells it counts.
// - PosecResizeBilinear: bilinear upsampling with half-pixel centres (what PyTorch's
//   `interpolate(align_corners=False)` and ONNX Resize `half_pixel` compute; tfjs's UpSampling2D uses the
//   legacy asymmetric mapping).
// - PosecDilatedDepthwiseConv2D: a dilated depthwise convolution (tfjs's depthwiseConv2d layer ignores
//   dilationRate in 4.22; the op honours it, and posec registers its gradient). Stride 1, no padding:
//   build.ts pads explicitly before it.
import * as tf from "@tensorflow/tfjs";
import { poolOut } from "../../core/shapes.js";

type Pair = [number, number];
type Padding = [number, number, number, number];

export interface PoolConfig {
  kind: "max" | "avg";
  kernel: Pair;
  stride: Pair;
  pad: Padding;
  ceil: boolean;
  countIncludePad: boolean;
}


/** Extra cells after the explicit pad so that `out` windows fit (ceil mode), or 0. */
function extra(size: number, k: number, s: number, before: number, after: number, ceil: boolean): number {
  const out = poolOut(size, k, s, before, after, ceil);
  return Math.max(0, (out - 1) * s + k - (size + before + after));
}

const LOWEST = -3.4028234663852886e38;

export class PosecPool2D extends tf.layers.Layer {
  static className = "PosecPool2D";
  readonly config: PoolConfig;

  constructor(args: { config: PoolConfig; name?: string }) {
    super({ name: args.name });
    this.config = args.config;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const { kernel, stride, pad, ceil } = this.config;
    const h = s[1] == null ? null : poolOut(s[1], kernel[0], stride[0], pad[0], pad[2], ceil);
    const w = s[2] == null ? null : poolOut(s[2], kernel[1], stride[1], pad[1], pad[3], ceil);
    return [s[0], h, w, s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const { kind, kernel, stride, pad, ceil, countIncludePad } = this.config;
      const [, h, w] = x.shape;
      const eb = extra(h, kernel[0], stride[0], pad[0], pad[2], ceil);
      const er = extra(w, kernel[1], stride[1], pad[1], pad[3], ceil);
      const paddings: [number, number][] = [[0, 0], [pad[0], pad[2] + eb], [pad[1], pad[3] + er], [0, 0]];
      const padded = eb || er || pad.some((p) => p > 0);
      if (kind === "max") {
        const input = padded ? tf.pad(x, paddings, LOWEST) : x;
        return tf.maxPool(input, kernel, stride, "valid");
      }
      const input = padded ? tf.pad(x, paddings, 0) : x;
      const mean = tf.avgPool(input, kernel, stride, "valid");
      if (!padded) return mean;
      // Divide each window's sum by the cells it counts: the input (and the explicit pads when
      // countIncludePad), never the extra ceil-mode cells, as Caffe and PyTorch do.
      const ones = tf.ones([1, h, w, 1]);
      const counted = countIncludePad ? tf.pad(ones, [[0, 0], [pad[0], pad[2]], [pad[1], pad[3]], [0, 0]], 1) : ones;
      const mask = tf.pad(counted, countIncludePad ? [[0, 0], [0, eb], [0, er], [0, 0]] : paddings, 0);
      const fraction = tf.avgPool(mask as tf.Tensor4D, kernel, stride, "valid");
      return tf.div(mean, fraction);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), config: this.config as unknown as tf.serialization.ConfigDictValue };
  }
}

export class PosecResizeBilinear extends tf.layers.Layer {
  static className = "PosecResizeBilinear";
  readonly factor: Pair;

  constructor(args: { factor: Pair; name?: string }) {
    super({ name: args.name });
    this.factor = args.factor;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    return [s[0], s[1] == null ? null : s[1] * this.factor[0], s[2] == null ? null : s[2] * this.factor[1], s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.image.resizeBilinear(x, [x.shape[1] * this.factor[0], x.shape[2] * this.factor[1]], false, true);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}

export class PosecDilatedDepthwiseConv2D extends tf.layers.Layer {
  static className = "PosecDilatedDepthwiseConv2D";
  readonly kernelSize: Pair;
  readonly dilation: Pair;
  readonly useBias: boolean;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: { kernelSize: Pair; dilation: Pair; useBias: boolean; name?: string }) {
    super({ name: args.name });
    this.kernelSize = args.kernelSize;
    this.dilation = args.dilation;
    this.useBias = args.useBias;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = (inputShape as tf.Shape)[3]!;
    // named like tfjs's depthwise layer's weights, so that checkpoints and setWeights treat them alike
    this.kernel = this.addWeight("depthwise_kernel", [this.kernelSize[0], this.kernelSize[1], channels, 1], "float32", tf.initializers.zeros());
    if (this.useBias) this.bias = this.addWeight("bias", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const span = (k: number, d: number) => d * (k - 1);
    return [s[0], s[1] == null ? null : s[1] - span(this.kernelSize[0], this.dilation[0]), s[2] == null ? null : s[2] - span(this.kernelSize[1], this.dilation[1]), s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(x, this.kernel!.read() as tf.Tensor4D, 1, "valid", "NHWC", this.dilation);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, dilation: this.dilation, useBias: this.useBias };
  }
}

tf.serialization.registerClass(PosecPool2D);
tf.serialization.registerClass(PosecDilatedDepthwiseConv2D);
tf.serialization.registerClass(PosecResizeBilinear);
