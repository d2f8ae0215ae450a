// Backend selection: tries tfjs-node-gpu (only if installed and a GPU is visible), tfjs-node, wasm and
// cpu in that order, makes the first that works the active tfjs backend, registers posec's kernels for
// it, and reports what happened to each candidate. Powers `posec doctor` and `posec train`.
//
// Nothing tfjs-related is imported at the top of this file: the compiler CLI may import it, and
// `posec check` must not pay for loading tfjs. Every tfjs package is loaded with a dynamic import.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { PosecError } from "../errors.js";
import { defaultThreadCount, initWasmBackend } from "./wasm-threads.js";

import { BACKENDS, type BackendName, type BackendPreference } from "../../core/backends.js";

export type { BackendName, BackendPreference };
export const BACKEND_ORDER: readonly BackendName[] = BACKENDS;

export interface BackendAttempt {
  name: BackendName;
  status: "selected" | "not installed" | "no GPU" | "failed" | "skipped";
  detail: string;
}
export interface BackendReport {
  /** the candidate that runs */
  backend: BackendName;
  /** threads doing the arithmetic (tensorflow: the cores its own pool may use) */
  threads: number;
  /** vectorised kernels (wasm SIMD, native TensorFlow) */
  simd: boolean;
  tried: BackendAttempt[];
}
export interface SelectOptions {
  prefer?: BackendPreference;
  /** wasm threads; default: the number of logical cores */
  threads?: number;
}

/** What trying one candidate found; a candidate that cannot run carries its status, detail and a hint. */
type Outcome =
  | { ok: true; threads: number; simd: boolean; detail: string }
  | { ok: false; status: "not installed" | "no GPU" | "failed"; detail: string; hint: string };

const NODE_PACKAGES = { "tensorflow-gpu": "@tensorflow/tfjs-node-gpu", tensorflow: "@tensorflow/tfjs-node" } as const;

export async function selectBackend(options: SelectOptions = {}): Promise<BackendReport> {
  const prefer = options.prefer ?? "auto";
  if (prefer !== "auto" && !BACKEND_ORDER.includes(prefer)) {
    throw new PosecError(
      `unknown backend "${String(prefer)}"`,
      "PN5201",
      `choose one of: auto, ${BACKEND_ORDER.join(", ")}`,
    );
  }
  const tried: BackendAttempt[] = [];
  let chosen: { name: BackendName; threads: number; simd: boolean } | null = null;
  for (const name of BACKEND_ORDER) {
    if (chosen) {
      tried.push({ name, status: "skipped", detail: `${chosen.name} was selected first` });
      continue;
    }
    if (prefer !== "auto" && name !== prefer) {
      tried.push({ name, status: "skipped", detail: `--backend ${prefer} was asked for` });
      continue;
    }
    const outcome = await tryBackend(name, options.threads);
    if (outcome.ok) {
      tried.push({ name, status: "selected", detail: outcome.detail });
      chosen = { name, threads: outcome.threads, simd: outcome.simd };
      continue;
    }
    tried.push({ name, status: outcome.status, detail: outcome.detail });
    if (prefer !== "auto") {
      throw new PosecError(`backend "${name}" is not available: ${outcome.detail}`, "PN5201", outcome.hint);
    }
  }
  if (!chosen) {
    const why = tried.map((t) => `${t.name}: ${t.detail}`).join("; ");
    throw new PosecError(`no tfjs backend could be started (${why})`, "PN5201", "reinstall posec's dependencies");
  }
  return { backend: chosen.name, threads: chosen.threads, simd: chosen.simd, tried };
}

async function tryBackend(name: BackendName, threads: number | undefined): Promise<Outcome> {
  try {
    switch (name) {
      case "tensorflow-gpu":
      case "tensorflow":
        return await tryNodeBackend(name);
      case "wasm":
        return await tryWasm(threads);
      case "cpu":
        return await tryCpu();
    }
  } catch (e) {
    return { ok: false, status: "failed", detail: oneLine(e), hint: "use --backend auto to fall back to another backend" };
  }
}

function isInstalled(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** A visible NVIDIA device: the driver's device nodes or its /proc entries. */
export function gpuVisible(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/proc/driver/nvidia/gpus").length > 0;
  } catch {
    return false;
  }
}

async function tryNodeBackend(name: "tensorflow-gpu" | "tensorflow"): Promise<Outcome> {
  const pkg = NODE_PACKAGES[name];
  if (!isInstalled(pkg)) {
    const needs = name === "tensorflow-gpu" ? " (it needs CUDA and cuDNN)" : "";
    return { ok: false, status: "not installed", detail: `${pkg} is not installed`, hint: `npm install ${pkg}${needs}` };
  }
  if (name === "tensorflow-gpu" && !gpuVisible()) {
    return { ok: false, status: "no GPU", detail: "no NVIDIA GPU is visible (/dev/nvidia0)", hint: "check the driver with nvidia-smi" };
  }
  const tf = await import("@tensorflow/tfjs-core");
  await import(pkg); // registers the 'tensorflow' backend (loads libtensorflow)
  if (!(await tf.setBackend("tensorflow"))) {
    return { ok: false, status: "failed", detail: `${pkg} is installed but its backend did not start`, hint: `reinstall ${pkg}` };
  }
  (await import("./wasm-kernels.js")).registerPosecKernels("tensorflow");
  return { ok: true, threads: defaultThreadCount(), simd: true, detail: `${pkg} (native TensorFlow)` };
}

async function tryWasm(threads: number | undefined): Promise<Outcome> {
  const info = await initWasmBackend({ threads });
  (await import("./wasm-kernels.js")).registerPosecKernels("wasm");
  const what = `${info.threads} thread${info.threads === 1 ? "" : "s"}${info.simd ? ", SIMD" : ", no SIMD"}`;
  return { ok: true, threads: info.threads, simd: info.simd, detail: info.note ? `${what}; ${info.note}` : what };
}

async function tryCpu(): Promise<Outcome> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) {
    return { ok: false, status: "failed", detail: "the cpu backend did not start", hint: "reinstall posec's dependencies" };
  }
  // The cpu backend prints an "install tfjs-node" banner on first use; the report says it instead.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  (await import("./wasm-kernels.js")).registerPosecKernels("cpu");
  return { ok: true, threads: 1, simd: false, detail: "plain JavaScript, 1 thread, the slowest" };
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].trim() || "unknown error";
}

/** Human text: which backend runs and why each better one was not used. */
export function formatBackendReport(report: BackendReport): string {
  const selected = report.tried.find((t) => t.status === "selected");
  const head = `backend: ${report.backend}${selected ? ` (${selected.detail})` : ""}`;
  const width = Math.max(...report.tried.map((t) => t.name.length));
  const lines = report.tried.map((t) => `  ${t.name.padEnd(width)}  ${t.status.padEnd(13)}  ${t.detail}`);
  const better = report.tried.slice(0, report.tried.findIndex((t) => t.status === "selected"));
  const missed = better.filter((t) => t.status !== "skipped");
  const tip = missed.length
    ? [`  faster backends were unavailable: ${missed.map((t) => `${t.name} (${t.status})`).join(", ")}`]
    : [];
  return [head, ...lines, ...tip].join("\n");
}
