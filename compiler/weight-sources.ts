// Where a spec's starting weights come from: `init from "FILE"` (the whole model) and the backbone's
// `weights="FILE"` (its layers only), lowered to `Ir.weightSources`. Paths are relative to the spec file
// that names them. The compiler only looks the path up (through the host, never reading the file): the
// tensors are matched by name when `posec train` or `posec import` loads it (runtime/weights/load.ts).
import type { Expr, InitStmt, Span } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { irSpan } from "./elaborate.js";
import type { Ir, WeightSourceIR } from "../core/ir/types.js";
import type { Host } from "./modules.js";
import type { Located } from "./sections.js";

/** PN2024: a weights file that is not there (or not a file or folder). */
export const WEIGHTS_NOT_FOUND = "PN2024";

/** `ref` relative to the file `from` (both display paths: POSIX, relative to the working folder or absolute). */
export function resolveBeside(from: string, ref: string): string {
  const base = from.includes("/") ? from.slice(0, from.lastIndexOf("/") + 1) : "";
  const full = ref.startsWith("/") ? ref : base + ref;
  const absolute = full.startsWith("/");
  const parts: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "..") {
      if (parts.length && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push("..");
    } else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return (absolute ? "/" : "") + parts.join("/");
}

/** The path of a `weights=` value or `init from` argument: a non-empty string literal. */
function pathOf(value: Expr | undefined, span: Span, what: string, diags: Diagnostic[]): string | undefined {
  if (value?.kind === "String" && value.value.length > 0) return value.value;
  diags.push(diag("PN2003", value?.span ?? span, `${what} takes the path of a weights file in quotes`, { help: `e.g. ${what === "`init from`" ? 'init from "runs/previous"' : 'weights="resnet50.pth"'} (relative to this spec file)` }));
  return undefined;
}

function initFromPath(s: InitStmt, diags: Diagnostic[]): string | undefined {
  const [first, ...rest] = s.args;
  if (rest.length > 0 || first?.kind === "Named") {
    const extra = first?.kind === "Named" ? first : rest[0];
    diags.push(diag("PN2013", extra.span, "`init from` takes one path and no other arguments", { help: 'write `init from "FILE"`, and say how the layers the file lacks start with a separate `init kaiming ...`' }));
    return undefined;
  }
  return pathOf(first?.value, s.span, "`init from`", diags);
}

/**
 * The spec's weight sources: the backbone's first (it covers `backboneNodes`), then the whole model's,
 * so that a model-wide file, applied last, wins where both have a layer.
 */
export function lowerWeightSources(
  backbone: Located<{ weights?: { value: Expr; span: Span } }> | undefined,
  backboneNodes: string[],
  initFrom: Located<{ stmt: InitStmt; span: Span }> | undefined,
  diags: Diagnostic[],
): WeightSourceIR[] {
  const out: WeightSourceIR[] = [];
  const w = backbone?.decl.weights;
  if (backbone && w) {
    const p = pathOf(w.value, w.span, "`weights=`", diags);
    if (p) out.push({ path: resolveBeside(backbone.module.path, p), scope: "backbone", nodes: backboneNodes, span: irSpan(w.span) });
  }
  if (initFrom) {
    const p = initFromPath(initFrom.decl.stmt, diags);
    if (p) out.push({ path: resolveBeside(initFrom.module.path, p), scope: "model", nodes: [], span: irSpan(initFrom.decl.span) });
  }
  return out;
}

/** Each weight source looked up through the host (a stat, never a read): missing or not a file/folder is PN2024. */
export function checkWeightFiles(ir: Ir, host: Host): Diagnostic[] {
  if (!host.stat || !ir.weightSources) return [];
  const diags: Diagnostic[] = [];
  for (const src of ir.weightSources) {
    const kind = host.stat(src.path);
    if (kind === "file" || kind === "folder") continue;
    const problem = kind === "missing" ? "does not exist" : kind;
    diags.push(
      diag(WEIGHTS_NOT_FOUND, src.span, `the weights file \`${src.path}\` ${problem}`, {
        help: "give a .caffemodel, a PyTorch .pth/.pt state dict, or a posec checkpoint or run folder; the path is relative to the spec file",
      }),
    );
  }
  return diags;
}
