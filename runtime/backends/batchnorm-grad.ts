// FusedBatchNorm's gradient without `tile`. tfjs 4.22's config materialises 1/sqrt(var+eps) as a full
// [B,H,W,C] tensor (tile) before multiplying it with dy; broadcasting the [C] vector gives the same
// numbers. On the small zoo model's wasm training step that tile was a quarter of all kernel time.
// The math is tfjs's own (tfjs-core/src/gradients/FusedBatchNorm_grad.ts), term by term.
import "@tensorflow/tfjs"; // tfjs's gradients first, so that this one replaces its FusedBatchNorm entry
import * as tf from "@tensorflow/tfjs-core";

let installed = false;

export function installBatchNormGradient(): void {
  if (installed) return;
  installed = true;
  tf.registerGradient({
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ["x", "mean", "variance", "scale"],
    gradFunc: (dy, saved, attrs) => {
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved;
      const dyt = dy as tf.Tensor;
      const scaleValue = scale == null ? tf.scalar(1) : scale;
      const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const xMinusMean = tf.sub(x, mean);
      const dyTimesScale = tf.mul(dyt, scaleValue);
      const rsqrtVar = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const minusHalfRCube = tf.mul(tf.mul(tf.mul(rsqrtVar, rsqrtVar), rsqrtVar), tf.scalar(-0.5));
      const reduce = (t: tf.Tensor) => tf.reshape(mean.rank === 1 ? tf.sum(t, reductionAxes) : t, mean.shape);
      return {
        x: () => tf.reshape(tf.mul(tf.mul(dyt, rsqrtVar), scaleValue), x.shape),
        mean: () => reduce(tf.mul(tf.mul(rsqrtVar, tf.scalar(-1)), dyTimesScale)),
        variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
        scale: () => reduce(tf.mul(dyt, tf.mul(xMinusMean, rsqrtVar))),
        offset: () => reduce(dyt),
      };
    },
  });
}
