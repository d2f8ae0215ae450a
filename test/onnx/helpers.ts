// Helpers for the ONNX suites: exported models on disk, checkpoints in the trainer's tfjs format,
// ONNX Runtime, and the two Python references run by Debian's /usr/bin/python3 (onnx 1.12, torch 1.13).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOnnx, type OnnxOptions } from "../../compiler/emit/onnx/index.js";
import { serializeIr } from "../../compiler/emit/ir.js";
import type { Ir } from "../../core/ir/types.js";
import { Rng } from "../../core/rng.js";
import { modelParams, type ParamSpec, type WeightSet } from "../../core/params/index.js";
import { compile } from "../../compiler/compile.js";
import { fileHost } from "../../compiler/host.js";

export const PYTHON = "/usr/bin/python3";
// Tests and benchmarks run from the repository root (this module is also bundled into bench/onnx.ts,
// where import.meta does not point into the repository).
const ROOT = process.cwd();
const HERE = join(ROOT, "test", "onnx");

// Exported models, checkpoints and IRs add up to about 1 GB per suite run (VGG-19 alone is 400 MB):
// every folder made here is removed when the process ends (this module also serves bench/onnx.ts,
// where vitest's afterAll does not exist).
// Test files call removeTempDirs in afterAll (vitest's workers do not always see "exit").
const madeDirs: string[] = [];
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.once("exit", removeTempDirs);

export function tempDir(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `posec-onnx-${tag}-`));
  madeDirs.push(dir);
  return dir;
}

export function compileIr(path: string): Ir {
  const r = compile(path, fileHost(join(ROOT, "models", "std")));
  if (!r.ir) throw new Error(`${path} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir;
}

// writeCheckpoint and perturbedWeights live in testkit/ (bench/onnx.ts uses them too)
import { perturbedWeights, writeCheckpoint } from "../../testkit/checkpoints.js";
export { perturbedWeights, writeCheckpoint };

export function seededInput(shape: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-0.5, 0.5);
  return out;
}

export interface Exported {
  ir: Ir;
  dir: string;
  irPath: string;
  checkpoint: string;
  onnxPath: string;
  weights: WeightSet;
  specs: ParamSpec[];
  outputs: string[];
  /** IR tensor -> ONNX value name where they differ */
  renamed: Map<string, string>;
  bytes: Uint8Array;
}

/** Compiles a spec, writes its IR and a perturbed checkpoint, and exports the ONNX model. */
export function exportSpec(path: string, options: Partial<OnnxOptions> = {}, seed = 3): Exported {
  const ir = compileIr(path);
  const dir = tempDir(ir.model.name);
  const specs = modelParams(ir);
  const maps = new Set([...Object.values(ir.outputs), ...(ir.stages?.outputs.flatMap((o) => [o.heatmaps, o.pafs]) ?? [])]);
  const weights = perturbedWeights(specs, seed, new Set(ir.nodes.filter((n) => maps.has(n.outputs[0])).map((n) => n.name)));
  const irPath = join(dir, "model.ir.json");
  writeFileSync(irPath, serializeIr(ir));
  const checkpoint = join(dir, "checkpoint");
  writeCheckpoint(checkpoint, weights);
  const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: "checkpoint" }, ...options });
  if (!built.bytes) throw new Error(`export of ${path} failed: ${built.diagnostics.map((d) => d.message).join("; ")}`);
  const onnxPath = join(dir, "model.onnx");
  writeFileSync(onnxPath, built.bytes);
  return { ir, dir, irPath, checkpoint, onnxPath, weights, specs, outputs: built.outputs, renamed: built.renamed, bytes: built.bytes };
}

export type Outputs = Map<string, { dims: number[]; data: Float32Array }>;

/** Runs an ONNX file with onnxruntime-node (CPU) on NCHW inputs, one session for all of them. */
export async function runOrtMany(onnxPath: string, inputs: { data: Float32Array; shape: number[] }[], threads = 2): Promise<Outputs[]> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  try {
    const all: Outputs[] = [];
    for (const { data, shape } of inputs) {
      const result = await session.run({ image: new ort.Tensor("float32", data, shape) });
      const out: Outputs = new Map();
      for (const name of session.outputNames) out.set(name, { dims: [...result[name].dims], data: result[name].data as Float32Array });
      all.push(out);
    }
    return all;
  } finally {
    await session.release();
  }
}

export async function runOrt(onnxPath: string, input: Float32Array, shape: number[], threads = 2): Promise<Outputs> {
  return (await runOrtMany(onnxPath, [{ data: input, shape }], threads))[0];
}

export interface TorchJob {
  outputs: [string, string][];
  inputs: { data: Float32Array; shape: number[] }[];
  dtype?: "float64" | "float32";
  bench?: { runs: number; threads: number[] };
}

/**
 * The PyTorch reference (test/onnx/torch_ref.py; float64 unless asked otherwise) on the same IR,
 * checkpoint and inputs: one Python process for all inputs, so the weights are loaded once.
 */
export function runTorchRef(e: Pick<Exported, "irPath" | "checkpoint" | "dir">, job: TorchJob): { outputs: Outputs[]; timesMs?: Record<string, number> } {
  const runs = job.inputs.map(({ data, shape }, i) => {
    const input = join(e.dir, `input-${i}-${shape.join("x")}.bin`);
    writeFileSync(input, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return { input, shape, out: join(e.dir, `torch-${i}-${shape.join("x")}.bin`) };
  });
  const request = { ir: e.irPath, checkpoint: e.checkpoint, outputs: job.outputs, dtype: job.dtype ?? "float64", runs, bench: job.bench ?? null };
  const stdout = execFileSync(PYTHON, [join(HERE, "torch_ref.py")], { input: JSON.stringify(request), maxBuffer: 1 << 24 }).toString();
  const parsed = JSON.parse(stdout) as { shapes: Record<string, number[]>[]; times_ms?: Record<string, number> };
  const outputs = runs.map((r, i) => {
    const bytes = readFileSync(r.out);
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const out: Outputs = new Map();
    let off = 0;
    for (const [name] of job.outputs) {
      const dims = parsed.shapes[i][name];
      const n = dims.reduce((a, b) => a * b, 1);
      out.set(name, { dims, data: all.slice(off, off + n) });
      off += n;
    }
    return out;
  });
  return { outputs, timesMs: parsed.times_ms };
}

export interface CheckResult {
  checker: string;
  /** "HxW" -> value name -> dims (null: unknown) */
  shapes: Record<string, Record<string, (number | null)[] | null>>;
}

/** onnx.checker (full_check) and onnx.shape_inference at fixed input sizes (test/onnx/onnx_check.py). */
export function onnxCheck(onnxPath: string, sizes: [number, number][]): CheckResult {
  const stdout = execFileSync(PYTHON, [join(HERE, "onnx_check.py"), onnxPath, JSON.stringify(sizes)], { maxBuffer: 1 << 26 }).toString();
  return JSON.parse(stdout) as CheckResult;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** NCHW -> NHWC (or back, with the dims swapped accordingly). */
export function toNhwc(data: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
  return out;
}

export function toNchw(data: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = data[((b * h + y) * w + x) * c + ch];
  return out;
}

/**
 * posec's tfjs runtime (runtime/model/build.ts, cpu backend) on the same weights and input; outputs
 * under their ONNX names, transposed to NCHW.
 */
export async function runTfjs(ir: Ir, weights: WeightSet, input: Float32Array, shape: number[], outputs: [string, string][]): Promise<Outputs> {
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  const { buildModel } = await import("../../runtime/model/build.js");
  const [n, c, h, w] = shape;
  const built = buildModel(ir, weights, [h, w]);
  const x = tf.tensor4d(toNhwc(input, shape), [n, h, w, c]);
  const ys = built.model.predict(x) as import("@tensorflow/tfjs").Tensor | import("@tensorflow/tfjs").Tensor[];
  const list = Array.isArray(ys) ? ys : [ys];
  const out: Outputs = new Map();
  for (const [name, tensor] of outputs) {
    const y = list[built.outputNames.indexOf(tensor)];
    const [yn, yh, yw, yc] = y.shape;
    out.set(name, { dims: [yn, yc, yh, yw], data: toNchw(y.dataSync() as Float32Array, y.shape) });
  }
  tf.dispose([x, ...list]);
  built.model.dispose();
  return out;
}
