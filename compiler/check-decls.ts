// Checks of declarations as written, independent of whether anything uses them, so that `posec check`
// reports them even for a block no spec calls yet: `posenet 1` first; block parameters with known,
// distinct names and types; no block named like a built-in layer (a call would mean the layer, and
// the block would be silently dead). The standard library is posec's own and is not checked here.
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { BLOCK_PARAM_TYPES } from "./elaborate.js";
import { isStd, type Program } from "./modules.js";
import { OPS } from "./layer-catalog.js";
import { didYouMean, lookup } from "./suggest.js";

export function checkDeclarations(program: Program): Diagnostic[] {
  const diags: Diagnostic[] = [];
  for (const m of program.modules.values()) {
    if (isStd(m.path)) continue;
    const decls = m.parsed.ast.decls;
    const version = decls.findIndex((d) => d.kind === "Version");
    if (version > 0) {
      diags.push(
        diag("PN2011", decls[version].span, "`posenet 1` must be the first declaration of the file", {
          labels: [{ span: decls[0].span, message: "this comes before it" }],
          help: "move `posenet 1` to the top: it says which language the rest of the file is written in",
        }),
      );
    }
    for (const d of decls) {
      if (d.kind !== "Block" || !d.name) continue;
      if (lookup(OPS, d.name.name)) {
        diags.push(
          diag("PN2005", d.name.span, `block \`${d.name.name}\` has the name of a built-in layer: a call to \`${d.name.name}\` would mean the layer, never this block`, {
            help: `rename the block, e.g. \`my_${d.name.name}\``,
          }),
        );
      }
      const seen = new Map<string, (typeof d.params)[number]>();
      for (const p of d.params) {
        const first = seen.get(p.name.name);
        if (first) {
          diags.push(diag("PN2005", p.name.span, `block \`${d.name.name}\` has two parameters named \`${p.name.name}\``, { labels: [{ span: first.name.span, message: "first declared here" }] }));
        } else seen.set(p.name.name, p);
        if (p.type && !BLOCK_PARAM_TYPES.includes(p.type.name)) {
          diags.push(
            diag("PN2001", p.type.span, `unknown parameter type \`${p.type.name}\``, {
              help: didYouMean(p.type.name, BLOCK_PARAM_TYPES) ?? `types: ${BLOCK_PARAM_TYPES.join(", ")}`,
            }),
          );
        }
      }
    }
  }
  return diags;
}
