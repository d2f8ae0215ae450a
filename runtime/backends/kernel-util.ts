// Helpers for writing tfjs kernels that work on several backends: reading and allocating float32 data
// without copies where the backend allows it (wasm heap views, cpu typed arrays), and calling the
// backend's own kernels on intermediate TensorInfos (the pattern tfjs backends use internally; going
// through the engine from inside a kernel would record the intermediates on the gradient tape).
//
// This module imports tfjs-core at top level: only code that already runs tfjs may import it
// (select.ts loads it dynamically).
import {
  getKernel,
  registerKernel,
  unregisterKernel,
  util,
  type DataType,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from "@tensorflow/tfjs-core";

/** The parts of tfjs-backend-wasm's BackendWasm that these kernels use (it is not exported as a type we can rely on). */
interface WasmLikeBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}
interface CpuLikeBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array): TensorInfo;
}

function asWasm(backend: KernelBackend): WasmLikeBackend | null {
  const b = backend as unknown as Partial<WasmLikeBackend>;
  return typeof b.typedArrayFromHeap === "function" && typeof b.makeOutput === "function" && b.wasm
    ? (b as WasmLikeBackend)
    : null;
}
function asCpu(backend: KernelBackend): CpuLikeBackend | null {
  const b = backend as unknown as Partial<CpuLikeBackend>;
  return typeof b.makeTensorInfo === "function" && b.data && typeof b.data.get === "function"
    ? (b as CpuLikeBackend)
    : null;
}

/**
 * The float32 contents of a tensor. On wasm this is a view into the heap: take it only after every
 * allocation the kernel makes (an allocation may grow and move the heap), and never keep it.
 */
export function readFloats(backend: KernelBackend, info: TensorInfo): Float32Array {
  if (info.dtype !== "float32") throw new Error(`posec kernel: expected float32, got ${info.dtype}`);
  const wasm = asWasm(backend);
  if (wasm) return wasm.typedArrayFromHeap(info);
  const cpu = asCpu(backend);
  const values = cpu?.data.get(info.dataId)?.values;
  if (values instanceof Float32Array) return values;
  return backend.readSync(info.dataId) as Float32Array;
}

/**
 * Allocates a float32 output, lets `fill` write it (the array starts zeroed) and returns it.
 * `fill` receives the output first and must read its inputs through `readFloats` inside the callback.
 */
export function makeFloatOutput(
  backend: KernelBackend,
  shape: number[],
  fill: (out: Float32Array) => void,
): TensorInfo {
  const wasm = asWasm(backend);
  if (wasm) {
    const info = wasm.makeOutput(shape, "float32");
    const out = wasm.typedArrayFromHeap(info);
    out.fill(0);
    fill(out);
    return info;
  }
  const out = new Float32Array(util.sizeFromShape(shape));
  fill(out);
  const cpu = asCpu(backend);
  if (cpu) return cpu.makeTensorInfo(shape, "float32", out);
  return { dataId: backend.write(out, shape, "float32"), shape, dtype: "float32" };
}

/** Calls another kernel of the same backend directly (no engine, no tape). */
export function callKernel(
  backendName: string,
  backend: KernelBackend,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
  attrs: object = {},
): TensorInfo {
  const config = getKernel(kernelName, backendName);
  if (!config) throw new Error(`posec kernel: backend '${backendName}' has no '${kernelName}' kernel`);
  const out = config.kernelFunc({ inputs, attrs: attrs as NamedAttrMap, backend });
  return Array.isArray(out) ? out[0] : out;
}

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}
export type PosecKernelFunc = (args: KernelArgs) => TensorInfo;

/** Releases an intermediate created inside a kernel. */
export function release(backend: KernelBackend, ...infos: (TensorInfo | null)[]): void {
  for (const info of infos) if (info) backend.disposeData(info.dataId);
}

/**
 * Registers (or replaces) a kernel. tfjs only calls setup functions when a backend is initialised, so
 * the kernels registered here have none: they get everything from their arguments.
 */
export function putKernel(kernelName: string, backendName: string, kernelFunc: PosecKernelFunc): void {
  if (getKernel(kernelName, backendName)) unregisterKernel(kernelName, backendName);
  const config: KernelConfig = { kernelName, backendName, kernelFunc: kernelFunc as unknown as KernelFunc };
  registerKernel(config);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
