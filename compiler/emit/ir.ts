// The IR target: the IR as stable, indented JSON, validated before it is written.
import { validateIr } from "../../core/ir/validate.js";
import type { Emitter } from "./emitter.js";

export function serializeIr(ir: unknown): string {
  return JSON.stringify(ir, null, 2) + "\n";
}

export const irEmitter: Emitter = {
  target: "ir",
  describe: "the checked IR as JSON",
  async emit(ir) {
    const text = serializeIr(ir);
    // Validate what will actually be written (the JSON text read back), not the in-memory object.
    const checked = validateIr(JSON.parse(text), "model.ir.json");
    return { files: checked.ir ? [{ path: "model.ir.json", data: text }] : [], diagnostics: checked.diagnostics };
  },
};
