// Training throughput of the generated PyTorch program (Debian's /usr/bin/python3, torch on the CPU):
// images/s of train.py for the small spec (128x128, its batch) and the patent spec
// (se_resnet_okhm_cmupose, 368x368, batch 1), with 1 and 2 torch threads, plus two gloo processes of one
// thread each for the small spec, and channels-last memory (--channels-last) for the patent spec. A few
// steps each on posec's synthetic set; the first step (warm-up) is not counted. "compute" leaves out the time the step waited for its batch (data.py runs in the
// training process: --workers 0).
//   node scripts/run-ts.mjs bench/pytorch.ts [--steps N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { emitPytorch } from "../compiler/emit/pytorch/index.js";
import { fileHost } from "../compiler/host.js";
import { synthesizeDataset } from "../runtime/data/synth.js";

const PYTHON = "/usr/bin/python3";

export interface PytorchBenchRow {
  what: string;
  input: string;
  batch: number;
  threads: number;
  processes: number;
  /** train.py --channels-last */
  channelsLast: boolean;
  /** measured steps (after one warm-up step) */
  steps: number;
  imagesPerSec: number;
  computeImagesPerSec: number;
}

interface Case {
  spec: string;
  batch: number;
  steps: number;
  synthSize: number;
  synthImages: number;
}

function writePackage(spec: string, dir: string): { name: string; size: number } {
  const r = compile(spec, fileHost(join(process.cwd(), "models", "std")));
  if (!r.ir) throw new Error(`${spec} does not compile`);
  mkdirSync(dir, { recursive: true });
  for (const f of emitPytorch(r.ir, 1).files) writeFileSync(join(dir, f.path), f.data);
  return { name: r.ir.model.name, size: r.ir.input.height };
}

interface StepMetrics {
  step: number;
  step_s: number;
  data_s: number;
}

function runTrain(pkg: string, data: string, out: string, c: Case, threads: number, processes: number, channelsLast: boolean): StepMetrics[] {
  const args = ["train.py", "--data", data, "--out", out, "--steps", String(c.steps + 1), "--batch", String(c.batch), "--threads", String(threads), "--log-every", "1000", "--checkpoint-every", "100000"];
  if (processes > 1) args.push("--nproc", String(processes));
  if (channelsLast) args.push("--channels-last");
  const r = spawnSync(PYTHON, args, { cwd: pkg, encoding: "utf8", timeout: 1_800_000 });
  if (r.status !== 0) throw new Error(`train.py failed:\n${r.stderr}`);
  return readFileSync(join(out, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepMetrics);
}

export async function benchPytorch(options: { steps?: number } = {}): Promise<PytorchBenchRow[]> {
  const steps = options.steps ?? 3;
  const root = mkdtempSync(join(tmpdir(), "posec-bench-torch-"));
  const cases: Case[] = [
    { spec: "models/small_resnet18_cmupose.posenet", batch: 8, steps, synthSize: 128, synthImages: 24 },
    { spec: "models/se_resnet_okhm_cmupose.posenet", batch: 1, steps: Math.max(2, steps - 1), synthSize: 368, synthImages: 4 },
  ];
  const rows: PytorchBenchRow[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      const pkg = join(root, `pkg${i}`);
      const { name, size } = writePackage(c.spec, pkg);
      const data = join(root, `synth${i}`);
      await synthesizeDataset({ outDir: data, images: c.synthImages, size: c.synthSize, seed: 3 });
      // threads, processes, channels-last
      const runs: [number, number, boolean][] = [[1, 1, false], [2, 1, false]];
      runs.push(c.batch > 1 ? [1, 2, false] : [1, 1, true]);
      for (const [threads, processes, channelsLast] of runs) {
        const out = join(root, `run${i}-${threads}-${processes}-${channelsLast}`);
        const m = runTrain(pkg, data, out, c, threads, processes, channelsLast).slice(1);
        const time = m.reduce((a, s) => a + s.step_s, 0);
        const compute = m.reduce((a, s) => a + s.step_s - s.data_s, 0);
        const images = c.batch * processes * m.length;
        rows.push({ what: name, input: `${size}x${size}`, batch: c.batch, threads, processes, channelsLast, steps: m.length, imagesPerSec: images / time, computeImagesPerSec: images / compute });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

export function formatPytorchBench(rows: PytorchBenchRow[]): string {
  const head = ["PyTorch train.py (CPU)", "input", "batch/proc", "threads", "procs", "layout", "steps", "img/s", "compute img/s"];
  const cells = rows.map((r) => [r.what, r.input, String(r.batch), String(r.threads), String(r.processes), r.channelsLast ? "NHWC" : "NCHW", String(r.steps), r.imagesPerSec.toFixed(2), r.computeImagesPerSec.toFixed(2)]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((c) => c.map((x, i) => (i === 0 ? x.padEnd(w[i]) : x.padStart(w[i]))).join("  ")).join("\n");
}

// run directly (node scripts/run-ts.mjs bench/pytorch.ts): print the table; imported: only export
if (/bench[\\/]pytorch\.ts$/.test(process.argv[1] ?? "")) {
  const i = process.argv.indexOf("--steps");
  const rows = await benchPytorch({ steps: i >= 0 ? Number(process.argv[i + 1]) : undefined });
  console.log(formatPytorchBench(rows));
}
