// `posec view`: a compilation -> one HTML page. A spec that does not compile (or not at the asked
// input size) gets a page listing its diagnostics instead of a picture.
import { sourceLookup, type CompileResult } from "../compiler/compile.js";
import { hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { renderPretty } from "../compiler/format-diagnostics.js";
import { inferShapes, type ShapeReport } from "../core/shapes.js";
import { viewGraph } from "./graph.js";
import { layout } from "./layout.js";
import { errorPage, graphPage } from "./page.js";

export interface ViewResult {
  html: string;
  ok: boolean;
  diagnostics: Diagnostic[];
}

export async function renderView(result: CompileResult, spec: string, input?: [number, number]): Promise<ViewResult> {
  const sources = sourceLookup(result.program);
  let diagnostics = result.diagnostics;
  let report: ShapeReport | undefined = result.report;
  if (result.ir && input) {
    const shaped = inferShapes(result.ir, input[0], input[1]);
    diagnostics = [...diagnostics, ...shaped.diagnostics];
    report = hasErrors(shaped.diagnostics) ? undefined : shaped.report;
  }
  if (!result.ir || !report || hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const text = diagnostics.map((d) => renderPretty(d, sources, { color: false })).join("\n\n");
    return { html: errorPage(spec, text, errors.length), ok: false, diagnostics };
  }
  const g = viewGraph(result.ir, report, sources);
  const detail = await layout(g, false);
  const overview = g.groups.length ? await layout(g, true) : null;
  return { html: graphPage(g, overview, detail, spec), ok: true, diagnostics };
}
