// Emitters turn a checked IR into files. One module per target behind this interface; the registry of
// targets is targets.ts (which imports the targets; they import only these types: no cycle).
import type { Diagnostic } from "../../core/diagnostics.js";
import type { Ir } from "../../core/ir/types.js";

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
