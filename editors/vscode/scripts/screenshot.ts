// Makes docs/images/editor-hover.png, the README's picture of the editor support: a spec coloured by
// this extension's TextMate grammar (run by vscode-textmate, as VS Code runs it, with Dark+ colours) and
// the hover `posec lsp` returns on a layer line (computed by the server's own hover code), drawn as VS
// Code draws them and photographed in headless Chromium. Not a test; run it after changing either:
//   node scripts/run-ts.mjs editors/vscode/scripts/screenshot.ts
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import * as onigModule from "vscode-oniguruma";
import * as textmateModule from "vscode-textmate";
import { hover } from "../../../lsp/hover.js";
import { offsetAt } from "../../../lsp/locate.js";
import { Workspace } from "../../../lsp/workspace.js";

const root = resolve(".");
const specFile = join(root, "models/small_resnet18_cmupose.posenet");
const grammarFile = join(root, "editors/vscode/syntaxes/posenet.tmLanguage.json");
const COLOURS: [string, string][] = [
  ["comment", "#6A9955"],
  ["string", "#CE9178"],
  ["keyword.other.declaration", "#569CD6"],
  ["keyword.control", "#C586C0"],
  ["keyword.operator.repeat", "#C586C0"],
  ["support.function", "#DCDCAA"],
  ["entity.name.function", "#DCDCAA"],
  ["entity.name.label", "#4EC9B0"],
  ["variable.parameter", "#9CDCFE"],
  ["constant.numeric", "#B5CEA8"],
  ["constant.language", "#569CD6"],
];
// both are CommonJS: under Node's ESM loader their exports sit on `default`
const oniguruma = ((onigModule as { default?: typeof onigModule }).default ?? onigModule) as typeof onigModule;
const textmate = ((textmateModule as { default?: typeof textmateModule }).default ?? textmateModule) as typeof textmateModule;
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const wasm = readFileSync(join(root, "node_modules/vscode-oniguruma/release/onig.wasm"));
await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
const registry = new textmate.Registry({
  onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
  loadGrammar: async (scope: string) => (scope === "source.posenet" ? textmate.parseRawGrammar(readFileSync(grammarFile, "utf8"), grammarFile) : null),
});
const grammar = (await registry.loadGrammar("source.posenet"))!;

const text = readFileSync(specFile, "utf8");
const lines = text.split("\n").slice(0, 24);
let stack = textmate.INITIAL;
const coloured = lines.map((line) => {
  const r = grammar.tokenizeLine(line, stack);
  stack = r.ruleStack;
  return r.tokens
    .map((t) => {
      const scope = t.scopes[t.scopes.length - 1];
      const colour = COLOURS.find(([prefix]) => scope.startsWith(prefix))?.[1] ?? "#D4D4D4";
      return `<span style="color:${colour}">${esc(line.slice(t.startIndex, t.endIndex))}</span>`;
    })
    .join("");
});

// the hover the server answers on the adapter's conv line
const ws = new Workspace(join(root, "models/std"), join(root, "dist/stdlib.parsed.json"));
const doc = ws.open(pathToFileURL(specFile).href, 1, text);
const hoverLine = lines.findIndex((l) => /^\s+conv 3x3 64 relu$/.test(l));
const h = hover(ws, doc, offsetAt(text, hoverLine, lines[hoverLine].indexOf("conv") + 1));
const markdown = h && typeof h.contents === "object" && "value" in h.contents ? h.contents.value : "";
const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\*\*([^*]+)\*\*/g, "<b>$1</b>");
const hoverHtml = markdown
  .split("\n\n")
  .map((para) => {
    const rows = para.split("\n");
    if (rows[0].startsWith("|")) {
      const cells = (r: string) => r.split("|").slice(1, -1).map((c) => c.trim());
      return `<table><tr>${cells(rows[0]).map((c) => `<th>${inline(c)}</th>`).join("")}</tr>${rows.slice(2).map((r) => `<tr>${cells(r).map((c) => `<td>${inline(c)}</td>`).join("")}</tr>`).join("")}</table>`;
    }
    return `<p>${rows.map(inline).join("<br>")}</p>`;
  })
  .join("");

const page = `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#1e1e1e;font:13px/19px Consolas,"DejaVu Sans Mono",monospace;color:#d4d4d4}
.tab{background:#252526;color:#ccc;padding:6px 14px;font:12px system-ui,sans-serif;border-bottom:1px solid #333}
.code{position:relative;padding:6px 0}
.ln{display:inline-block;width:44px;text-align:right;color:#858585;margin-right:18px}
.line{white-space:pre;height:19px}
.hover{position:absolute;left:86px;background:#252526;border:1px solid #454545;padding:4px 10px;font:12px/17px system-ui,sans-serif;color:#ccc;box-shadow:0 2px 8px #000a;max-width:780px}
.hover code{font:12px Consolas,"DejaVu Sans Mono",monospace;color:#d7ba7d}
.hover table{border-collapse:collapse;margin:4px 0}
.hover th,.hover td{padding:2px 8px;border-bottom:1px solid #3c3c3c;text-align:left;white-space:nowrap}
</style></head><body><div class="tab">small_resnet18_cmupose.posenet — posenet (posec lsp)</div><div class="code">
${coloured.map((l, i) => `<div class="line"><span class="ln">${i + 1}</span>${l}</div>`).join("")}
<div class="hover" style="top:${6 + (hoverLine + 1) * 19 + 2}px">${hoverHtml}</div></div></body></html>`;
const htmlFile = join(mkdtempSync(join(tmpdir(), "posec-shot-")), "editor.html");
writeFileSync(htmlFile, page);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "posec-chromium-")), {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1000, height: 520 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const tab = await ctx.newPage();
await tab.goto(pathToFileURL(htmlFile).href);
await tab.screenshot({ path: join(root, "docs/images/editor-hover.png") });
await ctx.close();
console.log("wrote docs/images/editor-hover.png");
