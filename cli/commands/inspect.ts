import { hasErrors } from "../../core/diagnostics.js";
import { inspectReport, renderInspect } from "../../compiler/report/inspect.js";
import { inspect as validateInspect } from "../../core/ir/schema-validators.generated.js";
import { inferShapes } from "../../core/shapes.js";
import { sourceLookup } from "../../compiler/compile.js";
import { parseSize, type CommandSpec } from "../flags.js";
import { compileSpec, printDiagnosticList } from "../common.js";

export const inspect: CommandSpec = {
  name: "inspect",
  summary: "shapes, parameters, MACs, activation memory and receptive fields, per layer and per part",
  usage: "posec inspect FILE [--input HxW] [--json] [--no-layers]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    input: { type: "string", value: "HxW", help: "input height x width (default: the spec's input size)" },
    json: { type: "boolean", help: "print one JSON object instead of the table" },
    "no-layers": { type: "boolean", help: "print only the per-part summary" },
  },
  async run({ flags, positionals }) {
    const result = compileSpec(positionals[0]);
    const sources = sourceLookup(result.program);
    if (!result.ir || !result.report) {
      printDiagnosticList(result.diagnostics, sources, "pretty");
      return 1;
    }
    let report = result.report;
    if (typeof flags.input === "string") {
      const [h, w] = parseSize(flags.input, "input");
      const again = inferShapes(result.ir, h, w);
      if (!again.report || hasErrors(again.diagnostics)) {
        printDiagnosticList(again.diagnostics, sources, "pretty");
        return 1;
      }
      report = again.report;
    }
    const doc = inspectReport(result.ir, report);
    if (!validateInspect(doc)) throw new Error(`inspect report fails its schema: ${JSON.stringify(validateInspect.errors)}`);
    process.stdout.write(flags.json ? JSON.stringify(doc, null, 2) + "\n" : renderInspect(doc, { layers: !flags["no-layers"] }) + "\n");
    return 0;
  },
};
