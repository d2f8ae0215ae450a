import { hasErrors } from "../../core/diagnostics.js";
import type { CommandSpec } from "../flags.js";
import { checkFormat, compileSpec, printDiagnosticList } from "../common.js";
import { sourceLookup } from "../../compiler/compile.js";

export const check: CommandSpec = {
  name: "check",
  summary: "parse and check specs; print every diagnostic",
  usage: "posec check FILE... [--format pretty|plain|json]",
  positionals: { min: 1, max: Infinity, name: "one or more .posenet files" },
  flags: {
    format: { type: "string", help: "pretty (source frames), plain (one line each) or json", value: "FORMAT" },
  },
  async run({ flags, positionals }) {
    const format = checkFormat(flags.format);
    let failed = false;
    const all = [];
    for (const file of positionals) {
      const result = compileSpec(file, { validate: false });
      failed ||= hasErrors(result.diagnostics);
      if (format === "json") all.push(...result.diagnostics);
      else printDiagnosticList(result.diagnostics, sourceLookup(result.program), format);
      if (format !== "json" && !hasErrors(result.diagnostics) && result.ir) {
        process.stdout.write(`${file}: ok (model ${result.ir.model.name}, ${result.ir.nodes.length} layers)\n`);
      }
    }
    if (format === "json") process.stdout.write(JSON.stringify(all, null, 2) + "\n");
    return failed ? 1 : 0;
  },
};
