// What `posec build` prints: one screen with the model's size (parameters, MACs, outputs), where each
// target was written, and the command that runs each artefact. A pure function of the IR, the shape
// report and the written folders, so that it is tested without building anything.
import type { Ir } from "../../core/ir/types.js";
import type { ShapeReport } from "../../core/shapes.js";

export interface BuiltTarget {
  target: string;
  /** the folder the target's files went to */
  dir: string;
  /** relative to dir, in the order they were emitted */
  files: string[];
}

const count = (n: number) => n.toLocaleString("en-US");
const shape = (s: readonly number[]) => s.join("×");
/** `dir/file` with forward slashes as the user typed the folder (no "./" prefix). */
const inside = (dir: string, file: string) => `${dir.replace(/\/+$/, "")}/${file}`;
const shellQuote = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** The command that runs (or loads) one target's artefact. */
export function runCommand(ir: Ir, built: BuiltTarget): string {
  const pose = ir.stages !== null && ir.train !== null;
  const cd = `cd ${shellQuote(built.dir)} && `;
  switch (built.target) {
    case "tfjs":
      return pose ? `${cd}npm install && npm run build && npm run train -- --data synth --steps 300` : `${cd}npm install && npm run build`;
    case "pytorch":
      return pose ? `${cd}python3 train.py --data DATA   (torchrun and SLURM: see README.md)` : `${cd}python3 -c "from model import Model; print(Model())"`;
    case "onnx": {
      const model = shellQuote(inside(built.dir, "model.onnx"));
      return pose ? `posec infer --model ${model} IMAGE...` : `python3 -c "import onnxruntime; onnxruntime.InferenceSession('${inside(built.dir, "model.onnx")}')"`;
    }
    case "ir":
      return "the checked IR as JSON: loadIr() in posec/runtime reads it";
    default:
      return "";
  }
}

export function buildReport(ir: Ir, shapes: ShapeReport | undefined, built: BuiltTarget[]): string {
  const lines: string[] = [];
  const i = ir.input;
  lines.push(`${ir.model.name} (${ir.sources[0]}): input ${i.height}×${i.width}×${i.channels}`);
  if (shapes) {
    const t = shapes.totals;
    lines.push(`  ${count(t.params + t.nonTrainable)} parameters (${count(t.nonTrainable)} non-trainable), ${count(t.macs)} MACs at ${i.height}×${i.width}`);
    const outs = Object.entries(ir.outputs).map(([name, tensor]) => `${name} ${shape(shapes.shapes[tensor] ?? [])}`);
    lines.push(`  outputs: ${outs.join(", ")}`);
  }
  lines.push("");
  for (const b of built) {
    const where = b.files.length === 1 ? inside(b.dir, b.files[0]) : `${b.dir.replace(/\/+$/, "")}/: ${b.files.join(", ")}`;
    lines.push(`${b.target.padEnd(8)}wrote ${where}`);
    const run = runCommand(ir, b);
    if (run) lines.push(`${"".padEnd(8)}${run}`);
  }
  return lines.join("\n") + "\n";
}
