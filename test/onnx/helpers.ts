// Helpers for the ONNX suites: exported models on disk, checkpoints in the trainer's tfjs format,
// ONNX Runtime, and the two Python references run by Debian's /usr/bin/python3 (onnx 1.12, torch 1.13).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOnnx, type OnnxOptions } from "../../compiler/emit/onnx/index.js";
import { serializeIr } from "../../compiler/emit/ir.js";
import type { Ir } from "../../compiler/ir/types.js";
import { Rng } from "../../compiler/rng.js";
import { initialWeights, modelParams, type ParamSpec, type WeightSet } from "../../compiler/weights/index.js";
import { compileFile, REPO } from "../helpers.js";

export const PYTHON = "/usr/bin/python3";
const HERE = join(REPO, "test", "onnx");

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `posec-onnx-${tag}-`));
}

export function compileIr(path: string): Ir {
  const r = compileFile(path);
  if (!r.ir) throw new Error(`${path} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.ir;
}

/** Writes a checkpoint the way the trainer does (tfjs LayersModel JSON + one weights.bin). */
export function writeCheckpoint(dir: string, weights: WeightSet, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  const entries = [...weights.entries()];
  const total = entries.reduce((a, [, t]) => a + t.data.length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const [, t] of entries) {
    bin.set(t.data, off);
    off += t.data.length;
  }
  const manifest = [{ paths: ["weights.bin"], weights: entries.map(([name, t]) => ({ name, shape: t.shape, dtype: "float32" })) }];
  writeFileSync(join(dir, "model.json"), JSON.stringify({ format: "layers-model", generatedBy: "posec test", modelTopology: {}, weightsManifest: manifest, ...extra }));
  writeFileSync(join(dir, "weights.bin"), new Uint8Array(bin.buffer));
}

/**
 * Initial weights with everything a trained model has and a fresh one lacks: batchnorm statistics away
 * from 0/1, gamma and beta away from 1/0, non-zero biases, PReLU slopes that differ per channel. Kernels
 * are rescaled to He's std sqrt(2 / fan_in), so that the input still shows in the last stage's maps (with
 * CMU's std 0.01 the outputs would be the last biases, and a wrong layout could pass unnoticed).
 */
export function perturbedWeights(specs: ParamSpec[], seed: number): WeightSet {
  const w = initialWeights(specs, seed);
  const rng = new Rng(seed ^ 0x5eed);
  for (const s of specs) {
    const d = w.get(s.name)!.data;
    const set = (f: () => number) => {
      for (let i = 0; i < d.length; i++) d[i] = f();
    };
    if (s.role === "kernel") {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < d.length; i++) (sum += d[i]), (sq += d[i] * d[i]);
      const std = Math.sqrt(Math.max(sq / d.length - (sum / d.length) ** 2, 0));
      const k = std > 0 ? Math.sqrt(2 / s.fans.in) / std : 0;
      if (k > 0) for (let i = 0; i < d.length; i++) d[i] *= k;
      else set(() => rng.normal() * Math.sqrt(2 / s.fans.in));
    } else if (s.role === "gamma" || s.role === "moving_variance") set(() => rng.uniform(0.5, 1.5));
    else if (s.role === "beta" || s.role === "moving_mean" || s.role === "bias") set(() => rng.uniform(-0.1, 0.1));
    else if (s.role === "alpha") set(() => rng.uniform(0, 0.5));
  }
  return w;
}

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
  bytes: Uint8Array;
}

/** Compiles a spec, writes its IR and a perturbed checkpoint, and exports the ONNX model. */
export function exportSpec(path: string, options: Partial<OnnxOptions> = {}, seed = 3): Exported {
  const ir = compileIr(path);
  const dir = tempDir(ir.model.name);
  const specs = modelParams(ir);
  const weights = perturbedWeights(specs, seed);
  const irPath = join(dir, "model.ir.json");
  writeFileSync(irPath, serializeIr(ir));
  const checkpoint = join(dir, "checkpoint");
  writeCheckpoint(checkpoint, weights);
  const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: "checkpoint" }, ...options });
  if (!built.bytes) throw new Error(`export of ${path} failed: ${built.diagnostics.map((d) => d.message).join("; ")}`);
  const onnxPath = join(dir, "model.onnx");
  writeFileSync(onnxPath, built.bytes);
  return { ir, dir, irPath, checkpoint, onnxPath, weights, specs, outputs: built.outputs, bytes: built.bytes };
}

export type Outputs = Map<string, { dims: number[]; data: Float32Array }>;

/** Runs an ONNX file with onnxruntime-node (CPU) on one NCHW input. */
export async function runOrt(onnxPath: string, input: Float32Array, shape: number[], threads = 2): Promise<Outputs> {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  try {
    const result = await session.run({ image: new ort.Tensor("float32", input, shape) });
    const out: Outputs = new Map();
    for (const name of session.outputNames) out.set(name, { dims: [...result[name].dims], data: result[name].data as Float32Array });
    return out;
  } finally {
    await session.release();
  }
}

/** The PyTorch float64 reference (test/onnx/torch_ref.py) on the same IR, checkpoint and input. */
export function runTorchRef(e: Pick<Exported, "irPath" | "checkpoint" | "dir" | "ir">, outputs: [string, string][], input: Float32Array, shape: number[]): Outputs {
  const inputPath = join(e.dir, `input-${shape.join("x")}.bin`);
  const outPath = join(e.dir, `torch-${shape.join("x")}.bin`);
  writeFileSync(inputPath, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  const job = { ir: e.irPath, checkpoint: e.checkpoint, input: inputPath, shape, outputs, out: outPath, dtype: "float64" };
  const stdout = execFileSync(PYTHON, [join(HERE, "torch_ref.py")], { input: JSON.stringify(job), maxBuffer: 1 << 24 }).toString();
  const { shapes } = JSON.parse(stdout) as { shapes: Record<string, number[]> };
  const bytes = readFileSync(outPath);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out: Outputs = new Map();
  let off = 0;
  for (const [name] of outputs) {
    const n = shapes[name].reduce((a, b) => a * b, 1);
    out.set(name, { dims: shapes[name], data: all.slice(off, off + n) });
    off += n;
  }
  return out;
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
