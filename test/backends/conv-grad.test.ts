// The wasm conv backprop kernels (convolution-based) against tfjs's stock cpu kernels, and dilated
// gradients (which stock tfjs cannot compute) against PyTorch float64.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { conv2d as opsConv2d, explicitPadding } from "../../runtime/backends/tensor-ops.js";
import { initBackends, randomValues, relError, size, torch, valuesOn } from "./helpers.js";

type Pad = "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  name: string;
  x: [number, number, number, number];
  kernel: [number, number];
  filters: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}
const explicit = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

// Runs the kernel directly (tf.conv2d refuses stride > 1 together with dilation > 1).
function conv(x: tf.Tensor, w: tf.Tensor, c: ConvCase): tf.Tensor4D {
  return tf.engine().runKernel("Conv2D", { x, filter: w }, {
    strides: c.strides,
    dilations: c.dilations,
    pad: c.pad,
    dataFormat: "NHWC",
  } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function outShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, [...c.kernel, c.x[3], c.filters], c.strides, c.dilations, c.pad);
  return info.outShape;
}

function caseData(c: ConvCase, seed: number) {
  const wShape = [c.kernel[0], c.kernel[1], c.x[3], c.filters];
  return {
    wShape,
    x: randomValues(size(c.x), seed),
    w: randomValues(size(wShape), seed + 1, -0.5, 0.5),
    g: randomValues(size(outShape(c)), seed + 2),
  };
}

/** [y, dx, dw] of sum(conv(x, w) * g) */
function convAndGrads(c: ConvCase, d: ReturnType<typeof caseData>): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(d.x, c.x);
    const w = tf.tensor(d.w, d.wShape);
    const g = tf.tensor(d.g, outShape(c));
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww, c), g));
    return [conv(x, w, c), ...tf.grads(f)([x, w])];
  };
}

const UNDILATED: ConvCase[] = [
  { name: "3x3 stride 1 same", x: [2, 9, 11, 3], kernel: [3, 3], filters: 4, strides: [1, 1], dilations: [1, 1], pad: "same" },
  { name: "3x3 stride 2 same, odd sizes", x: [2, 9, 11, 3], kernel: [3, 3], filters: 4, strides: [2, 2], dilations: [1, 1], pad: "same" },
  { name: "3x3 stride 2 valid, leftover row", x: [2, 10, 11, 3], kernel: [3, 3], filters: 5, strides: [2, 2], dilations: [1, 1], pad: "valid" },
  { name: "7x7 stride 2 asymmetric pads", x: [2, 13, 10, 5], kernel: [7, 7], filters: 4, strides: [2, 2], dilations: [1, 1], pad: explicit(1, 3, 2, 0) },
  { name: "7x7 stride 1 pad 3 (refinement stage)", x: [2, 12, 12, 8], kernel: [7, 7], filters: 8, strides: [1, 1], dilations: [1, 1], pad: explicit(3, 3, 3, 3) },
  { name: "1x1 pointwise", x: [2, 8, 7, 4], kernel: [1, 1], filters: 6, strides: [1, 1], dilations: [1, 1], pad: "valid" },
  { name: "1x1 stride 2", x: [1, 9, 7, 4], kernel: [1, 1], filters: 6, strides: [2, 2], dilations: [1, 1], pad: "valid" },
  { name: "1x1 with asymmetric pads", x: [2, 7, 9, 6], kernel: [1, 1], filters: 3, strides: [1, 1], dilations: [1, 1], pad: explicit(1, 0, 0, 2) },
  { name: "3x5 stride 2x1, pads larger than the kernel", x: [1, 6, 7, 3], kernel: [3, 5], filters: 2, strides: [2, 1], dilations: [1, 1], pad: explicit(4, 1, 0, 5) },
];

const DILATED: ConvCase[] = [
  { name: "3x3 dilation 2 asymmetric pads", x: [2, 12, 13, 3], kernel: [3, 3], filters: 4, strides: [1, 1], dilations: [2, 2], pad: explicit(2, 1, 0, 2) },
  { name: "3x3 dilation 2 same", x: [1, 11, 10, 4], kernel: [3, 3], filters: 3, strides: [1, 1], dilations: [2, 2], pad: "same" },
  { name: "5x5 dilation 2x3 valid", x: [2, 15, 16, 2], kernel: [5, 5], filters: 3, strides: [1, 1], dilations: [2, 3], pad: "valid" },
  { name: "3x3 stride 2 and dilation 2", x: [2, 11, 12, 3], kernel: [3, 3], filters: 4, strides: [2, 2], dilations: [2, 2], pad: explicit(1, 2, 2, 1) },
];

beforeAll(initBackends, 120_000);

describe("wasm conv gradients match the cpu backend", () => {
  UNDILATED.forEach((c, i) => {
    it(c.name, async () => {
      const d = caseData(c, 100 + 10 * i);
      const cpu = await valuesOn("cpu", convAndGrads(c, d));
      const wasm = await valuesOn("wasm", convAndGrads(c, d));
      expect(relError(wasm[0], cpu[0])).toBeLessThan(1e-4); // forward
      expect(relError(wasm[1], cpu[1])).toBeLessThan(1e-4); // dx
      expect(relError(wasm[2], cpu[2])).toBeLessThan(1e-4); // dw
    });
  });
});

describe("dilated conv gradients match PyTorch float64 on wasm and cpu", () => {
  const data = DILATED.map((c, i) => caseData(c, 500 + 10 * i));
  const script = DILATED.map((c, i) => {
    const info = tf.backend_util.computeConv2DInfo(c.x, [...c.kernel, c.x[3], c.filters], c.strides, c.dilations, c.pad);
    const { top, bottom, left, right } = info.padInfo;
    const [kh, kw, ci, co] = data[i].wShape;
    return `
x = nhwc("x${i}", ${JSON.stringify(c.x)}).requires_grad_()
w = torch.tensor(data["w${i}"]).reshape(${kh}, ${kw}, ${ci}, ${co}).permute(3, 2, 0, 1).contiguous().requires_grad_()
y = F.conv2d(F.pad(x, (${left}, ${right}, ${top}, ${bottom})), w, stride=${JSON.stringify(c.strides)}, dilation=${JSON.stringify(c.dilations)})
g = nhwc("g${i}", ${JSON.stringify(info.outShape)})
(y * g).sum().backward()
out["y${i}"] = flat(y); out["dx${i}"] = flat(x.grad); out["dw${i}"] = w.grad.permute(2, 3, 1, 0).reshape(-1).tolist()`;
  });
  let reference: Record<string, number[]> = {};
  beforeAll(() => {
    const inputs: Record<string, Float32Array> = {};
    data.forEach((d, i) => Object.assign(inputs, { [`x${i}`]: d.x, [`w${i}`]: d.w, [`g${i}`]: d.g }));
    reference = torch(script.join("\n"), inputs);
  }, 60_000);

  DILATED.forEach((c, i) => {
    for (const backend of ["wasm", "cpu"]) {
      it(`${c.name} (${backend})`, async () => {
        const [y, dx, dw] = await valuesOn(backend, convAndGrads(c, data[i]));
        expect(relError(y, reference[`y${i}`])).toBeLessThan(1e-4);
        expect(relError(dx, reference[`dx${i}`])).toBeLessThan(1e-4);
        expect(relError(dw, reference[`dw${i}`])).toBeLessThan(1e-4);
      });
    }
  });
});

describe("ops.conv2d (IR attributes)", () => {
  it("maps IR padding [top, left, bottom, right] to tfjs's explicit padding", () => {
    expect(explicitPadding([1, 2, 3, 4])).toEqual([[0, 0], [1, 3], [2, 4], [0, 0]]);
  });
  it("equals tf.conv2d with the same explicit padding, and its gradients equal the case above's", async () => {
    const c = DILATED[3]; // stride 2 and dilation 2, pads top 1 bottom 2 left 2 right 1
    const d = caseData(c, 530);
    const viaOps = await valuesOn("wasm", () => {
      const x = tf.tensor4d(d.x, c.x);
      const w = tf.tensor4d(d.w, d.wShape as [number, number, number, number]);
      const g = tf.tensor(d.g, outShape(c));
      const f = (xx: tf.Tensor, ww: tf.Tensor) =>
        opsConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, { stride: [2, 2], dilation: [2, 2], pad: [1, 2, 2, 1] });
      return [f(x, w), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(f(xx, ww), g)))([x, w])];
    });
    const direct = await valuesOn("wasm", convAndGrads(c, d));
    viaOps.forEach((v, i) => expect(relError(v, direct[i])).toBe(0));
  });
});

describe("dilated convolutions train through tfjs-layers' fused conv and the depthwise op", () => {
  // tfjs-layers' Conv2D runs tf.fused.conv2d, whose own gradient rejects dilation; tf.depthwiseConv2d's
  // gradient config did too. (tfjs-layers' DepthwiseConv2D layer ignores dilationRate altogether, so
  // the depthwise conv here is the op.)
  it("parameter gradients of layers.conv2d(dilation 2, bias) -> depthwiseConv2d(dilation 2) + bias match PyTorch float64", async () => {
    await tf.setBackend("wasm");
    const tfl = await import("@tensorflow/tfjs");
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: "same", useBias: true, biasInitializer: "glorotUniform" });
    conv.build([null, 9, 10, 3]);
    const [w, b] = conv.getWeights().map((t) => Float32Array.from(t.dataSync()));
    const wd = randomValues(3 * 3 * 4, 902);
    const bd = randomValues(4, 903);
    const x = randomValues(2 * 9 * 10 * 3, 900);
    const g = randomValues(2 * 9 * 10 * 4, 901);
    const grads = tf.tidy(() => {
      const wdVar = tf.variable(tf.tensor4d(wd, [3, 3, 4, 1]));
      const bdVar = tf.variable(tf.tensor1d(bd));
      const xt = tf.tensor4d(x, [2, 9, 10, 3]);
      const gt = tf.tensor4d(g, [2, 9, 10, 4]);
      const vars = [...conv.trainableWeights.map((v) => v.read() as tf.Variable), wdVar, bdVar];
      const { grads: named } = tf.variableGrads(() => {
        const h = conv.apply(xt, { training: true }) as tf.Tensor4D;
        const y = tf.add(tf.depthwiseConv2d(h, wdVar as tf.Tensor4D, 1, "same", "NHWC", 2), bdVar);
        return tf.sum(tf.mul(y, gt)) as tf.Scalar;
      }, vars);
      const values = vars.map((v) => Float32Array.from(named[v.name].dataSync()));
      wdVar.dispose();
      bdVar.dispose();
      return values;
    });
    const ref = torch(
      `x = nhwc("x", [2, 9, 10, 3]).requires_grad_()
w = torch.tensor(data["w"]).reshape(3, 3, 3, 4).permute(3, 2, 0, 1).contiguous().requires_grad_()
b = torch.tensor(data["b"]).requires_grad_()
wd = torch.tensor(data["wd"]).reshape(3, 3, 4, 1).permute(2, 3, 0, 1).contiguous().requires_grad_()
bd = torch.tensor(data["bd"]).requires_grad_()
y = F.conv2d(F.conv2d(x, w, b, padding=2, dilation=2), wd, bd, padding=2, dilation=2, groups=4)
(y * nhwc("g", [2, 9, 10, 4])).sum().backward()
out["w"] = w.grad.permute(2, 3, 1, 0).reshape(-1).tolist(); out["b"] = b.grad.tolist()
out["wd"] = wd.grad.permute(2, 3, 0, 1).reshape(-1).tolist(); out["bd"] = bd.grad.tolist()`,
      { x, g, w, b, wd, bd },
    );
    ["w", "b", "wd", "bd"].forEach((k, i) => expect(relError(grads[i], ref[k]), k).toBeLessThan(1e-4));
  }, 60_000);
});
