// Kernel benchmark: CMU-Pose's refinement-stage branch (46x46, 185->128 7x7, 4 x 128->128 7x7, 1x1 128,
// 1x1 38) forward and training step (batch 2) on wasm with 1 and 2 threads, on cpu (forward only, when
// quick enough) and in PyTorch 1.13 with the same thread counts, side by side; plus, for the wasm
// training step, the sum of kernel times from tf.profile against the step's wall time.
// Run: node scripts/run-ts.mjs bench/kernels.ts [--runs 5] [--size 46] [--batch 2] [--threads 1,2] [--cpu-limit-s 60]
import os from "node:os";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../runtime/backends/select.js";
import { Rng } from "../runtime/util/rng.js";
import {
  formatTable,
  makeTrainingStep,
  median,
  profileStep,
  refinementBlock,
  refinementFlops,
  timeForward,
  timeTrainingStep,
  torchRefinementTimes,
  type StepProfile,
  type Timing,
} from "./kernels-lib.js";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const runs = Number(flag("runs", "5"));
const size = Number(flag("size", "46"));
const batch = Number(flag("batch", "2"));
const threadCounts = flag("threads", "1,2").split(",").map(Number);
const cpuLimitS = Number(flag("cpu-limit-s", "60"));
const gflop = refinementFlops(size, batch) / 1e9;

function randomTensor(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal()), shape);
}

interface Row {
  backend: string;
  threads: number;
  forward: Timing | null;
  train: Timing | null;
  note?: string;
}
const rows: Row[] = [];
const profiles: { threads: number; runs: StepProfile[] }[] = [];

console.log(
  `refinement block ${size}x${size}, batch ${batch}: ${gflop.toFixed(1)} GFLOP forward; ${runs} timed runs, median` +
    `\nmachine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, node ${process.version}\n`,
);

for (const threads of threadCounts) {
  const report = await selectBackend({ prefer: "wasm", threads });
  const block = refinementBlock(1);
  const x = randomTensor([batch, size, size, 185], 2);
  const target = randomTensor([batch, size, size, 38], 3);
  const forward = await timeForward(block.forward, x, { runs });
  const train = await timeTrainingStep(block.forward, { x, target }, { runs, variables: block.variables });
  rows.push({ backend: "wasm (tfjs)", threads: report.threads, forward, train });
  const step = makeTrainingStep(block.forward, { x, target }, { variables: block.variables });
  const profiled: StepProfile[] = [];
  for (let i = 0; i < Math.min(runs, 3); i++) profiled.push(await profileStep(step));
  profiles.push({ threads: report.threads, runs: profiled });
  console.log(`wasm ${report.threads} thread(s): forward ${forward.runsMs.map((t) => t.toFixed(0)).join(" ")} ms; train ${train.runsMs.map((t) => t.toFixed(0)).join(" ")} ms`);
  tf.dispose([x, target]);
  block.dispose();
}

{
  // The cpu backend is plain JS; estimate from one small conv before committing to a full forward.
  await selectBackend({ prefer: "cpu" });
  const probe = tf.tidy(() => {
    const px = randomTensor([1, 23, 23, 64], 4);
    const pw = randomTensor([3, 3, 64, 64], 5);
    const t0 = performance.now();
    tf.conv2d(px, pw, 1, "same").dataSync();
    return performance.now() - t0;
  });
  const probeGflop = (2 * 23 * 23 * 9 * 64 * 64) / 1e9;
  const estimateS = (gflop / (probeGflop / (probe / 1000))) | 0;
  if (estimateS > cpuLimitS) {
    const why = `skipped: ~${estimateS} s per forward (${(probeGflop / (probe / 1000)).toFixed(2)} GFLOP/s on a probe conv) > --cpu-limit-s ${cpuLimitS}`;
    rows.push({ backend: "cpu (tfjs)", threads: 1, forward: null, train: null, note: why });
  } else {
    const block = refinementBlock(1);
    const x = randomTensor([batch, size, size, 185], 2);
    const forward = await timeForward(block.forward, x, { warmup: 0, runs: Math.min(runs, 2) });
    rows.push({ backend: "cpu (tfjs)", threads: 1, forward, train: null, note: "training not timed (too slow)" });
    x.dispose();
    block.dispose();
  }
}

const torch = torchRefinementTimes({ threads: threadCounts, size, batch, runs });
if (typeof torch === "string") rows.push({ backend: "PyTorch", threads: 0, forward: null, train: null, note: `skipped: ${torch}` });
else for (const t of torch) rows.push({ backend: `PyTorch ${t.version}`, threads: t.threads, forward: t.forward, train: t.train });

const torchAt = (threads: number) => (typeof torch === "string" ? undefined : torch.find((t) => t.threads === threads));
const ms = (t: Timing | null) => (t === null ? "-" : `${t.medianMs.toFixed(0)} (${t.minMs.toFixed(0)})`);
const ratio = (t: Timing | null, ref: Timing | undefined) => (t === null || !ref ? "-" : `${(t.medianMs / ref.medianMs).toFixed(2)}x`);
const table = [
  ["backend", "threads", "forward ms med (min)", "GFLOP/s", "train step ms med (min)", "fwd vs PyTorch", "train vs PyTorch", "note"],
  ...rows.map((r) => [
    r.backend,
    String(r.threads),
    ms(r.forward),
    r.forward === null ? "-" : (gflop / (r.forward.medianMs / 1000)).toFixed(1),
    ms(r.train),
    r.backend.startsWith("PyTorch") ? "" : ratio(r.forward, torchAt(r.threads)?.forward),
    r.backend.startsWith("PyTorch") ? "" : ratio(r.train, torchAt(r.threads)?.train),
    r.note ?? "",
  ]),
];
console.log(`\n${formatTable(table)}\n`);

for (const p of profiles) {
  const ratios = p.runs.map((r) => r.wallMs / r.kernelMs);
  const mid = p.runs[ratios.indexOf(median(ratios))] ?? p.runs[0];
  const top = mid.byKernel
    .slice(0, 6)
    .map((k) => `${k.name} ${k.ms.toFixed(0)} ms (${k.calls}x)`)
    .join(", ");
  const r = median(ratios);
  console.log(
    `wasm ${p.threads} thread(s), profiled training steps (${p.runs.length}): ${mid.kernelCount} kernels; ` +
      `wall / sum of kernel times = ${ratios.map((v) => v.toFixed(3)).join(", ")} -> median ${r.toFixed(3)} (target <= 1.2)` +
      `${r <= 1.2 ? "" : "  ** over target **"}` +
      `\n  median run: wall ${mid.wallMs.toFixed(0)} ms, kernels ${mid.kernelMs.toFixed(0)} ms; largest: ${top}`,
  );
}
