// The loss-curve picture (loss.png): size, not blank, text rendered by the system's fonts, a known series
// drawn where hand-computed axis positions put it (linear and log axes), the per-stage series skipping
// branches a stage lacks, and the tick choices.
import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { curvePng, lossSeries, plotBox, thinToPixels, type CurveSeries } from "../../runtime/render/curve.js";
import { logTicks, niceTicks } from "../../runtime/render/ticks.js";

interface Raster {
  width: number;
  height: number;
  at(x: number, y: number): [number, number, number];
}

async function raster(png: Buffer): Promise<Raster> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const o = (Math.round(y) * info.width + Math.round(x)) * 3;
      return [data[o], data[o + 1], data[o + 2]];
    },
  };
}

const isRed = ([r, g, b]: number[]) => r > 200 && g < 80 && b < 80;
const isDark = ([r, g, b]: number[]) => r + g + b < 300;

// 800x480 picture: the plot area's corners are fixed layout (plotBox), the axis limits are given, so the
// pixel of (step, value) follows from proportions alone.
const W = 800;
const H = 480;
const box = plotBox(W, H);
const frac = (fx: number, fy: number): [number, number] => [box.left + fx * (box.right - box.left), box.bottom - fy * (box.bottom - box.top)];
const red = (points: [number, number][]): CurveSeries => ({ label: "", points: points.map(([step, value]) => ({ step, value })), color: "#ff0000", width: 3 });

describe("loss curve picture", () => {
  it("is a PNG of the requested size with a frame, a curve and rendered text", async () => {
    const png = await curvePng([red([[0, 0], [100, 10]])], { title: "a title", width: W, height: H, xLimits: [0, 100], yLimits: [0, 10], logY: false });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    const img = await raster(png);
    expect([img.width, img.height]).toEqual([W, H]);
    let nonWhite = 0;
    for (let y = 0; y < H; y += 2) for (let x = 0; x < W; x += 2) if (img.at(x, y).some((c) => c < 240)) nonWhite++;
    expect(nonWhite).toBeGreaterThan(500);
    // the frame's left edge, half way up (a one-pixel line snapped to the pixel at or just left of box.left)
    const mid = (box.top + box.bottom) / 2;
    expect(isDark(img.at(box.left - 1, mid)) || isDark(img.at(box.left, mid))).toBe(true);
    // text: the tick labels under the x axis and the title above the plot have dark pixels (a machine
    // without any font renders no glyphs here: install Debian's fonts-dejavu-core)
    const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (isDark(img.at(x, y))) n++;
      return n;
    };
    expect(darkIn(box.left, box.bottom + 6, box.right, box.bottom + 22)).toBeGreaterThan(30);
    expect(darkIn(box.left, 5, box.right, box.top - 5)).toBeGreaterThan(20);
  });

  it("draws a known series where linear axes put it", async () => {
    const img = await raster(await curvePng([red([[0, 0], [100, 10]])], { title: "", width: W, height: H, xLimits: [0, 100], yLimits: [0, 10], logY: false }));
    for (const f of [0.2, 0.5, 0.8]) expect(isRed(img.at(...frac(f, f)))).toBe(true);
    // off the line: no red
    expect(isRed(img.at(...frac(0.2, 0.8)))).toBe(false);
    expect(isRed(img.at(...frac(0.8, 0.2)))).toBe(false);
  });

  it("draws a known series where a log axis puts it", async () => {
    // y from 0.01 to 100 is four decades: 0.1 sits a quarter of the way up, 1 half way, 10 three quarters
    const series = red([[0, 0.1], [50, 1], [100, 10]]);
    const img = await raster(await curvePng([series], { title: "", width: W, height: H, xLimits: [0, 100], yLimits: [0.01, 100], logY: true }));
    expect(isRed(img.at(...frac(0.02, 0.25 + 0.02 * 0.5)))).toBe(true);
    expect(isRed(img.at(...frac(0.5, 0.5)))).toBe(true);
    expect(isRed(img.at(...frac(0.75, 0.625)))).toBe(true);
    // a linear axis would put value 1 at 1/100 of the way up, not half way
    expect(isRed(img.at(...frac(0.5, 0.01)))).toBe(false);
  });

  it("chooses a log axis by itself when the losses span a decade, a linear one otherwise", async () => {
    const svgOf = async (values: number[]) => {
      const { curveSvg } = await import("../../runtime/render/curve.js");
      return curveSvg([{ label: "x", points: values.map((value, step) => ({ step, value })) }], { title: "" });
    };
    expect(await svgOf([20, 5, 1.5])).toContain("loss (log scale)");
    expect(await svgOf([2, 1.5, 1])).not.toContain("log scale");
    expect(await svgOf([])).toContain("no data yet");
  });
});

describe("loss series of a run", () => {
  const record = (step: number, loss: number) => ({
    step,
    loss,
    stages: [
      { stage: 1, heatmap: null, paf: 0.5 }, // a PAF-only stage
      { stage: 2, heatmap: 0.25, paf: 1 },
      { stage: 3, heatmap: null, paf: null }, // cannot happen in a valid IR, but must not plot zeros
    ],
  });

  it("sums each stage's present branches and skips the branches a stage lacks", () => {
    const series = lossSeries([record(1, 2), record(2, 1.75)]);
    expect(series.map((s) => s.label)).toEqual(["total loss", "stage 1", "stage 2"]);
    expect(series[1].points).toEqual([{ step: 1, value: 0.5 }, { step: 2, value: 0.5 }]);
    expect(series[2].points).toEqual([{ step: 1, value: 1.25 }, { step: 2, value: 1.25 }]);
  });

  it("adds the moving average of the total once there are enough steps", () => {
    const history = Array.from({ length: 100 }, (_, i) => ({ step: i + 1, loss: 1 }));
    const series = lossSeries(history);
    expect(series.map((s) => s.label)).toEqual(["total loss", "total loss, mean of 5 steps"]);
    expect(series[1].smooth).toBe(5);
  });
});

describe("ticks", () => {
  it("steps by 1, 2, 2.5 or 5 times a power of ten", () => {
    expect(niceTicks(0, 1, 6).map((t) => t.value)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 303, 7).map((t) => t.value)).toEqual([0, 50, 100, 150, 200, 250, 300]);
    // step 0.1 would make 11 ticks, 0.2 makes 5
    expect(niceTicks(0.5, 1.5, 5).map((t) => t.label)).toEqual(["0.6", "0.8", "1", "1.2", "1.4"]);
    expect(niceTicks(0.5, 1.5, 3).map((t) => t.label)).toEqual(["0.5", "1", "1.5"]);
  });

  it("puts log ticks on decades, labelled by their exponent, with minor ticks between", () => {
    const ticks = logTicks(0.05, 20);
    expect(ticks.filter((t) => t.major).map((t) => t.exponent)).toEqual([-1, 0, 1]);
    expect(ticks.filter((t) => t.major).map((t) => t.label)).toEqual(["\u22121", "0", "1"]);
    expect(ticks.filter((t) => !t.major).map((t) => t.value)).toEqual([0.05, 0.06, 0.07, 0.08, 0.09, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2, 3, 4, 5, 6, 7, 8, 9, 20]);
    expect(ticks.every((t) => t.major || t.label === "")).toBe(true);
    // within a single decade, the 2s and 5s are labelled too
    expect(logTicks(0.3, 4).filter((t) => t.label).map((t) => t.value)).toEqual([0.5, 1, 2]);
  });
});

describe("thinning a long run to the plot's pixel columns", () => {
  it("keeps each column's first, lowest, highest and last point, in order", () => {
    // 4000 points over 10 columns: column c holds x = c - 0.45 + 0.9 k/400 (all rounding to c), y scrambled
    const points = Array.from({ length: 4000 }, (_, i) => [Math.floor(i / 400) - 0.45 + (0.9 * (i % 400)) / 400, (i * 7919) % 4000] as [number, number]);
    const thin = thinToPixels(points);
    for (let c = 0; c < 10; c++) {
      const column = points.slice(c * 400, (c + 1) * 400);
      const kept = thin.filter(([x]) => Math.round(x) === c);
      const ys = column.map((p) => p[1]);
      expect(kept[0]).toEqual(column[0]);
      expect(kept.at(-1)).toEqual(column.at(-1));
      expect(Math.min(...kept.map((p) => p[1]))).toBe(Math.min(...ys));
      expect(Math.max(...kept.map((p) => p[1]))).toBe(Math.max(...ys));
      expect(kept.length).toBeLessThanOrEqual(4);
    }
    // short series are drawn point by point
    expect(thinToPixels(points.slice(0, 500))).toHaveLength(500);
  });

  it("draws a 300k-step run (more values than a call's argument list holds)", async () => {
    const history = Array.from({ length: 300_000 }, (_, i) => ({ step: i + 1, loss: 10 / Math.sqrt(i + 1) }));
    const img = await raster(await curvePng(lossSeries(history), { title: "long", width: W, height: H }));
    expect([img.width, img.height]).toEqual([W, H]);
  });
});

describe("tick labels", () => {
  it("writes steps up to millions in full, tiny and huge values in scientific notation", async () => {
    const { formatNumber } = await import("../../runtime/render/ticks.js");
    expect([100000, 600000, 0.25, 0, -2, 1e-5, 2e7, -3e-6].map(formatNumber)).toEqual(["100000", "600000", "0.25", "0", "\u22122", "1e\u22125", "2e+7", "\u22123e\u22126"]);
  });
});
