// A small network with the layer kinds of the posec models (conv-bn-relu-maxpool-conv, a second
// bn-maxpool-conv branch, concat and a squeeze-excitation mul) and the masked L2 pose loss: every parameter gradient on wasm matches cpu.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, expect, it } from "vitest";
import { poseLoss } from "../../runtime/losses/pose-loss.js";
import { initBackends, randomValues, relError, size } from "./helpers.js";

beforeAll(initBackends, 120_000);

const PARAMS: Record<string, number[]> = {
  w1: [3, 3, 3, 8],
  gamma: [8],
  beta: [8],
  w2: [3, 3, 8, 8],
  b2: [8],
  w3: [1, 1, 8, 4],
  fc1: [12, 3],
  fc2: [3, 12],
};
const pad = (t: number, b: number, l: number, r: number): [[number, number], [number, number], [number, number], [number, number]] => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

function network(p: Record<string, tf.Tensor>, x: tf.Tensor4D): tf.Tensor4D {
  // no bias before batchnorm: its exact gradient is zero, so both backends would only show rounding noise
  const conv1 = tf.conv2d(x, p.w1 as tf.Tensor4D, 1, pad(1, 1, 1, 1));
  const { mean, variance } = tf.moments(conv1, [0, 1, 2]);
  const h = tf.batchNorm(conv1, mean, variance, p.beta as tf.Tensor1D, p.gamma as tf.Tensor1D, 1e-3) as tf.Tensor4D;
  // Caffe ceil mode as extra bottom/right padding. The second branch pools before the relu, so windows
  // whose maximum is negative occur (the case stock wasm's MaxPoolGrad gets wrong).
  const pooled = tf.maxPool(tf.relu(h), 3, 2, pad(0, 1, 0, 1));
  const pooledRaw = tf.maxPool(h, 3, 2, pad(0, 1, 0, 1));
  const a = tf.relu(tf.add(tf.conv2d(pooled, p.w2 as tf.Tensor4D, 1, "same"), p.b2)) as tf.Tensor4D;
  const b = tf.conv2d(pooledRaw, p.w3 as tf.Tensor4D, 1, "valid");
  const c = tf.concat([a, b], 3);
  const squeeze = tf.mean(c, [1, 2]) as tf.Tensor2D;
  const excite = tf.sigmoid(tf.matMul(tf.relu(tf.matMul(squeeze, p.fc1 as tf.Tensor2D)), p.fc2 as tf.Tensor2D));
  return tf.mul(c, tf.reshape(excite, [2, 1, 1, 12]));
}

async function parameterGradients(backend: string): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const vars: Record<string, tf.Variable> = {};
    Object.entries(PARAMS).forEach(([name, shape], i) => {
      const scale = name === "gamma" ? [0.5, 1.5] : [-0.5, 0.5];
      vars[name] = tf.variable(tf.tensor(randomValues(size(shape), 10 + i, scale[0], scale[1]), shape), true, `net_${name}_${backend}`);
    });
    const x = tf.tensor4d(randomValues(2 * 15 * 17 * 3, 1), [2, 15, 17, 3]);
    const out = [2, 7, 8]; // 15x17 -> maxpool 3/2 with one extra row and column of padding
    const targets = {
      heatmaps: tf.tensor4d(randomValues(size([...out, 7]), 2), [...out, 7] as [number, number, number, number]),
      pafs: tf.tensor4d(randomValues(size([...out, 5]), 3), [...out, 5] as [number, number, number, number]),
      mask: tf.tensor4d(Array.from(randomValues(size([...out, 1]), 4), (v) => (v > -0.6 ? 1 : 0)), [...out, 1] as [number, number, number, number]),
    };
    const loss = {
      heatmap: { kind: "l2" as const, masked: true, weight: 1 },
      paf: { kind: "l2" as const, masked: true, weight: 0.5 },
      stageWeights: [1],
      hardjoint: null,
    };
    const { grads } = tf.variableGrads(() => {
      const y = network(vars, x);
      const stage = { heatmaps: tf.slice(y, [0, 0, 0, 0], [...out, 7]) as tf.Tensor4D, pafs: tf.slice(y, [0, 0, 0, 7], [...out, 5]) as tf.Tensor4D };
      return poseLoss([stage], targets, loss, { background: true }).total;
    });
    const values = Object.fromEntries(Object.keys(PARAMS).map((k) => [k, Float32Array.from(grads[`net_${k}_${backend}`].dataSync())]));
    Object.values(vars).forEach((v) => v.dispose());
    return values;
  });
}

it("all parameter gradients of conv-bn-relu-maxpool-conv-concat-mul agree on wasm and cpu", async () => {
  const cpu = await parameterGradients("cpu");
  const wasm = await parameterGradients("wasm");
  for (const name of Object.keys(PARAMS)) {
    expect(cpu[name].some((v) => v !== 0), `${name} has a gradient`).toBe(true);
    expect(relError(wasm[name], cpu[name]), name).toBeLessThan(1e-4);
  }
});
