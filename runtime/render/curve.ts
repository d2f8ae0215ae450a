// The loss-curve picture `posec train` writes next to its metrics (loss.png), drawn as SVG and rasterised
// by sharp (librsvg), so that text and lines are anti-aliased and typeset like a matplotlib figure: a
// framed plot with outward ticks, tick labels, axis titles, a legend and the tab10 colours. The y axis is
// logarithmic when the losses span a decade or more. Text uses DejaVu Sans (matplotlib's default font),
// falling back to the system's sans-serif; Debian's fonts-dejavu-core provides it.
import { writeFileAtomic } from "../util/atomic.js";
import { logTicks, niceTicks, type Tick } from "./ticks.js";

export interface CurveSeries {
  label: string;
  points: { step: number; value: number }[];
  /** CSS colour; default: the next tab10 colour */
  color?: string;
  /** moving-average window over the points (1: none) */
  smooth?: number;
  /** line width in pixels (default 1.5, matplotlib's) */
  width?: number;
  /** opacity (default 1) */
  opacity?: number;
}

export interface CurveOptions {
  title: string;
  width?: number;
  height?: number;
  /** fixed axis limits (default: the data's range plus a 5% margin, as matplotlib's autoscale) */
  xLimits?: [number, number];
  yLimits?: [number, number];
  /** default: log when every value is positive and the largest is at least 10 times the smallest */
  logY?: boolean;
}

/** matplotlib's default colour cycle ("tab10"). */
export const TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

const FONT = "'DejaVu Sans', sans-serif";

/** The plot area inside a picture of the given size (margins hold the title, ticks and axis titles). */
export function plotBox(width: number, height: number): { left: number; top: number; right: number; bottom: number } {
  return { left: 80, top: 40, right: width - 24, bottom: height - 56 };
}

export function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

/** The curves of a training run: total loss (faint), its moving average, and each stage's smoothed loss. */
export function lossSeries(history: readonly { step: number; loss: number; stages?: { stage: number; heatmap: number | null; paf: number | null }[] }[]): CurveSeries[] {
  const window = Math.max(1, Math.round(history.length / 20));
  const total = history.map((r) => ({ step: r.step, value: r.loss }));
  const series: CurveSeries[] = [
    { label: "total loss", points: total, color: TAB10[0], opacity: 0.25, width: 1 },
    { label: window > 1 ? `total loss, mean of ${window} steps` : "total loss", points: total, color: TAB10[0], smooth: window, width: 2 },
  ];
  if (window === 1) series.shift();
  // A stage's loss is the sum of the branches it has; a stage lacking a branch logs null for it.
  const stages = [...new Set(history.flatMap((r) => (r.stages ?? []).map((s) => s.stage)))].sort((a, b) => a - b);
  if (stages.length > 1) {
    stages.forEach((stage, i) => {
      const points = history.flatMap((r) => {
        const s = r.stages?.find((x) => x.stage === stage);
        if (!s || (s.heatmap === null && s.paf === null)) return [];
        return [{ step: r.step, value: (s.heatmap ?? 0) + (s.paf ?? 0) }];
      });
      if (points.length) series.push({ label: `stage ${stage}`, points, color: TAB10[1 + (i % 9)], smooth: window, width: 1.2, opacity: 0.9 });
    });
  }
  return series;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r2 = (v: number) => Math.round(v * 100) / 100;

function tickLabel(t: Tick, x: number, y: number, anchor: "middle" | "end"): string {
  const attrs = `x="${r2(x)}" y="${r2(y)}" text-anchor="${anchor}"`;
  if (t.exponent === undefined) return `<text ${attrs}>${esc(t.label)}</text>`;
  // 10 with a raised exponent, as matplotlib's log axis labels
  return `<text ${attrs}>10<tspan dy="-6" font-size="9">${esc(t.label)}</tspan></text>`;
}

/** The picture as an SVG document (pure; writeCurve rasterises it). */
export function curveSvg(series: CurveSeries[], o: CurveOptions): string {
  const width = o.width ?? 800;
  const height = o.height ?? 480;
  const box = plotBox(width, height);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="12" fill="#000">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    // axes, ticks and grid lines on whole pixels, as matplotlib snaps them
    `<style>line.axis { shape-rendering: crispEdges; }</style>`,
    `<text x="${(box.left + box.right) / 2}" y="${box.top - 14}" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
  ];
  const prepared = series.map((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.step));
    const values = s.smooth && s.smooth > 1 ? movingAverage(pts.map((p) => p.value), s.smooth) : pts.map((p) => p.value);
    return { ...s, color: s.color ?? TAB10[i % TAB10.length], xy: pts.map((p, j) => [p.step, values[j]] as [number, number]) };
  });
  const all = prepared.flatMap((s) => s.xy);
  const frame = `<rect x="${box.left}" y="${box.top}" width="${box.right - box.left}" height="${box.bottom - box.top}" fill="none" stroke="#000" stroke-width="1" shape-rendering="crispEdges"/>`;
  if (all.length === 0 && !(o.xLimits && o.yLimits)) {
    parts.push(frame, `<text x="${(box.left + box.right) / 2}" y="${(box.top + box.bottom) / 2}" text-anchor="middle" fill="#777">no data yet</text>`, "</svg>");
    return parts.join("\n");
  }
  // loops, not Math.min(...values): a long run has more values than a call's argument list may hold
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of all) [xMin, xMax, yMin, yMax] = [Math.min(xMin, x), Math.max(xMax, x), Math.min(yMin, y), Math.max(yMax, y)];
  const log = o.logY ?? (all.length > 0 && yMin > 0 && yMax >= 10 * yMin);
  const fy = log ? Math.log10 : (v: number) => v;
  const [x0, x1] = o.xLimits ?? withMargin(xMin, xMax);
  const [y0, y1] = o.yLimits ? [fy(o.yLimits[0]), fy(o.yLimits[1])] : withMargin(fy(yMin), fy(yMax));
  const px = (x: number) => box.left + ((x - x0) / (x1 - x0)) * (box.right - box.left);
  const py = (v: number) => box.bottom - ((fy(v) - y0) / (y1 - y0)) * (box.bottom - box.top);

  // grid and ticks
  const xTicks = niceTicks(x0, x1, 7);
  const yTicks = log ? logTicks(10 ** y0, 10 ** y1) : niceTicks(y0, y1, 6);
  for (const t of yTicks) {
    const y = r2(py(t.value));
    if (t.major) parts.push(`<line class="axis" x1="${box.left}" x2="${box.right}" y1="${y}" y2="${y}" stroke="#e6e6e6" stroke-width="0.8"/>`);
    parts.push(`<line class="axis" x1="${box.left - (t.major ? 3.5 : 2)}" x2="${box.left}" y1="${y}" y2="${y}" stroke="#000" stroke-width="${t.major ? 0.8 : 0.6}"/>`);
    if (t.label) parts.push(tickLabel(t, box.left - 7, y + 4, "end"));
  }
  for (const t of xTicks) {
    const x = r2(px(t.value));
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${box.top}" y2="${box.bottom}" stroke="#e6e6e6" stroke-width="0.8"/>`);
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${box.bottom}" y2="${box.bottom + 3.5}" stroke="#000" stroke-width="0.8"/>`);
    parts.push(tickLabel(t, x, box.bottom + 17, "middle"));
  }
  parts.push(`<text x="${(box.left + box.right) / 2}" y="${height - 14}" text-anchor="middle" font-size="13">step</text>`);
  parts.push(`<text transform="translate(18 ${(box.top + box.bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="13">${log ? "loss (log scale)" : "loss"}</text>`);

  // the curves, clipped to the plot area
  parts.push(`<clipPath id="plot"><rect x="${box.left}" y="${box.top}" width="${box.right - box.left}" height="${box.bottom - box.top}"/></clipPath>`, `<g clip-path="url(#plot)" fill="none" stroke-linejoin="round" stroke-linecap="round">`);
  for (const s of prepared) {
    const drawn = s.xy.filter(([, v]) => !log || v > 0);
    if (drawn.length === 0) continue;
    const d = thinToPixels(drawn.map(([x, v]) => [px(x), py(v)] as [number, number]))
      .map(([x, y], j) => `${j ? "L" : "M"}${r2(x)} ${r2(y)}`)
      .join("");
    const stroke = `stroke="${s.color}" stroke-width="${s.width ?? 1.5}" stroke-opacity="${s.opacity ?? 1}"`;
    parts.push(drawn.length === 1 ? `<circle cx="${r2(px(drawn[0][0]))}" cy="${r2(py(drawn[0][1]))}" r="2.5" fill="${s.color}"/>` : `<path d="${d}" ${stroke}/>`);
  }
  parts.push("</g>", frame);

  // legend, upper right, in a rounded translucent frame as matplotlib's
  const labelled = prepared.filter((s) => s.label);
  if (labelled.length) {
    const rowH = 18;
    const w = 44 + Math.max(...labelled.map((s) => s.label.length)) * 7;
    const h = labelled.length * rowH + 8;
    const lx = box.right - w - 8;
    const ly = box.top + 8;
    parts.push(`<rect x="${lx}" y="${ly}" width="${w}" height="${h}" rx="3" fill="#ffffff" fill-opacity="0.8" stroke="#cccccc" stroke-width="0.8"/>`);
    labelled.forEach((s, i) => {
      const y = ly + 4 + rowH * i + rowH / 2;
      parts.push(`<line class="axis" x1="${lx + 8}" x2="${lx + 30}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="${Math.max(1.5, s.width ?? 1.5)}" stroke-opacity="${Math.max(0.4, s.opacity ?? 1)}"/>`);
      parts.push(`<text x="${lx + 36}" y="${y + 4}" font-size="11">${esc(s.label)}</text>`);
    });
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/**
 * A long run has far more steps than the plot has pixel columns: per column, only the first, lowest,
 * highest and last points are kept (in step order), which draws the same envelope with a path of at most
 * four points per column, so that the picture of a 600k-step run takes as long as that of a short one.
 */
export function thinToPixels(points: [number, number][]): [number, number][] {
  if (points.length <= 1000) return points;
  const out: [number, number][] = [];
  let i = 0;
  while (i < points.length) {
    const column = Math.round(points[i][0]);
    let j = i;
    let lo = i;
    let hi = i;
    while (j + 1 < points.length && Math.round(points[j + 1][0]) === column) {
      j++;
      if (points[j][1] < points[lo][1]) lo = j;
      if (points[j][1] > points[hi][1]) hi = j;
    }
    for (const k of [...new Set([i, lo, hi, j])].sort((a, b) => a - b)) out.push(points[k]);
    i = j + 1;
  }
  return out;
}

function withMargin(lo: number, hi: number): [number, number] {
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 0.5;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Rasterises the SVG with sharp (librsvg) to a PNG of the same size. */
export async function curvePng(series: CurveSeries[], o: CurveOptions): Promise<Buffer> {
  const { default: sharp } = await import("sharp");
  return sharp(Buffer.from(curveSvg(series, o))).png({ compressionLevel: 9 }).toBuffer();
}

export async function writeCurve(path: string, series: CurveSeries[], title: string): Promise<void> {
  writeFileAtomic(path, await curvePng(series, { title }));
}
