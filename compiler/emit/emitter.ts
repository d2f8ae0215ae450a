// Emitters turn a checked IR into files. One module per target behind this interface; the registry
// loads each lazily so that `posec build --target ir` never loads onnx-proto, prettier or tfjs.
import type { Diagnostic } from "../diagnostics.js";
import type { Ir } from "../ir/types.js";

export interface EmittedFile {
  /** relative to the output directory */
  path: string;
  data: string | Uint8Array;
}

export interface EmitOptions {
  /** seed for initial weights where a target materialises them */
  seed: number;
  /** target-specific switches, e.g. { allStages: true, foldBn: true } for ONNX */
  flags: Record<string, unknown>;
}

export interface EmitResult {
  files: EmittedFile[];
  diagnostics: Diagnostic[];
}

export interface Emitter {
  target: string;
  describe: string;
  emit(ir: Ir, options: EmitOptions): Promise<EmitResult>;
}

export const TARGETS: Record<string, { describe: string; load: () => Promise<Emitter> }> = {
  ir: { describe: "the checked IR as JSON (model.ir.json)", load: async () => (await import("./ir.js")).irEmitter },
  onnx: { describe: "an ONNX model, opset 17, NCHW, seeded initial weights (model.onnx)", load: async () => (await import("./onnx/index.js")).onnxEmitter },
  tfjs: { describe: "a TypeScript program: model.ts (tfjs layers), train.ts (posec's runtime), model.ir.json, package.json", load: async () => (await import("./tfjs/index.js")).tfjsEmitter },
  pytorch: { describe: "a PyTorch package: model.py, losses.py, data.py, train.py (DDP), README.md", load: async () => (await import("./pytorch/index.js")).pytorchEmitter },
};
