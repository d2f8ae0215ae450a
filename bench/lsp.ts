// Language-server latency (issue 14): after the first compilation, the time to re-check a spec two
// `extends` deep after an edit (what the server does per keystroke pause), and hover latency on a layer
// line. In-process, through the same Workspace and hover code the server uses.
//   node scripts/run-ts.mjs bench/lsp.ts
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { hover } from "../lsp/hover.js";
import { offsetAt } from "../lsp/locate.js";
import { Workspace } from "../lsp/workspace.js";

const root = resolve(".");
const dir = mkdtempSync(join(tmpdir(), "posec-bench-lsp-"));
const spec = join(dir, "child.posenet");
const text = (channels: number) => `posenet 1
model child extends "${join(root, "models/small_resnet18_cmupose.posenet")}"
adapter {
  conv 3x3 ${channels} relu
}
`;
writeFileSync(spec, text(64));
const ws = new Workspace(join(root, "models/std"), join(root, "dist/stdlib.parsed.json"));
const uri = pathToFileURL(spec).href;

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t0 = process.hrtime.bigint();
let doc = ws.open(uri, 1, text(64));
ws.compile(doc.path);
const first = ms(t0);

const recheck: number[] = [];
const hovers: number[] = [];
for (let i = 0; i < 30; i++) {
  t0 = process.hrtime.bigint();
  doc = ws.open(uri, i + 2, text(64 + (i % 2) * 32));
  const r = ws.compile(doc.path);
  recheck.push(ms(t0));
  if (!r.ir) throw new Error("the edited spec should compile");
  t0 = process.hrtime.bigint();
  const h = hover(ws, doc, offsetAt(doc.text, 3, 3));
  hovers.push(ms(t0));
  if (!h) throw new Error("no hover on the conv line");
}
// hover right after an edit includes the re-check; hover on unchanged text reuses the compilation
const hoverCached: number[] = [];
for (let i = 0; i < 30; i++) {
  t0 = process.hrtime.bigint();
  hover(ws, doc, offsetAt(doc.text, 3, 3));
  hoverCached.push(ms(t0));
}
console.log("posec lsp (spec two `extends` deep: child -> small_resnet18_cmupose -> cmu_pose_vgg19)");
console.log(`  first compilation (parses the chain and the standard library): ${first.toFixed(1)} ms`);
console.log(`  re-check after an edit, median of ${recheck.length}: ${median(recheck).toFixed(1)} ms (max ${Math.max(...recheck).toFixed(1)} ms)`);
console.log(`  hover on a layer line, median: ${median(hovers).toFixed(2)} ms (compilation already current), ${median(hoverCached).toFixed(2)} ms repeated`);
rmSync(dir, { recursive: true, force: true });
