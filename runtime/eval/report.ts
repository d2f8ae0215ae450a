// Output formats of `posec eval`: pycocotools' summarize() lines, the ten numbers as JSON, and the
// per-joint table. Pure string builders; the CLI decides where they go.
import type { KeypointStatName, KeypointStats } from "./cocoeval.js";
import { KEYPOINT_STAT_NAMES } from "./cocoeval.js";
import type { PerJointReport } from "./perjoint.js";

/** Python's '{:0.3f}': like toFixed(3) except that exact ties (x = odd/16) round half to even. */
export function formatFixed3(x: number): string {
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && sixteenths % 2 !== 0 && Math.abs(x) < 2 ** 40) {
    const lo = Math.floor(x * 1000);
    const even = lo % 2 === 0 ? lo : lo + 1;
    return (even / 1000).toFixed(3);
  }
  return x.toFixed(3);
}

const SUMMARY_ROWS: { stat: KeypointStatName; ap: boolean; iou: string; area: string }[] = [
  { stat: "AP", ap: true, iou: "0.50:0.95", area: "all" },
  { stat: "AP50", ap: true, iou: "0.50", area: "all" },
  { stat: "AP75", ap: true, iou: "0.75", area: "all" },
  { stat: "APm", ap: true, iou: "0.50:0.95", area: "medium" },
  { stat: "APl", ap: true, iou: "0.50:0.95", area: "large" },
  { stat: "AR", ap: false, iou: "0.50:0.95", area: "all" },
  { stat: "AR50", ap: false, iou: "0.50", area: "all" },
  { stat: "AR75", ap: false, iou: "0.75", area: "all" },
  { stat: "ARm", ap: false, iou: "0.50:0.95", area: "medium" },
  { stat: "ARl", ap: false, iou: "0.50:0.95", area: "large" },
];

/**
 * The ten lines pycocotools prints, e.g.
 * ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ] = 0.577`
 * (format ' {:<18} {} @[ IoU={:<9} | area={:>6s} | maxDets={:>3d} ] = {:0.3f}').
 */
export function formatSummaryTable(stats: KeypointStats, maxDets = 20): string {
  return SUMMARY_ROWS.map((r) => {
    const title = (r.ap ? "Average Precision" : "Average Recall").padEnd(18);
    const type = r.ap ? "(AP)" : "(AR)";
    return ` ${title} ${type} @[ IoU=${r.iou.padEnd(9)} | area=${r.area.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${formatFixed3(stats[r.stat])}`;
  }).join("\n");
}

/** The ten numbers as `{"AP":…, …, "ARl":…}` in that key order, full double precision (-1 stays -1). */
export function statsToJsonObject(stats: KeypointStats): KeypointStats {
  const out = {} as KeypointStats;
  for (const name of KEYPOINT_STAT_NAMES) out[name] = stats[name];
  return out;
}

export function formatStatsJson(stats: KeypointStats): string {
  return JSON.stringify(statsToJsonObject(stats));
}

/** A fixed-width per-joint table (numbers in percent). */
export function formatPerJointTable(report: PerJointReport): string {
  const pct = (v: number) => (100 * v).toFixed(1).padStart(6);
  const header = `per-joint keypoint similarity at the OKS ${report.oksThreshold} matching (area all)`;
  const cols = `${"joint".padEnd(15)} ${"labelled".padStart(8)} ${"matched".padStart(8)} ${"meanKS".padStart(6)} ${"PCK50".padStart(6)} ${"PCK75".padStart(6)} ${"KS|match".padStart(8)}`;
  const rows = report.joints.map(
    (j) =>
      `${j.name.padEnd(15)} ${String(j.labelled).padStart(8)} ${String(j.matched).padStart(8)} ${pct(j.meanKs)} ${pct(j.pck50)} ${pct(j.pck75)} ${pct(j.matchedMeanKs).padStart(8)}`,
  );
  return [header, cols, ...rows].join("\n");
}
