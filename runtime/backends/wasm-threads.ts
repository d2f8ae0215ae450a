// Multi-threaded SIMD for tfjs-backend-wasm under Node.
//
// tfjs-backend-wasm 4.22 turns threads off under Node: its WASM_HAS_MULTITHREAD_SUPPORT flag returns
// false when IS_NODE, its pthread workers are handed Blob URLs (Node workers cannot load them), its
// worker "script" for the main module is a Blob of a function that only works inside the browser
// bundle, and the C++ side caps the pool at (logical cores / 2). Here we build the backend ourselves
// from the package's own threaded-SIMD build on disk:
// - the emscripten factory `wasm-out/tfjs-backend-wasm-threaded-simd.js` is given the path of that
//   same file as the script each worker imports, and the package's worker source (which it ships as a
//   string) is started with `new Worker(source, { eval: true })` - no Blob, no temporary file;
// - `instantiateWasm` reports 2 x threads logical cores to the module, so the "cores / 2" cap becomes
//   the requested count (tfjs still caps at 8), and the worker pool is sized to threads - 1;
// - once the pool is running its workers are unref'd, so they do not keep Node alive after the work.
// This depends on internals of exactly tfjs-backend-wasm 4.22.0. Every assumption is checked and a
// mismatch throws WasmThreadsUnavailable naming what changed; callers fall back to one thread.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { PosecError } from "../errors.js";

export const PINNED_WASM_VERSION = "4.22.0";
/** tfjs-backend-wasm's C++ side never uses more threads than this. */
export const MAX_WASM_THREADS = 8;
/** emscripten's heap maximum for this build (4 GiB - 64 KiB). */
const WASM_HEAP_MAX = 4294901760;

/** The threaded build could not be set up; `message` names the internal that differs. */
export class WasmThreadsUnavailable extends Error {
  override name = "WasmThreadsUnavailable";
}

export interface WasmBackendInfo {
  /** threads XNNPACK actually uses (1 when threads were off or unavailable) */
  threads: number;
  simd: boolean;
  /** why fewer threads than requested run, or null */
  note: string | null;
}

export interface WasmInitOptions {
  /** default: the number of logical cores */
  threads?: number;
  /** seconds to wait for the worker pool before giving up on threads (default 60) */
  startTimeoutS?: number;
}

type TfCore = typeof import("@tensorflow/tfjs-core");
type WasmPackage = typeof import("@tensorflow/tfjs-backend-wasm");

interface EmscriptenWorker extends Worker {
  ref(): void;
}
interface PThreadApi {
  unusedWorkers: EmscriptenWorker[];
  runningWorkers: EmscriptenWorker[];
  initMainThread: () => void;
  allocateUnusedWorker: () => void;
}
// The lib setting has no DOM/WebAssembly types; these are the two calls used here.
interface WasmInstantiated {
  instance: unknown;
  module: unknown;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { instantiate(b: Uint8Array, i: object): Promise<WasmInstantiated> } })
  .WebAssembly;

interface WasmModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  _malloc: (bytes: number) => number;
  HEAPU8: Uint8Array;
  PThread?: PThreadApi;
  tfjs?: Record<string, unknown>;
}

export function defaultThreadCount(): number {
  const parallel = (os as { availableParallelism?: () => number }).availableParallelism;
  return Math.max(1, typeof parallel === "function" ? parallel() : os.cpus().length);
}

/**
 * Makes tfjs-backend-wasm the active backend, with threads when asked for more than one, and returns
 * what runs. A failure of the threaded setup is not fatal: it falls back to single-threaded SIMD,
 * prints why (console.warn) and says it in `note`. Asking again for the same thread count reuses the
 * backend; another count re-initialises it, which disposes the tensors that lived on it.
 */
export async function initWasmBackend(options: WasmInitOptions = {}): Promise<WasmBackendInfo> {
  const tf: TfCore = await import("@tensorflow/tfjs-core");
  const wasmPkg: WasmPackage = await import("@tensorflow/tfjs-backend-wasm");
  const asked = Math.max(1, Math.floor(options.threads ?? defaultThreadCount()));
  const threads = Math.min(asked, MAX_WASM_THREADS);
  let note = asked > threads ? `tfjs-backend-wasm uses at most ${MAX_WASM_THREADS} threads` : null;

  const key = `${threads}`;
  if (current && current.key === key && tf.findBackend("wasm")) {
    // Same configuration, still alive (maybe after a switch to another backend): keep its tensors.
    await setBackendOrThrow(tf);
    return current.info;
  }

  const stockFactory = stockWasmFactory(tf);
  let threaded = false;
  if (threads > 1) {
    try {
      checkPinnedInternals(wasmPkg);
      // Built outside tf.setBackend so that a failure is ours to report (the engine would only warn).
      const backend = await withoutNewProcessListeners(() =>
        createThreadedBackend(wasmPkg, threads, (options.startTimeoutS ?? 60) * 1000),
      );
      replaceBackend(tf, () => backend);
      await withoutNewProcessListeners(() => setBackendOrThrow(tf));
      threaded = true;
    } catch (e) {
      note = `wasm threads unavailable, running single-threaded: ${(e as Error).message}`;
      console.warn(`posec: ${note}`);
    }
  }
  if (!threaded) {
    replaceBackend(tf, stockFactory);
    await withoutNewProcessListeners(() => setBackendOrThrow(tf));
  }
  const backend = tf.backend() as unknown as { wasm: WasmModule };
  guardHeap(backend.wasm);
  const actual = wasmPkg.getThreadsCount();
  if (threaded && actual !== threads) note = `asked for ${threads} wasm threads, tfjs runs ${actual}`;
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const info = { threads: actual, simd, note };
  current = { key, info };
  return info;
}

let current: { key: string; info: WasmBackendInfo } | null = null;

// The package registers its factory when first imported; keep it so that we can go back to it.
let savedStockFactory: (() => unknown) | null = null;
function stockWasmFactory(tf: TfCore): () => unknown {
  if (!savedStockFactory) {
    const f = tf.findBackendFactory("wasm");
    if (!f) throw new Error("tfjs-backend-wasm did not register the 'wasm' backend");
    savedStockFactory = f as () => unknown;
  }
  return savedStockFactory;
}

function replaceBackend(tf: TfCore, factory: () => unknown): void {
  if (tf.findBackendFactory("wasm")) tf.removeBackend("wasm");
  tf.registerBackend("wasm", factory as Parameters<TfCore["registerBackend"]>[1], 2);
}

async function setBackendOrThrow(tf: TfCore): Promise<void> {
  const ok = await tf.setBackend("wasm");
  if (!ok) throw new Error("tf.setBackend('wasm') failed (see the warning above)");
}

/**
 * emscripten adds process-wide uncaughtException / unhandledRejection handlers that rethrow; they
 * change how Node reports errors for the whole program, so remove whatever `work` added.
 */
async function withoutNewProcessListeners<T>(work: () => Promise<T>): Promise<T> {
  const events = ["uncaughtException", "unhandledRejection"];
  const listeners = (e: string) => process.listeners(e as "exit") as ((...a: unknown[]) => void)[];
  const before = new Set(events.flatMap(listeners));
  try {
    return await work();
  } finally {
    for (const event of events) {
      for (const l of listeners(event)) if (!before.has(l)) process.removeListener(event, l);
    }
  }
}

function packagePaths() {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve("@tensorflow/tfjs-backend-wasm/package.json");
  const out = join(dirname(pkgJson), "wasm-out");
  return {
    require,
    version: (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version,
    factory: join(out, "tfjs-backend-wasm-threaded-simd.js"),
    binary: join(out, "tfjs-backend-wasm-threaded-simd.wasm"),
    worker: join(out, "tfjs-backend-wasm-threaded-simd.worker.js"),
  };
}

/** Throws WasmThreadsUnavailable naming the first internal of tfjs-backend-wasm that is not as pinned. */
export function checkPinnedInternals(wasmPkg: object, version = packagePaths().version): void {
  const fail = (what: string) => {
    throw new WasmThreadsUnavailable(`${what} (posec's threaded loader is written against tfjs-backend-wasm ${PINNED_WASM_VERSION})`);
  };
  if (version !== PINNED_WASM_VERSION) fail(`tfjs-backend-wasm is ${version}`);
  const pkg = wasmPkg as unknown as Record<string, unknown>;
  for (const name of ["BackendWasm", "setThreadsCount", "getThreadsCount"]) {
    if (typeof pkg[name] !== "function") fail(`tfjs-backend-wasm no longer exports ${name}`);
  }
}

async function createThreadedBackend(wasmPkg: WasmPackage, threads: number, timeoutMs: number): Promise<unknown> {
  const paths = packagePaths();
  const fail = (what: string): never => {
    throw new WasmThreadsUnavailable(`${what} (tfjs-backend-wasm ${paths.version} internals differ from ${PINNED_WASM_VERSION})`);
  };
  const factory: unknown = paths.require(paths.factory);
  if (typeof factory !== "function") fail(`${paths.factory} does not export the emscripten factory`);
  const workerSource: unknown = (paths.require(paths.worker) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof workerSource !== "string" || !workerSource.includes("urlOrBlob") || !workerSource.includes("importScripts")) {
    fail(`${paths.worker} no longer holds the pthread worker source as wasmWorkerContents`);
  }
  // The source is a template literal whose "\n" escapes became real newlines inside string literals.
  const source = (workerSource as string).replace(/\n/g, "\\n");
  const binary = readFileSync(paths.binary);

  let rejectStart: (e: Error) => void = () => {};
  const startFailed = new Promise<never>((_, reject) => (rejectStart = reject));
  let started = false;
  const onWorkerError = (e: unknown) => {
    const err = new WasmThreadsUnavailable(`a wasm worker failed: ${(e as Error)?.message ?? String(e)}`);
    if (!started) rejectStart(err);
    else throw err;
  };

  const config: Record<string, unknown> = {
    mainScriptUrlOrBlob: paths.factory,
    instantiateWasm(info: { env?: Record<string, unknown> }, receive: (instance: unknown, module: unknown) => void) {
      if (!info.env || typeof info.env.emscripten_num_logical_cores !== "function") {
        rejectStart(new WasmThreadsUnavailable("the wasm module no longer imports emscripten_num_logical_cores"));
        return {};
      }
      // num_cores = logical / 2 caps the pool in C++; report enough cores for the requested count.
      info.env.emscripten_num_logical_cores = () => 2 * threads;
      WebAssemblyApi.instantiate(binary, info).then(
        (r) => receive(r.instance, r.module),
        (e: Error) => rejectStart(new WasmThreadsUnavailable(`cannot instantiate ${paths.binary}: ${e.message}`)),
      );
      return {};
    },
  };
  // emscripten stores its PThread object on the config before starting the pool: size the pool and
  // create the workers from the shipped source instead of a Blob URL.
  const state: { pthread: PThreadApi | null } = { pthread: null };
  Object.defineProperty(config, "PThread", {
    enumerable: false,
    configurable: true,
    get: () => state.pthread,
    set: (pt: PThreadApi | undefined) => {
      if (!pt || state.pthread) return;
      if (typeof pt.initMainThread !== "function" || !Array.isArray(pt.unusedWorkers)) {
        rejectStart(new WasmThreadsUnavailable("emscripten's PThread object has a different shape"));
        return;
      }
      state.pthread = pt;
      pt.allocateUnusedWorker = () => {
        const worker = new Worker(source, { eval: true }) as EmscriptenWorker;
        // emscripten assigns worker.onerror and throws from it; route errors to us instead.
        Object.defineProperty(worker, "onerror", { get: () => onWorkerError, set: () => {}, configurable: true });
        pt.unusedWorkers.push(worker);
      };
      // The calling thread works too: a pool of threads - 1 workers gives `threads` threads.
      pt.initMainThread = () => {
        for (let i = 0; i < threads - 1; i++) pt.allocateUnusedWorker();
      };
    },
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WasmThreadsUnavailable(`the worker pool did not start within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  let module: WasmModule;
  try {
    module = await Promise.race([(factory as (c: object) => Promise<WasmModule>)(config), startFailed, timeout]);
  } catch (e) {
    for (const worker of state.pthread?.unusedWorkers ?? []) void worker.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  started = true;
  const pt = state.pthread ?? fail("the module never created its PThread object");
  for (const fn of ["init_with_threads_count", "get_threads_count", "register_tensor", "dispose_data", "dispose"]) {
    if (typeof (module as unknown as Record<string, unknown>)[`_${fn}`] !== "function") fail(`the module lacks ${fn}`);
  }
  // The same bridge tfjs-backend-wasm's init() installs.
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  };
  wasmPkg.setThreadsCount(threads);
  const backend = new wasmPkg.BackendWasm(module as unknown as ConstructorParameters<typeof wasmPkg.BackendWasm>[0]);
  // The pool threads run forever (waiting for work); without this Node would never exit.
  for (const worker of [...pt.unusedWorkers, ...pt.runningWorkers]) {
    worker.unref();
    worker.ref = () => {};
  }
  return backend;
}

/** Turns a failed wasm heap allocation (which tfjs would not notice) into a clear error. */
function guardHeap(module: WasmModule): void {
  const marked = module as WasmModule & { __posecGuarded?: boolean };
  if (marked.__posecGuarded) return;
  marked.__posecGuarded = true;
  // emscripten's _malloc is a stub that replaces Module._malloc with the raw export on its first call,
  // so the guard is an accessor: the stub's assignment only swaps the function behind it.
  let malloc = module._malloc;
  const guarded = (bytes: number) => {
    const ptr = bytes >= WASM_HEAP_MAX ? 0 : malloc(bytes);
    if (ptr === 0 && bytes > 0) throw wasmHeapError(bytes, module.HEAPU8.byteLength);
    return ptr;
  };
  Object.defineProperty(module, "_malloc", {
    configurable: true,
    enumerable: true,
    get: () => guarded,
    set: (f: (bytes: number) => number) => (malloc = f),
  });
}

export function wasmHeapError(bytes: number, heapBytes: number): PosecError {
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  return new PosecError(
    `the wasm backend ran out of memory allocating ${gb(bytes)} (heap ${gb(heapBytes)}, capped at 4 GiB)`,
    "PN5204",
    "use a smaller batch size or input size, or the tensorflow backend (@tensorflow/tfjs-node)",
  );
}

/**
 * For a trainer's catch block: an error thrown by a wasm kernel that means the heap is exhausted
 * (emscripten aborts with "OOM", XNNPACK fails to allocate and the kernel then reads out of bounds)
 * becomes the same clear PosecError; anything else gives null.
 */
export function asWasmMemoryError(e: unknown, heapBytes = 0): PosecError | null {
  if (e instanceof PosecError) return e.code === "PN5204" ? e : null;
  const msg = e instanceof Error ? e.message : String(e);
  if (!/Aborted\(OOM\)|out of memory|Cannot enlarge memory|memory access out of bounds/i.test(msg)) return null;
  const err = wasmHeapError(0, heapBytes);
  return new PosecError(`the wasm backend ran out of memory (${msg.split("\n")[0]})`, err.code, err.hint);
}
