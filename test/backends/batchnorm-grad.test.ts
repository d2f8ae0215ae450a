// posec's FusedBatchNorm gradient (no tile) gives what tfjs's own gradient config gives.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { installBatchNormGradient } from "../../runtime/backends/batchnorm-grad.js";

describe("FusedBatchNorm gradient without tile", () => {
  it("equals tfjs's stock gradient for every input, on random data", async () => {
    await tf.setBackend("cpu");
    const stock = tf.getGradient(tf.FusedBatchNorm)!;
    installBatchNormGradient();
    const ours = tf.getGradient(tf.FusedBatchNorm)!;
    expect(ours).not.toBe(stock);
    const x = tf.randomNormal([3, 5, 7, 6], 0, 2, "float32", 1);
    const mean = tf.randomNormal([6], 0, 1, "float32", 2);
    const variance = tf.randomUniform([6], 0.5, 2, "float32", 3);
    const scale = tf.randomNormal([6], 1, 0.3, "float32", 4);
    const dy = tf.randomNormal([3, 5, 7, 6], 0, 1, "float32", 5);
    const attrs = { varianceEpsilon: 1e-3 } as unknown as tf.NamedAttrMap;
    const a = stock.gradFunc(dy, [x, mean, variance, scale], attrs);
    const b = ours.gradFunc(dy, [x, mean, variance, scale], attrs);
    for (const k of ["x", "mean", "variance", "scale", "offset"]) {
      const ta = a[k]();
      const tb = b[k]();
      expect(tb.shape).toEqual(ta.shape);
      const diff = tf.max(tf.abs(tf.sub(ta, tb))).dataSync()[0];
      const mag = tf.max(tf.abs(ta)).dataSync()[0];
      expect(diff / Math.max(1, mag)).toBeLessThan(1e-6);
    }
  });
});
