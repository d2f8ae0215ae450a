// The loss-curve picture `posec train` writes next to its metrics: total loss per step (faint) and its
// moving average (bold) on a log axis, with the per-stage losses of the last stage for comparison.
import { Canvas, paletteColor, writePng, type Rgb } from "./canvas.js";
import { drawText, GLYPH_HEIGHT, textWidth } from "./font.js";

export interface CurveSeries {
  label: string;
  points: { step: number; value: number }[];
  color?: Rgb;
  smooth?: number;
}

function movingAverage(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  }
  return out;
}

const fmt = (v: number) => (v >= 1000 || v < 0.01 ? v.toExponential(1) : Number(v.toPrecision(2)).toString());

export function renderCurve(series: CurveSeries[], title: string, width = 800, height = 450): Canvas {
  const c = new Canvas(width, height, [255, 255, 255]);
  const left = 64;
  const right = 16;
  const top = 44;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value) && p.value > 0);
  drawText(c, left, 8, title, [20, 20, 20], 2);
  if (all.length === 0) {
    drawText(c, left, top + plotH / 2, "no data yet", [120, 120, 120], 2);
    return c;
  }
  const x0 = Math.min(...all.map((p) => p.step));
  const x1 = Math.max(x0 + 1, ...all.map((p) => p.step));
  let y0 = Math.log10(Math.min(...all.map((p) => p.value)));
  let y1 = Math.log10(Math.max(...all.map((p) => p.value)));
  if (y1 - y0 < 0.5) [y0, y1] = [y0 - 0.25, y1 + 0.25];
  const px = (s: number) => left + ((s - x0) / (x1 - x0)) * plotW;
  const py = (v: number) => top + plotH - ((Math.log10(v) - y0) / (y1 - y0)) * plotH;
  // axes, decade grid lines, ticks
  c.rect(left, top, 1, plotH, [0, 0, 0]);
  c.rect(left, top + plotH, plotW, 1, [0, 0, 0]);
  for (let d = Math.ceil(y0 * 2) / 2; d <= y1; d += 0.5) {
    const y = py(10 ** d);
    c.rect(left + 1, y, plotW - 1, 1, [230, 230, 230]);
    const label = fmt(10 ** d);
    drawText(c, left - 6 - textWidth(label), y - GLYPH_HEIGHT / 2, label, [60, 60, 60]);
  }
  for (let i = 0; i <= 5; i++) {
    const s = Math.round(x0 + ((x1 - x0) * i) / 5);
    const x = px(s);
    c.rect(x, top + plotH, 1, 4, [0, 0, 0]);
    drawText(c, x - textWidth(String(s)) / 2, top + plotH + 8, String(s), [60, 60, 60]);
  }
  drawText(c, left + plotW / 2 - textWidth("step") / 2, height - 14, "step", [20, 20, 20]);
  drawText(c, 4, top - 14, "loss (log)", [20, 20, 20]);
  series.forEach((s, i) => {
    const color = s.color ?? paletteColor(i, series.length);
    const pts = s.points.filter((p) => Number.isFinite(p.value) && p.value > 0);
    const values = s.smooth ? movingAverage(pts.map((p) => p.value), s.smooth) : pts.map((p) => p.value);
    for (let j = 1; j < pts.length; j++) {
      c.line(px(pts[j - 1].step), py(values[j - 1]), px(pts[j].step), py(values[j]), color, s.smooth ? 2 : 1, s.smooth ? 1 : 0.35);
    }
    drawText(c, left + plotW - 180, top + 8 + i * 12, `- ${s.label}`, color);
  });
  return c;
}

export async function writeCurve(path: string, series: CurveSeries[], title: string): Promise<void> {
  await writePng(renderCurve(series, title), path);
}
