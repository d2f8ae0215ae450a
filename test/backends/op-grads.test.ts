// Every other backward kernel a training step of the posec networks reaches, on wasm: the replaced
// ones (max/avg pool, resize, depthwise) against the cpu backend's stock kernels, PyTorch float64 or
// the adjoint identity <L x, g> = <x, L^T g> with tfjs's stock forward kernel; the ones composed of
// existing wasm kernels (activations, batchnorm, broadcasting mul, concat, pad, dense, mean) against cpu.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackends, randomValues, relError, size, torch, valuesOn } from "./helpers.js";

beforeAll(initBackends, 120_000);

type Shape4 = [number, number, number, number];
type Explicit = [[number, number], [number, number], [number, number], [number, number]];
const explicit = (t: number, b: number, l: number, r: number): Explicit => [[0, 0], [t, b], [l, r], [0, 0]];

/** Gradients of sum(f(...inputs) * g) with respect to every input, plus the forward value. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { values: Float32Array; shape: number[] }[], gSeed: number) {
  return () => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const y = f(...xs);
    const g = tf.tensor(randomValues(y.size, gSeed), y.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), g)))(xs);
    return [y, ...grads];
  };
}
function input(shape: number[], seed: number, lo = -1, hi = 1) {
  return { values: randomValues(size(shape), seed, lo, hi), shape };
}
async function expectSameOnCpuAndWasm(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: ReturnType<typeof input>[]) {
  const cpu = await valuesOn("cpu", gradsOf(f, inputs, 77));
  const wasm = await valuesOn("wasm", gradsOf(f, inputs, 77));
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((c, i) => expect(relError(wasm[i], c), `output ${i}`).toBeLessThan(1e-4));
}

/** <L x, g> against <x, dL/dx> for a linear map L; returns the relative mismatch. */
async function adjointMismatch(backend: string, f: (x: tf.Tensor) => tf.Tensor, xShape: number[], seed: number) {
  const [forward, backward] = await valuesOn(backend, () => {
    const x = tf.tensor(randomValues(size(xShape), seed), xShape);
    const y = f(x);
    const g = tf.tensor(randomValues(y.size, seed + 1), y.shape);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), g)))(x);
    return [tf.sum(tf.mul(y, g)), tf.sum(tf.mul(x, dx))];
  });
  return Math.abs(forward[0] - backward[0]) / Math.abs(forward[0]);
}

describe("max pool gradient", () => {
  // All windows have a maximum <= 0: the case stock wasm gets wrong.
  const negative = (shape: Shape4, seed: number) => input(shape, seed, -4, -0.5);
  it("2x2 stride 2 on odd sizes, all values negative", async () => {
    await expectSameOnCpuAndWasm((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, "valid"), [negative([2, 9, 7, 3], 1)]);
  });
  it("3x3 stride 2 with Caffe ceil-mode padding (extra bottom/right)", async () => {
    await expectSameOnCpuAndWasm((x) => tf.maxPool(x as tf.Tensor4D, 3, 2, explicit(0, 1, 0, 1)), [input([2, 10, 8, 4], 2)]);
  });
  it("3x3 stride 1 asymmetric pads, mixed signs", async () => {
    await expectSameOnCpuAndWasm((x) => tf.maxPool(x as tf.Tensor4D, 3, 1, explicit(1, 2, 2, 0)), [input([1, 7, 6, 5], 3)]);
  });
  it("gradient goes to the first maximum of a window with ties", async () => {
    const [dx] = await valuesOn("wasm", () => {
      const x = tf.tensor4d([-1, -1, -1, -1], [1, 2, 2, 1]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, "valid")))(x)];
    });
    expect(Array.from(dx)).toEqual([1, 0, 0, 0]);
  });
});

describe("average pool gradient (divisor = in-bounds cells, as tfjs's forward)", () => {
  const x = input([2, 9, 11, 3], 10);
  let reference: Record<string, number[]>;
  beforeAll(() => {
    const g = randomValues(2 * 5 * 6 * 3, 11);
    reference = torch(
      `x = nhwc("x", [2, 9, 11, 3]).requires_grad_()
y = F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False)
(y * nhwc("g", [2, 5, 6, 3])).sum().backward()
out["y"] = flat(y); out["dx"] = flat(x.grad)`,
      { x: x.values, g },
    );
  }, 60_000);
  for (const backend of ["wasm", "cpu"]) {
    it(`3x3 stride 2 pad 1 matches PyTorch count_include_pad=False (${backend})`, async () => {
      const [y, dx] = await valuesOn(backend, () => {
        const xt = tf.tensor(x.values, x.shape);
        const g = tf.tensor(randomValues(2 * 5 * 6 * 3, 11), [2, 5, 6, 3]);
        const f = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 3, 2, explicit(1, 1, 1, 1));
        return [f(xt), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), g)))(xt)];
      });
      expect(relError(y, reference.y)).toBeLessThan(1e-4);
      expect(relError(dx, reference.dx)).toBeLessThan(1e-4);
    });
    it(`asymmetric pads satisfy the adjoint identity (${backend})`, async () => {
      const f = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, [3, 2], [2, 1], explicit(0, 2, 1, 0));
      expect(await adjointMismatch(backend, f, [2, 8, 7, 3], 12)).toBeLessThan(1e-5);
    });
  }
});

describe("resize gradients", () => {
  const x = input([2, 5, 7, 3], 20);
  const g = randomValues(2 * 10 * 14 * 3, 21);
  let reference: Record<string, number[]>;
  beforeAll(() => {
    reference = torch(
      `for name, kw in [("nearest", dict(mode="nearest")), ("bilinear", dict(mode="bilinear", align_corners=False)), ("corners", dict(mode="bilinear", align_corners=True))]:
    x = nhwc("x", [2, 5, 7, 3]).requires_grad_()
    y = F.interpolate(x, size=(10, 14), **kw)
    (y * nhwc("g", [2, 10, 14, 3])).sum().backward()
    out[name + "_y"] = flat(y); out[name + "_dx"] = flat(x.grad)`,
      { x: x.values, g },
    );
  }, 60_000);
  const modes: [string, (a: tf.Tensor) => tf.Tensor][] = [
    ["nearest", (a) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [10, 14], false, false)],
    ["nearest", (a) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [10, 14], false, true)],
    ["bilinear", (a) => tf.image.resizeBilinear(a as tf.Tensor4D, [10, 14], false, true)],
    ["corners", (a) => tf.image.resizeBilinear(a as tf.Tensor4D, [10, 14], true, false)],
  ];
  for (const backend of ["wasm", "cpu"]) {
    modes.forEach(([name, f], i) => {
      it(`x2 upsampling, ${name} #${i}, matches PyTorch (${backend})`, async () => {
        const [y, dx] = await valuesOn(backend, () => {
          const xt = tf.tensor(x.values, x.shape);
          const gt = tf.tensor(g, [2, 10, 14, 3]);
          return [f(xt), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), gt)))(xt)];
        });
        expect(relError(y, reference[`${name}_y`])).toBeLessThan(1e-4);
        expect(relError(dx, reference[`${name}_dx`])).toBeLessThan(1e-4);
      });
    });
    for (const [align, half] of [[false, false], [false, true], [true, false]]) {
      it(`non-integer resize 5x7 -> 12x9 satisfies the adjoint identity (align ${align}, half-pixel ${half}, ${backend})`, async () => {
        const near = (a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [12, 9], align, half);
        const bil = (a: tf.Tensor) => tf.image.resizeBilinear(a as tf.Tensor4D, [12, 9], align, half);
        expect(await adjointMismatch(backend, near, [2, 5, 7, 3], 30)).toBeLessThan(1e-5);
        expect(await adjointMismatch(backend, bil, [2, 5, 7, 3], 31)).toBeLessThan(1e-5);
      });
    }
  }
});

describe("depthwise conv gradients match the cpu backend", () => {
  it("3x3 multiplier 2, stride 2, same", async () => {
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same");
    await expectSameOnCpuAndWasm(f, [input([2, 9, 8, 4], 40), input([3, 3, 4, 2], 41)]);
  });
  it("5x5 multiplier 1, stride 1, asymmetric pads", async () => {
    const f = (x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, explicit(2, 1, 0, 3));
    await expectSameOnCpuAndWasm(f, [input([1, 7, 9, 3], 42), input([5, 5, 3, 1], 43)]);
  });
});

describe("gradients composed of existing wasm kernels match the cpu backend", () => {
  const x = () => input([2, 6, 5, 4], 50);
  const cases: [string, (...a: tf.Tensor[]) => tf.Tensor, ReturnType<typeof input>[]][] = [
    ["relu", (a) => tf.relu(a), [x()]],
    ["leaky relu", (a) => tf.leakyRelu(a, 0.1), [x()]],
    ["prelu with per-channel slopes", (a, s) => tf.prelu(a, s), [x(), input([4], 51)]],
    ["sigmoid", (a) => tf.sigmoid(a), [x()]],
    ["tanh", (a) => tf.tanh(a), [x()]],
    [
      "batchnorm with batch statistics",
      (a, gamma, beta) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a, mean, variance, beta, gamma, 1e-3);
      },
      [x(), input([4], 52, 0.5, 1.5), input([4], 53)],
    ],
    ["global average pool", (a) => tf.mean(a, [1, 2], true), [x()]],
    ["dense", (a, w, b) => tf.add(tf.matMul(tf.reshape(a, [2, 120]), w), b), [x(), input([120, 7], 54), input([7], 55)]],
    ["mul with [1,1,C] broadcast", (a, s) => tf.mul(a, s), [x(), input([2, 1, 1, 4], 56)]],
    ["add", (a, b) => tf.add(a, b), [x(), input([2, 6, 5, 4], 57)]],
    ["concat along channels", (a, b) => tf.concat([a, b], 3), [x(), input([2, 6, 5, 3], 58)]],
    ["pad", (a) => tf.pad(a, [[0, 0], [1, 2], [0, 1], [0, 0]]), [x()]],
    ["square, sub, sum (the L2 loss)", (a, b) => tf.sum(tf.square(tf.sub(a, b)), [1, 2]), [x(), input([2, 6, 5, 4], 59)]],
  ];
  for (const [name, f, inputs] of cases) it(name, async () => expectSameOnCpuAndWasm(f, inputs));
});
