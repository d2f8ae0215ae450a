// The channels-last -> channels-first conversions (compiler/emit/onnx/layout.ts), against values written
// out by hand, and the exported grouped/depthwise convolutions and dense layer run by ONNX Runtime against
// a naive channels-last implementation of posec's definitions (core/params/params.ts).
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import { convKernelToOihw, denseKernelToChwRows, foldBatchNorm, preluSlope } from "../../compiler/emit/onnx/layout.js";
import { modelParams } from "../../core/params/index.js";
import { compileIr, maxAbsDiff, perturbedWeights, runOrt, seededInput, tempDir, toNhwc, removeTempDirs } from "./helpers.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../../core/params/index.js";

afterAll(removeTempDirs);

const t = (shape: number[], values: number[]): Tensor => ({ shape, data: Float32Array.from(values) });

describe("layout conversions", () => {
  it("a conv kernel goes from HWIO to OIHW", () => {
    // kernel[y][x][i][o] = 1000y + 100x + 10i + o, for kh=2, kw=3, in=2, out=2
    const values: number[] = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let i = 0; i < 2; i++) for (let o = 0; o < 2; o++) values.push(1000 * y + 100 * x + 10 * i + o);
    const out = convKernelToOihw(t([2, 3, 2, 2], values));
    expect(out.shape).toEqual([2, 2, 2, 3]);
    // filter 0, input 0: rows y=0 then y=1, columns x=0..2
    expect([...out.data.slice(0, 6)]).toEqual([0, 100, 200, 1000, 1100, 1200]);
    // filter 0, input 1
    expect([...out.data.slice(6, 12)]).toEqual([10, 110, 210, 1010, 1110, 1210]);
    // filter 1, input 0
    expect([...out.data.slice(12, 18)]).toEqual([1, 101, 201, 1001, 1101, 1201]);
  });

  it("a depthwise kernel [kh, kw, 1, C*m] becomes [C*m, 1, kh, kw] with the filters in the same order", () => {
    const out = convKernelToOihw(t([1, 2, 1, 3], [1, 2, 3, 4, 5, 6]));
    expect(out.shape).toEqual([3, 1, 1, 2]);
    expect([...out.data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("dense rows go from H, W, C order to C, H, W order", () => {
    // input 2x1x2 (h, w, c); rows r(y, c) hold 10*row + unit for 2 units
    const rows = [
      [0, 1], // y0 c0
      [10, 11], // y0 c1
      [20, 21], // y1 c0
      [30, 31], // y1 c1
    ];
    const out = denseKernelToChwRows(t([4, 2], rows.flat()), [2, 1, 2]);
    expect(out.shape).toEqual([4, 2]);
    // CHW: (c0 y0), (c0 y1), (c1 y0), (c1 y1)
    expect([...out.data]).toEqual([0, 1, 20, 21, 10, 11, 30, 31]);
  });

  it("a dense layer after a 1x1 map keeps its rows", () => {
    const k = t([3, 2], [1, 2, 3, 4, 5, 6]);
    expect([...denseKernelToChwRows(k, [1, 1, 3]).data]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("batchnorm folds into the convolution by hand-computed numbers", () => {
    // two filters of one weight each; s = gamma / sqrt(var + eps)
    const f = foldBatchNorm(t([2, 1, 1, 1], [2, -1]), t([2], [0.5, 1]), {
      gamma: t([2], [3, 1]),
      beta: t([2], [1, -2]),
      mean: t([2], [0.5, 3]),
      variance: t([2], [4, 0.25]),
      eps: 0,
    });
    // s0 = 3/2 = 1.5, s1 = 1/0.5 = 2
    expect([...f.kernel.data]).toEqual([3, -2]);
    // b0 = (0.5 - 0.5) * 1.5 + 1 = 1; b1 = (1 - 3) * 2 - 2 = -6
    expect([...f.bias.data]).toEqual([1, -6]);
    const noBias = foldBatchNorm(t([1, 1, 1, 1], [1]), null, { gamma: t([1], [1]), beta: t([1], [0]), mean: t([1], [2]), variance: t([1], [1]), eps: 3 });
    expect([...noBias.bias.data]).toEqual([-1]);
    expect([...noBias.kernel.data]).toEqual([0.5]);
  });

  it("a PReLU alpha [C] becomes a slope [C, 1, 1]", () => {
    expect(preluSlope(t([3], [0.1, 0.2, 0.3])).shape).toEqual([3, 1, 1]);
  });

  it("a tensor whose data does not fit its shape is refused", () => {
    expect(() => convKernelToOihw(t([2, 2, 1, 1], [1, 2, 3]))).toThrow(/does not match 3 values/);
    expect(() => denseKernelToChwRows(t([4, 1], [1, 2, 3, 4]), [1, 1, 3])).toThrow(/flattens to 3/);
  });
});

/** posec's conv, channels-last, straight from its definition: filter o of group floor(o / (F/G)). */
function convHwc(x: Float32Array, [h, w, c]: number[], k: Tensor, bias: Tensor | undefined, a: { stride: number[]; pad: number[]; groups: number; dilation: number[] }): { y: Float32Array; shape: number[] } {
  const [kh, kw, cg, f] = k.shape;
  const oh = Math.floor((h + a.pad[0] + a.pad[2] - (a.dilation[0] * (kh - 1) + 1)) / a.stride[0]) + 1;
  const ow = Math.floor((w + a.pad[1] + a.pad[3] - (a.dilation[1] * (kw - 1) + 1)) / a.stride[1]) + 1;
  const y = new Float32Array(oh * ow * f);
  const perGroup = f / a.groups;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let o = 0; o < f; o++) {
        const g = Math.floor(o / perGroup);
        let sum = bias ? bias.data[o] : 0;
        for (let dy = 0; dy < kh; dy++)
          for (let dx = 0; dx < kw; dx++) {
            const iy = oy * a.stride[0] - a.pad[0] + dy * a.dilation[0];
            const ix = ox * a.stride[1] - a.pad[1] + dx * a.dilation[1];
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let i = 0; i < cg; i++) sum += x[(iy * w + ix) * c + g * cg + i] * k.data[((dy * kw + dx) * cg + i) * f + o];
          }
        y[(oy * ow + ox) * f + o] = sum;
      }
  return { y, shape: [oh, ow, f] };
}

describe("grouped, depthwise and dense layers in ONNX Runtime", () => {
  it("equal a naive channels-last implementation of posec's definitions", async () => {
    const spec = join(tempDir("layout"), "layout.posenet");
    writeFileSync(
      spec,
      [
        "posenet 1",
        "model layout_check",
        "input image 7x9x4 scale=1 shift=0 order=rgb",
        "backbone {",
        "  g: conv 3x3 6 groups=2 pad=1,0,2,1 dilation=2x1",
        "  d: conv 3x3 12 groups=6 stride=2 pad=1",
        "  fc: dense 5",
        "}",
        "",
      ].join("\n"),
    );
    const ir = compileIr(spec);
    const w = perturbedWeights(modelParams(ir), 9);
    const built = buildOnnx(ir, w, { allStages: false, foldBn: false, weights: { kind: "initial", seed: 9 } });
    const path = join(tempDir("layout"), "model.onnx");
    writeFileSync(path, built.bytes!);
    const x = seededInput([1, 4, 7, 9], 5);
    const ort = await runOrt(path, x, [1, 4, 7, 9]);

    const node = (name: string) => ir.nodes.find((n) => n.name === name)! as Extract<(typeof ir.nodes)[number], { op: "conv" }>;
    const g = convHwc(toNhwc(x, [1, 4, 7, 9]), [7, 9, 4], w.get("g/kernel")!, w.get("g/bias"), node("g").attrs);
    const d = convHwc(g.y, g.shape, w.get("d/kernel")!, w.get("d/bias"), node("d").attrs);
    const fc = w.get("fc/kernel")!;
    const bias = w.get("fc/bias")!;
    const expected = new Float32Array(5);
    for (let u = 0; u < 5; u++) {
      let sum = bias.data[u];
      for (let r = 0; r < d.y.length; r++) sum += d.y[r] * fc.data[r * 5 + u];
      expected[u] = sum;
    }
    expect(d.shape).toEqual([3, 4, 12]);
    expect(ort.get("features")!.dims).toEqual([1, 5, 1, 1]);
    expect(maxAbsDiff(ort.get("features")!.data, expected)).toBeLessThan(1e-4);
  });
});
