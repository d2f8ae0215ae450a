// Prints patent CN114581953B's Table 1 with the measured numbers beside the patent's, and the per-joint
// numbers for wrists and ankles (the joints the patent says hard-keypoint mining helps).
// usage: node table.mjs DIR   DIR/<row>/eval.json (`posec eval --json`), eval.txt (`posec eval`), run/metrics.jsonl
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROWS = [
  { dir: "cmu_pose", method: "CMU-Pose", patent: [58.4, 81.5, 62.6, 54.4, 65.1] },
  { dir: "se_resnet_cmupose", method: "SE-ResNet-CMU-Pose", patent: [58.6, 80.7, 63.0, 57.9, 60.6] },
  { dir: "se_resnet_okhm_cmupose", method: "SE-ResNet-OKHM-CMU-Pose", patent: [60.0, 81.7, 65.2, 59.3, 62.4] },
];
const METRICS = [["AP", "AP"], ["AP50", "AP50"], ["AP75", "AP75"], ["APM", "APm"], ["APL", "APl"]];
const JOINTS = ["left_wrist", "right_wrist", "left_ankle", "right_ankle"];

const dir = process.argv[2];
const pct = (v) => (v < 0 ? "–" : (100 * v).toFixed(1)); // pycocotools' -1: no ground truth in that area range
const pad = (rows) => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((s, i) => (i === 0 ? String(s).padEnd(widths[i]) : String(s).padStart(widths[i]))).join("  ")).join("\n");
};

/** The rows of `posec eval`'s per-joint table: joint labelled matched meanKS PCK50 PCK75 KS|match. */
function perJoint(text) {
  const out = {};
  for (const line of text.split("\n")) {
    const cells = line.trim().split(/\s+/);
    if (cells.length === 7 && JOINTS.includes(cells[0])) out[cells[0]] = { meanKS: cells[3], pck50: cells[4] };
  }
  return out;
}

const measured = ROWS.map((row) => {
  const path = (f) => join(dir, row.dir, f);
  const stats = JSON.parse(readFileSync(path("eval.json"), "utf8"));
  const joints = perJoint(readFileSync(path("eval.txt"), "utf8"));
  // metrics.jsonl (one {"step", "loss", ...} per line) is written by posec train and the PyTorch program alike
  const metrics = path("run/metrics.jsonl");
  const losses = existsSync(metrics) ? readFileSync(metrics, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l).loss) : [];
  const tail = losses.slice(-Math.max(1, Math.round(losses.length / 10)));
  const loss = losses.length ? (tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(3) : "–";
  return { ...row, stats, joints, loss };
});

console.log("Table 1 (patent CN114581953B) — each cell: patent / measured here, COCO keypoint AP in %\n");
console.log(
  pad([
    ["Method", ...METRICS.map(([name]) => name)],
    ...measured.map((r) => [r.method, ...METRICS.map(([, key], i) => `${r.patent[i].toFixed(1)} / ${pct(r.stats[key])}`)]),
  ]),
);
console.log("\nPer joint, measured here (mean keypoint similarity / % of labelled joints with similarity >= 0.5; people matched at OKS 0.5)\n");
console.log(
  pad([
    ["Method", ...JOINTS, "training loss (last 10%)"],
    ...measured.map((r) => [r.method, ...JOINTS.map((j) => (r.joints[j] ? `${r.joints[j].meanKS} / ${r.joints[j].pck50}` : "–")), r.loss]),
  ]),
);
const missing = measured.filter((r) => JOINTS.some((j) => !r.joints[j]));
if (missing.length > 0) {
  console.error(`\nno per-joint rows for ${JOINTS.join(", ")} in ${missing.map((r) => join(dir, r.dir, "eval.txt")).join(", ")}`);
  process.exit(1);
}
