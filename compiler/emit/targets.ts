// The registry of `posec build` targets. Each target is loaded on first use so that
// `posec build --target ir` never loads onnx-proto, prettier or tfjs.
import type { Emitter } from "./emitter.js";

export const TARGETS: Record<string, { describe: string; load: () => Promise<Emitter> }> = {
  ir: { describe: "the checked IR as JSON (model.ir.json)", load: async () => (await import("./ir.js")).irEmitter },
  onnx: { describe: "an ONNX model, opset 17, NCHW, seeded initial weights (model.onnx)", load: async () => (await import("./onnx/index.js")).onnxEmitter },
  tfjs: { describe: "a TypeScript program: model.ts (tfjs layers), train.ts (posec's runtime), model.ir.json, package.json", load: async () => (await import("./tfjs/index.js")).tfjsEmitter },
  pytorch: { describe: "a PyTorch package: model.py, layers.py, losses.py, data.py, train.py (DDP), README.md", load: async () => (await import("./pytorch/index.js")).pytorchEmitter },
};
