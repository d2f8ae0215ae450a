// The backend layer's entry points that load no tfjs package when imported (the compiler CLI may
// import this file). Kernel registration (wasm-kernels.ts) and the tensor helpers (ops.ts) import
// tfjs and are loaded by selectBackend or by code that already runs tfjs.
export { BACKEND_ORDER, formatBackendReport, gpuVisible, selectBackend } from "./select.js";
export type { BackendAttempt, BackendName, BackendPreference, BackendReport, SelectOptions } from "./select.js";
export { asWasmMemoryError, defaultThreadCount, initWasmBackend, MAX_WASM_THREADS } from "./wasm-threads.js";
export type { WasmBackendInfo, WasmInitOptions } from "./wasm-threads.js";
