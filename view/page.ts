// The HTML page: one file with its style, script and pictures inline (no network, no fonts), so that
// it opens from disk anywhere. Two pictures of the same network: an overview with block instances
// collapsed, and every layer; clicking a collapsed block opens the detailed picture at its layers.
import type { Layout, Box } from "./layout.js";
import type { ViewGraph } from "./graph.js";
import { PAGE_SCRIPT, PAGE_STYLE } from "./assets.js";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Colour classes by part: backbone, adapter, stage inputs (concat), heatmap and PAF branches. */
export function partClass(part: string): string {
  if (part === "backbone" || part === "adapter" || part === "input") return `part-${part}`;
  if (part.endsWith(".heatmap")) return "part-heatmap";
  if (part.endsWith(".paf")) return "part-paf";
  return "part-stage";
}

function boxSvg(b: Box, partOf: Map<string, string>): string {
  const part = b.kind === "input" ? "input" : (partOf.get(b.id) ?? "");
  const attr = b.kind === "group" ? `data-group="${esc(b.id)}"` : b.kind === "input" ? `data-input="${esc(b.id)}"` : `data-node="${esc(b.id)}"`;
  const text = b.lines.map((l, i) => `<text x="${(b.x + 8).toFixed(1)}" y="${(b.y + 17 + i * 14).toFixed(1)}"${i === 0 ? ' class="title"' : ""}>${esc(l)}</text>`).join("");
  return `<g class="box ${b.kind} ${partClass(part)}" ${attr}><rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w}" height="${b.h}" rx="5"/>${text}</g>`;
}

export function svgOf(layout: Layout, g: ViewGraph, id: string): string {
  const partOf = new Map<string, string>([...g.nodes.map((n) => [n.id, n.part] as const), ...g.groups.map((x) => [x.id, x.part] as const)]);
  const edges = layout.edges.map((e) => `<path class="edge${e.crossColumn ? " cross" : ""}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${e.d}" marker-end="url(#arrow-${id})"/>`).join("");
  const boxes = layout.boxes.map((b) => boxSvg(b, partOf)).join("");
  const pad = 20;
  return `<svg id="${id}" class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="${-pad} ${-pad} ${layout.width + 2 * pad} ${layout.height + 2 * pad}" data-width="${layout.width + 2 * pad}" data-height="${layout.height + 2 * pad}"><defs><marker id="arrow-${id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#777"/></marker></defs><g class="edges">${edges}</g><g class="boxes">${boxes}</g></svg>`;
}

/** JSON for an inline <script>: `<` escaped so that no string can close the script element. */
const inlineJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c");

export function graphPage(g: ViewGraph, overview: Layout | null, detail: Layout, spec: string): string {
  const fmt = (n: number) => n.toLocaleString("en-US");
  const data = { nodes: Object.fromEntries(g.nodes.map((n) => [n.id, n])), groups: Object.fromEntries(g.groups.map((x) => [x.id, x])) };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(g.model)} — posec view</title>
<style>${PAGE_STYLE}</style></head>
<body>
<header><b>${esc(g.model)}</b> <span class="muted">${esc(spec)} · input ${esc(g.input.shape)} · ${g.nodes.length} layers · ${fmt(g.totals.params)} parameters · ${fmt(g.totals.macs)} MACs</span>
<span class="tools">${overview ? '<button id="toggle">show every layer</button>' : ""}<button id="fit">fit</button><input id="find" type="search" placeholder="find a layer…" list="layer-names" size="18"></span>
<datalist id="layer-names">${g.nodes.map((n) => `<option value="${esc(n.id)}">`).join("")}</datalist>
<span class="legend"><i class="part-backbone"></i>backbone <i class="part-adapter"></i>adapter <i class="part-stage"></i>stage input <i class="part-heatmap"></i>heatmap branch <i class="part-paf"></i>PAF branch</span></header>
<main>${overview ? svgOf(overview, g, "overview") : ""}${svgOf(detail, g, "detail")}</main>
<aside id="info"><p class="muted">Click a layer for its details and spec line (its inputs and outputs are highlighted). Scroll to zoom, drag to pan, or find a layer by name.${overview ? " Click a collapsed block (▸) to see its layers." : ""}</p></aside>
<script type="application/json" id="data">${inlineJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

export function errorPage(spec: string, rendered: string, count: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(spec)} has errors — posec view</title>
<style>${PAGE_STYLE}</style></head>
<body class="errors"><header><b>${esc(spec)}</b> <span class="muted">does not compile: ${count} error${count === 1 ? "" : "s"}</span></header>
<pre id="diagnostics" data-count="${count}">${esc(rendered)}</pre>
</body></html>
`;
}
