// Shared helpers for the PyTorch-target tests: emitting a spec's package into a temp folder, running
// Debian's /usr/bin/python3 (torch 1.13) in it, and exchanging float32 arrays through files.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { emitPytorch } from "../../compiler/emit/pytorch/index.js";
import type { Ir, PoseIr } from "../../core/ir/types.js";
import type { WeightSet } from "../../core/params/index.js";

export const PYTHON = "/usr/bin/python3";

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `posec-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export { compileIr } from "../helpers.js";

/** Writes the generated package of `ir` into `dir` and returns the folder. */
export function writePackage(ir: Ir, dir: string, seed = 1): string {
  const { files, diagnostics } = emitPytorch(ir, seed);
  if (diagnostics.length) throw new Error(diagnostics.map((d) => d.message).join("; "));
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.path), f.data);
  return dir;
}

/** Runs a Python program in `cwd` (the package folder, so its modules import) and returns stdout. */
export function python(code: string, cwd: string, options: { input?: string; timeout?: number; env?: Record<string, string> } = {}): string {
  const r = spawnSync(PYTHON, ["-c", code], {
    cwd,
    input: options.input,
    encoding: "utf8",
    timeout: options.timeout ?? 120_000,
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export function pythonJson<T>(code: string, cwd: string, options: { input?: string; timeout?: number } = {}): T {
  const out = python(code, cwd, options).trim().split("\n");
  return JSON.parse(out[out.length - 1]) as T;
}

/** posec weights as a tfjs-style model.json + weights.bin (what model.py's read_tfjs_weights reads). */
export function writeTfjsWeights(weights: WeightSet, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const entries = [...weights].map(([name, t]) => ({ name, shape: t.shape, dtype: "float32" }));
  const total = [...weights.values()].reduce((a, t) => a + t.data.length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const t of weights.values()) {
    bin.set(t.data, off);
    off += t.data.length;
  }
  writeFileSync(join(dir, "weights.bin"), new Uint8Array(bin.buffer));
  const path = join(dir, "model.json");
  writeFileSync(path, JSON.stringify({ format: "layers-model", weightsManifest: [{ paths: ["weights.bin"], weights: entries }] }));
  return path;
}

export function writeFloats(path: string, data: Float32Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** max |a - b| */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** [N, H, W, C] -> [N, C, H, W] */
export function nhwcToNchw(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  return out;
}

/** A pose IR whose stages produce only what `produces(stage)` says, without the layers nothing reads any more. */
export function withStageOutputs(ir: Ir, produces: (stage: number) => { heatmaps: boolean; pafs: boolean }): PoseIr {
  const copy = structuredClone(ir) as PoseIr;
  copy.stages.outputs = copy.stages.outputs.map((s) => {
    const p = produces(s.stage);
    return { stage: s.stage, heatmaps: p.heatmaps ? s.heatmaps : null, pafs: p.pafs ? s.pafs : null };
  });
  const last = (key: "heatmaps" | "pafs") => [...copy.stages.outputs].reverse().find((s) => s[key] !== null)?.[key] ?? null;
  const outputs: Record<string, string> = {};
  if (last("heatmaps")) outputs.heatmaps = last("heatmaps")!;
  if (last("pafs")) outputs.pafs = last("pafs")!;
  copy.outputs = outputs;
  if (!last("pafs")) copy.keypoints = { ...copy.keypoints, limbs: [], pafChannels: 0 };
  // drop the layers nothing reads any more (what the compiler would not have generated)
  const live = new Set(copy.stages.outputs.flatMap((s) => [s.heatmaps, s.pafs]).filter((t): t is string => t !== null));
  for (const n of [...copy.nodes].reverse()) if (live.has(n.name)) n.inputs.forEach((i) => live.add(i));
  copy.nodes = copy.nodes.filter((n) => live.has(n.name));
  return copy;
}
