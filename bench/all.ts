// `npm run bench`: every number the issues ask for, measured side by side in one run on this machine,
// printed as a report and saved under bench/results/ with the machine description.
//   - per model (the small spec at 128x128 and the patent spec at 368x368): forward ms and training-step
//     ms per tfjs backend available here, ONNX Runtime inference ms, PyTorch's time for the same network
//     (the generated PyTorch model, same input, same threads), each with its ratio to PyTorch; the
//     training step against the sum of its kernel times (tfjs profiler)
//   - training images/s of the generated PyTorch program (train.py) beside the tfjs runtime's
//   - whole-process `posec check` time, target-generation samples/s, decoding ms per image
//   - a ~200 MB caffemodel's import time and peak RSS against just reading the file (bench/weights.ts)
// Each measurement runs in its own process, so that thread settings and warm caches do not leak.
//   npm run bench [-- --quick]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { buildOnnx } from "../compiler/emit/onnx/index.js";
import { emitPytorch } from "../compiler/emit/pytorch/index.js";
import { fileHost } from "../compiler/host.js";
import { initialWeights, modelParams } from "../core/params/index.js";
import { measureOnnxRuntime } from "./onnx.js";
import { benchPytorch, formatPytorchBench } from "./pytorch.js";

const quick = process.argv.includes("--quick");
const RUNS = quick ? 2 : 3;
const PYTHON = "/usr/bin/python3";
const tmp = mkdtempSync(join(tmpdir(), "posec-bench-"));
const lines: string[] = [];
const say = (s = "") => {
  lines.push(s);
  console.log(s);
};
const f0 = (x: number | null | undefined) => (x == null ? "–" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : "–");

function table(rows: string[][]): void {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  rows.forEach((r, j) => {
    say(`| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`);
    if (j === 0) say(`|${w.map((n) => "-".repeat(n + 2)).join("|")}|`);
  });
}

function runTs(script: string, args: string[], timeoutS = 1800): string {
  const r = spawnSync(process.execPath, ["scripts/run-ts.mjs", script, ...args], { encoding: "utf8", timeout: timeoutS * 1000 });
  if (r.status !== 0) throw new Error(`${script} ${args.join(" ")} failed:\n${r.stderr.slice(-2000)}`);
  return r.stdout;
}

function torchVersion(): string | null {
  try {
    return execFileSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
}

const TORCH_TIMING = `
import json, sys, time, torch
from model import Model
H, W, B, threads, runs = (int(a) for a in sys.argv[1:6])
torch.set_num_threads(threads)
torch.manual_seed(0)
m = Model(seed=1)
x1 = torch.randn(1, 3, H, W)
xb = torch.randn(B, 3, H, W)
def med(fn):
    fn()
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); fn(); ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    return ts[len(ts) // 2]
m.eval()
def fwd():
    with torch.no_grad():
        m(x1)
forward = med(fwd)
m.train()
opt = torch.optim.SGD(m.parameters(), lr=1e-6, momentum=0.9)
def step():
    opt.zero_grad()
    out = m(xb)
    loss = sum((t ** 2).sum() for s in out.stages for t in s) / B
    loss.backward()
    opt.step()
train = med(step)
print(json.dumps({"forwardMs": forward, "stepMs": train}))
`;

interface ModelCase {
  label: string;
  spec: string;
  batch: number;
}

/** images/s of the tfjs wasm training step per thread count, for the training-program comparison */
const wasmImagesPerSec = new Map<string, number>();

async function modelSection(c: ModelCase, torch: string | null): Promise<void> {
  const ir = compile(c.spec, fileHost("models/std")).ir!;
  const [H, W] = [ir.input.height, ir.input.width];
  say(`### ${c.label}: ${ir.model.name}, ${H}x${W}, training batch ${c.batch}`);
  say();
  type Row = { what: string; threads: number; forwardMs: number | null; stepMs: number | null; kernelRatio: string };
  const rows: Row[] = [];
  for (const threads of [1, 2]) {
    const r = JSON.parse(runTs("bench/tfjs-model.ts", [c.spec, "--backend", "wasm", "--threads", String(threads), "--batch", String(c.batch), "--runs", String(RUNS)]));
    rows.push({ what: "tfjs wasm", threads: r.threads, forwardMs: r.forwardMs, stepMs: r.stepMs, kernelRatio: r.profile ? `${(r.profile.wallMs / r.profile.kernelMs).toFixed(2)}` : "–" });
    wasmImagesPerSec.set(`${ir.model.name}/${r.threads}`, (1000 * c.batch) / r.stepMs);
  }
  let cpuTraining = "";
  if (H * W <= 128 * 128) {
    const r = JSON.parse(runTs("bench/tfjs-model.ts", [c.spec, "--backend", "cpu", "--forward-only", "--runs", "1"]));
    rows.push({ what: "tfjs cpu", threads: 1, forwardMs: r.forwardMs, stepMs: null, kernelRatio: "–" });
    // tfjs cpu's conv backprops are scalar loops: minutes per step at batch 8, so one step at batch 1
    const t = JSON.parse(runTs("bench/tfjs-model.ts", [c.spec, "--backend", "cpu", "--batch", "1", "--runs", "1", "--no-profile"]));
    cpuTraining = `tfjs cpu training: ${f0(t.stepMs)} ms per step at batch 1 (${(1000 / t.stepMs).toFixed(2)} images/s; one step after a warm-up step)`;
  } else say("tfjs cpu: skipped at this size (a forward pass takes minutes; its conv backprops are 100x slower still)");
  const weights = initialWeights(modelParams(ir), 1);
  const onnx = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "initial", seed: 1 } });
  const onnxPath = join(tmp, `${ir.model.name}.onnx`);
  writeFileSync(onnxPath, onnx.bytes!);
  const input = new Float32Array(3 * H * W).map((_, i) => Math.sin(i) * 0.3);
  for (const threads of [1, 2]) {
    const r = await measureOnnxRuntime(onnxPath, input, [1, 3, H, W], threads, RUNS);
    rows.push({ what: "ONNX Runtime", threads, forwardMs: r.ms, stepMs: null, kernelRatio: "–" });
  }
  const torchRows = new Map<number, { forwardMs: number; stepMs: number }>();
  if (torch) {
    const pkg = join(tmp, `torch-${ir.model.name}`);
    mkdirSync(pkg, { recursive: true });
    for (const file of emitPytorch(ir, 1).files) writeFileSync(join(pkg, file.path), file.data);
    writeFileSync(join(pkg, "bench_timing.py"), TORCH_TIMING);
    for (const threads of [1, 2]) {
      const out = execFileSync(PYTHON, ["bench_timing.py", String(H), String(W), String(c.batch), String(threads), String(RUNS)], { cwd: pkg, encoding: "utf8", timeout: 3_600_000 });
      const r = JSON.parse(out.trim().split("\n").pop()!);
      torchRows.set(threads, r);
      rows.push({ what: `PyTorch ${torch}`, threads, forwardMs: r.forwardMs, stepMs: r.stepMs, kernelRatio: "–" });
    }
  } else say("PyTorch: Debian's /usr/bin/python3 has no torch here; no PyTorch column");
  table([
    ["runtime", "threads", "forward ms (batch 1)", "vs PyTorch", `train step ms (batch ${c.batch})`, "vs PyTorch", "images/s", "step / kernel sum"],
    ...rows.map((r) => {
      const t = torchRows.get(r.threads);
      return [r.what, String(r.threads), f0(r.forwardMs), ratio(r.forwardMs, t?.forwardMs), f0(r.stepMs), ratio(r.stepMs, t?.stepMs), r.stepMs ? ((1000 * c.batch) / r.stepMs).toFixed(2) : "–", r.kernelRatio];
    }),
  ]);
  if (cpuTraining) {
    say();
    say(cpuTraining);
  }
  say();
}

const torch = torchVersion();
say(`# posec benchmark, ${new Date().toISOString().slice(0, 10)}`);
say();
say(`machine: ${hostname()}, ${cpus()[0]?.model ?? "cpu"} x ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; tfjs 4.22.0; onnxruntime-node 1.30.0; torch ${torch ?? "not available"}`);
say(`medians of ${RUNS} runs after a warm-up; ratios are to PyTorch at the same thread count`);
say();
await modelSection({ label: "small spec", spec: "models/small_resnet18_cmupose.posenet", batch: 8 }, torch);
await modelSection({ label: "patent spec", spec: "models/se_resnet_okhm_cmupose.posenet", batch: 1 }, torch);

if (torch) {
  say("### training programs: the generated PyTorch program (train.py) beside the tfjs runtime");
  say();
  say("train.py on posec's synthetic set, first step not counted (img/s includes its data loading, compute");
  say("img/s does not); the tfjs column is the wasm training step of the tables above at the same threads");
  say();
  const torchRows = await benchPytorch({ steps: quick ? 2 : 3 });
  for (const l of formatPytorchBench(torchRows).split("\n")) say(`    ${l}`);
  say();
  table([
    ["model", "threads", "tfjs wasm img/s", "PyTorch train.py img/s", "PyTorch compute img/s"],
    ...torchRows
      .filter((r) => r.processes === 1 && !r.channelsLast)
      .map((r) => [r.what, String(r.threads), (wasmImagesPerSec.get(`${r.what}/${r.threads}`) ?? NaN).toFixed(2), r.imagesPerSec.toFixed(2), r.computeImagesPerSec.toFixed(2)]),
  ]);
  say();
}

say("### posec check (whole process)");
say();
const check = JSON.parse(execFileSync(process.execPath, ["-e", `import("./bench/check.mjs").then(m => console.log(JSON.stringify(m.benchCheck())))`], { encoding: "utf8" }));
table([["spec", "median ms", "min ms"], ...check.rows.map((r: { what: string; median: number; min: number }) => [r.what, f0(r.median), f0(r.min)]), ["(node -e 0 alone)", f0(check.nodeStartupMs), ""]]);
say();

say("### target generation and decoding");
say();
for (const l of runTs("bench/targets.ts", quick ? ["--samples", "48"] : []).trim().split("\n")) say(`    ${l}`);
say();
for (const l of runTs("bench/decode.ts", []).trim().split("\n")) say(`    ${l}`);
say();

say("### language server (posec lsp)");
say();
for (const l of runTs("bench/lsp.ts", []).trim().split("\n")) say(`    ${l}`);
say();

say("### weights import (a synthetic ~200 MB caffemodel of CMU-Pose)");
say();
for (const l of runTs("bench/weights.ts", quick ? ["--runs", "1"] : []).trim().split("\n")) say(`    ${l}`);
say();

rmSync(tmp, { recursive: true, force: true });
mkdirSync("bench/results", { recursive: true });
const file = join("bench/results", `${new Date().toISOString().slice(0, 10)}-${hostname()}.md`);
writeFileSync(file, lines.join("\n") + "\n");
console.log(`saved ${file}`);
