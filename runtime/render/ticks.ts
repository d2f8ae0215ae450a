// Axis ticks for posec's plots, chosen the way matplotlib's default locators do: on a linear axis steps of
// 1, 2, 2.5 or 5 times a power of ten; on a log axis every decade, labelled as a power of ten, with
// unlabelled minor ticks at 2..9 (labelled at 2 and 5 when fewer than two decades are visible).

export interface Tick {
  value: number;
  label: string;
  /** a log axis's decade: the label is the exponent of 10 */
  exponent?: number;
  major: boolean;
}

/** Linear ticks within [lo, hi], at most about `maxCount` of them. */
export function niceTicks(lo: number, hi: number, maxCount: number): Tick[] {
  if (!(hi > lo)) return [{ value: lo, label: formatNumber(lo), major: true }];
  // the smallest step that gives at most maxCount ticks
  const raw = (hi - lo) / Math.max(1, maxCount - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const count = (s: number) => Math.floor(hi / s + 1e-9) - Math.ceil(lo / s - 1e-9) + 1;
  const step = [0.5, 1, 2, 2.5, 5, 10, 20].map((m) => m * power).find((s) => count(s) <= maxCount) ?? 20 * power;
  const ticks: Tick[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const value = Number((k * step).toPrecision(12));
    ticks.push({ value, label: formatNumber(value), major: true });
  }
  return ticks;
}

/** Log ticks within [lo, hi] (both > 0). */
export function logTicks(lo: number, hi: number): Tick[] {
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  let decades = 0;
  for (let e = first; e <= last; e++) if (inside(10 ** e)) decades++;
  const ticks: Tick[] = [];
  for (let e = first; e <= last; e++) {
    const decade = 10 ** e;
    if (inside(decade)) ticks.push({ value: decade, label: e < 0 ? `\u2212${-e}` : String(e), exponent: e, major: true });
    for (let m = 2; m <= 9; m++) {
      const value = Number((m * decade).toPrecision(12));
      if (!inside(value)) continue;
      const labelled = decades < 2 && (m === 2 || m === 5);
      ticks.push({ value, label: labelled ? formatNumber(value) : "", major: false });
    }
  }
  return ticks;
}

/** A short label: plain decimals (steps up to millions), otherwise scientific (1e-05). */
export function formatNumber(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e7 || a < 1e-4 ? v.toExponential().replace(/\.?0+e/, "e") : String(Number(v.toPrecision(7)));
  return s.replaceAll("-", "\u2212");
}
