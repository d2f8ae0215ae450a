import type { CommandSpec } from "../flags.js";
import { parseSize, UsageError } from "../flags.js";
import { compileSpec, displayPath, printDiagnostics } from "../common.js";
import { writeFileAtomic } from "../../runtime/util/atomic.js";

export const view: CommandSpec = {
  name: "view",
  summary: "draw the network as one self-contained HTML page (works offline)",
  usage: "posec view SPEC [--input HxW] --out graph.html",
  positionals: { min: 1, max: 1, name: "one .posenet file" },
  flags: {
    out: { type: "string", help: "the HTML file to write", value: "FILE" },
    input: { type: "string", help: "input size for shapes and costs (default: the spec's)", value: "HxW" },
  },
  async run({ flags, positionals }) {
    if (typeof flags.out !== "string") throw new UsageError("--out FILE is required (the HTML page to write)");
    const input = typeof flags.input === "string" ? parseSize(flags.input, "input") : undefined;
    const spec = positionals[0];
    const result = compileSpec(spec);
    const { renderView } = await import("../../view/compile-page.js");
    const page = await renderView(result, displayPath(spec), input);
    writeFileAtomic(flags.out, page.html);
    if (!page.ok) {
      printDiagnostics({ ...result, diagnostics: page.diagnostics }, "pretty");
      process.stderr.write(`posec view: ${displayPath(spec)} has errors; wrote a page listing them to ${flags.out}\n`);
      return 1;
    }
    process.stdout.write(`wrote ${flags.out}\n`);
    return 0;
  },
};
