// ONNX Runtime inference time of an exported model (default: the patent's SE-ResNet-OKHM-CMU-Pose at
// 368x368), with 1 and 2 intra-op threads, median of several runs; beside it, in
// the same process and on the same weights and input, posec's tfjs runtime on the wasm backend and
// PyTorch 1.13 running test/onnx/torch_ref.py (float32, torch.set_num_threads 1 and 2). Also prints the
// largest difference between ONNX Runtime's and PyTorch's outputs.
//   node scripts/run-ts.mjs bench/onnx.ts [--spec FILE] [--size 368x368] [--runs 5] [--threads 1,2] [--no-tfjs] [--no-torch]
// `measureOnnxRuntime` is used by bench/all.ts (`npm run bench`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { timeIt } from "./kernels-lib.js";
import { compile } from "../compiler/compile.js";
import { buildOnnx, onnxOutputs } from "../compiler/emit/onnx/index.js";
import { serializeIr } from "../compiler/emit/ir.js";
import { fileHost } from "../compiler/host.js";
import type { Ir } from "../core/ir/types.js";
import { modelParams, type WeightSet } from "../core/params/index.js";
import { Rng } from "../core/rng.js";
import { perturbedWeights, writeCheckpoint } from "../testkit/checkpoints.js";

export interface OnnxBenchOptions {
  spec: string;
  size: [number, number];
  runs: number;
  threads: number[];
  tfjs: boolean;
  torch: boolean;
  /** the repository root (torch_ref.py and models/std are found from it) */
  root?: string;
}

export interface BenchRow {
  runtime: "onnxruntime" | "tfjs wasm" | "pytorch";
  threads: number;
  /** median wall time of one forward pass, or null when it could not run (see note) */
  medianMs: number | null;
  note?: string;
}

export interface OnnxBenchResult {
  model: string;
  size: [number, number];
  gmacs: number;
  rows: BenchRow[];
  /** max |ONNX Runtime - PyTorch| over the outputs, when PyTorch ran */
  maxDiff: number | null;
}

/** Median ms of `runs` calls after one warm-up (allocations, kernel selection, wasm compilation). */
async function timeRuns(runs: number, f: () => Promise<void>): Promise<number> {
  return (await timeIt(f, { warmup: 1, runs })).medianMs;
}

/** ONNX Runtime (CPU): median ms per forward pass, and the outputs of the last one. */
export async function measureOnnxRuntime(onnxPath: string, input: Float32Array, shape: number[], threads: number, runs: number): Promise<{ ms: number; outputs: Map<string, Float32Array> }> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all", executionMode: "sequential" });
  const feeds = { image: new ort.Tensor("float32", input, shape) };
  let last: Awaited<ReturnType<typeof session.run>> | undefined;
  const ms = await timeRuns(runs, async () => {
    last = await session.run(feeds);
  });
  const outputs = new Map(session.outputNames.map((n) => [n, last![n].data as Float32Array]));
  await session.release();
  return { ms, outputs };
}

/** posec's tfjs runtime on the wasm backend: median ms per predict, or why it cannot run. */
async function measureTfjsWasm(ir: Ir, weights: WeightSet, input: Float32Array, shape: number[], threads: number, runs: number): Promise<{ ms: number | null; note?: string }> {
  let modules;
  try {
    modules = { select: await import("../runtime/backends/select.js"), build: await import("../runtime/model/build.js"), tf: await import("@tensorflow/tfjs") };
  } catch (e) {
    return { ms: null, note: `tfjs runtime not available: ${(e as Error).message}` };
  }
  const report = await modules.select.selectBackend({ prefer: "wasm", threads });
  const tf = modules.tf;
  const [n, c, h, w] = shape;
  const nhwc = new Float32Array(input.length);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) nhwc[(y * w + x) * c + ch] = input[(ch * h + y) * w + x];
  const built = modules.build.buildModel(ir, weights, [h, w]);
  const xs = tf.tensor4d(nhwc, [n, h, w, c]);
  const ms = await timeRuns(runs, async () => {
    const ys = built.model.predict(xs) as import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
    const list = Array.isArray(ys) ? ys : [ys];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  });
  tf.dispose(xs);
  built.model.dispose();
  return { ms, note: report.threads !== threads ? `wasm ran ${report.threads} thread(s)` : undefined };
}

export async function benchOnnx(o: OnnxBenchOptions): Promise<OnnxBenchResult> {
  const root = resolve(o.root ?? ".");
  const compiled = compile(o.spec, fileHost(join(root, "models", "std")));
  if (!compiled.ir) throw new Error(`${o.spec} does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
  const ir = compiled.ir;
  // the tests' weights (He-scaled kernels, perturbed batchnorm statistics): the time is the same as with
  // the initial ones, and the ONNX Runtime / PyTorch difference means something (CMU's std 0.01 would
  // leave nearly constant maps)
  const maps = new Set(ir.stages?.outputs.flatMap((s) => [s.heatmaps, s.pafs]) ?? Object.values(ir.outputs));
  const weights = perturbedWeights(modelParams(ir), 1, new Set(ir.nodes.filter((n) => maps.has(n.outputs[0])).map((n) => n.name)));
  const [h, w] = o.size;
  const shape = [1, ir.input.channels, h, w];
  const rng = new Rng(17);
  const input = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.5, 0.5));
  const { inferShapes } = await import("../core/shapes.js");
  const gmacs = (inferShapes(ir, h, w).report?.totals.macs ?? 0) / 1e9;

  const dir = mkdtempSync(join(os.tmpdir(), "posec-bench-onnx-"));
  try {
    const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: "bench: perturbed seeded weights" } });
    if (!built.bytes) throw new Error(built.diagnostics.map((d) => d.message).join("; "));
    const onnxPath = join(dir, "model.onnx");
    writeFileSync(onnxPath, built.bytes);
    const rows: BenchRow[] = [];
    let ortOutputs: Map<string, Float32Array> | undefined;
    for (const t of o.threads) {
      const r = await measureOnnxRuntime(onnxPath, input, shape, t, o.runs);
      rows.push({ runtime: "onnxruntime", threads: t, medianMs: r.ms });
      ortOutputs = r.outputs;
    }
    for (const t of o.threads) {
      if (!o.tfjs) break;
      const r = await measureTfjsWasm(ir, weights, input, shape, t, o.runs);
      rows.push({ runtime: "tfjs wasm", threads: t, medianMs: r.ms, note: r.note });
    }
    let maxDiff: number | null = null;
    if (o.torch) {
      writeFileSync(join(dir, "model.ir.json"), serializeIr(ir));
      writeCheckpoint(join(dir, "ckpt"), weights);
      writeFileSync(join(dir, "input.bin"), new Uint8Array(input.buffer));
      const outputs = onnxOutputs(ir, false);
      const job = { ir: join(dir, "model.ir.json"), checkpoint: join(dir, "ckpt"), outputs, dtype: "float32", runs: [{ input: join(dir, "input.bin"), shape, out: join(dir, "torch.bin") }], bench: { runs: o.runs, threads: o.threads } };
      try {
        const stdout = execFileSync("/usr/bin/python3", [join(root, "test", "onnx", "torch_ref.py")], { input: JSON.stringify(job), maxBuffer: 1 << 24 }).toString();
        const times = (JSON.parse(stdout) as { times_ms: Record<string, number> }).times_ms;
        for (const t of o.threads) rows.push({ runtime: "pytorch", threads: t, medianMs: times[String(t)] });
        const bytes = readFileSync(join(dir, "torch.bin"));
        const torch = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        let off = 0;
        maxDiff = 0;
        for (const [name] of outputs) {
          const ort = ortOutputs!.get(name)!;
          for (let i = 0; i < ort.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ort[i] - torch[off + i]));
          off += ort.length;
        }
      } catch (e) {
        for (const t of o.threads) rows.push({ runtime: "pytorch", threads: t, medianMs: null, note: `/usr/bin/python3 with torch failed: ${(e as Error).message.split("\n")[0]}` });
      }
    }
    return { model: ir.model.name, size: o.size, gmacs, rows, maxDiff };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatOnnxBench(r: OnnxBenchResult, runs: number): string {
  const lines = [`${r.model} at ${r.size.join("x")} (${r.gmacs.toFixed(1)} GMAC per image), batch 1, median of ${runs} runs after one warm-up`];
  lines.push("runtime       threads   median ms   GMAC/s");
  for (const row of r.rows) {
    const ms = row.medianMs === null ? "-" : row.medianMs.toFixed(0);
    const rate = row.medianMs === null ? "-" : (r.gmacs / (row.medianMs / 1000)).toFixed(1);
    lines.push(`${row.runtime.padEnd(14)}${String(row.threads).padStart(7)}${ms.padStart(12)}${rate.padStart(9)}${row.note ? `   (${row.note})` : ""}`);
  }
  if (r.maxDiff !== null) lines.push(`max |ONNX Runtime - PyTorch float32| over heatmaps and pafs: ${r.maxDiff.toExponential(2)}`);
  return lines.join("\n");
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1]?.endsWith(join("bench", "onnx.ts"))) {
  const size = (flag("size") ?? "368x368").split("x").map(Number) as [number, number];
  const options: OnnxBenchOptions = {
    spec: flag("spec") ?? "models/se_resnet_okhm_cmupose.posenet",
    size,
    runs: Number(flag("runs") ?? 5),
    threads: (flag("threads") ?? "1,2").split(",").map(Number),
    tfjs: !process.argv.includes("--no-tfjs"),
    torch: !process.argv.includes("--no-torch"),
  };
  console.log(`machine: ${os.cpus().length} logical cores (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}, node ${process.version}`);
  const result = await benchOnnx(options);
  console.log(formatOnnxBench(result, options.runs));
}
