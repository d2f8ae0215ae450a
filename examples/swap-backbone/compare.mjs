// Reads the `posec inspect --json` reports that run.sh wrote and prints the comparison table.
// usage: node compare.mjs DIR   (DIR holds vgg19.json, se_resnet50.json and the probe_*.json files)
import { readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const read = (name) => JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
const columns = [
  { title: "VGG-19 (conv4_2)", full: read("vgg19"), probe: read("probe_vgg19") },
  { title: "SE-ResNet-50 (layer2)", full: read("se_resnet50"), probe: read("probe_se_resnet50") },
];
// The plain ResNet-50 probe shows the receptive field of the convolutions alone (see the README).
const plain = read("probe_resnet50");

const count = (n) => n.toLocaleString("en-US");
const giga = (n) => `${(n / 1e9).toFixed(2)} G`;
// inspect reports a receptive field as [h, w] pixels, or null when it covers the whole image (global pooling).
const field = (rf) => (rf ? `${rf[0]}x${rf[1]} px` : "whole image");
const features = (probe) => probe.outputs.heatmaps.receptiveField;

const rows = [
  ["trainable parameters", (c) => count(c.full.params.trainable)],
  ["  of which backbone", (c) => count(c.full.parts.backbone.params)],
  ["  of which adapter", (c) => count(c.full.parts.adapter.params)],
  ["  of which stages 1-6", (c) => count(Object.entries(c.full.parts).filter(([k]) => /^stage\d+$/.test(k)).reduce((s, [, p]) => s + p.params, 0))],
  ["non-trainable (BN statistics)", (c) => count(c.full.params.nonTrainable)],
  [`MACs at ${columns[0].full.input.height}x${columns[0].full.input.width}`, (c) => giga(c.full.macs.total)],
  ["  of which backbone", (c) => giga(c.full.macs.byPart.backbone)],
  ["activations (one image)", (c) => `${(c.full.activationBytes / 2 ** 20).toFixed(0)} MiB`],
  ["receptive field of the features", (c) => field(features(c.probe))],
  ["receptive field of the output", (c) => field(c.full.outputs.heatmaps.receptiveField)],
  ["feature grid", (c) => c.full.outputs.heatmaps.shape.slice(0, 2).join("x") + ` (stride ${c.full.outputs.heatmaps.stride[0]})`],
];

const table = [["", ...columns.map((c) => c.title)], ...rows.map(([label, cell]) => [label, ...columns.map(cell)])];
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
for (const [n, r] of table.entries()) {
  console.log(r.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("   "));
  if (n === 0) console.log(widths.map((w) => "-".repeat(w)).join("   "));
}
const [vgg, se] = columns.map((c) => c.full);
console.log(
  `\nSE-ResNet-50 has ${((1 - se.params.trainable / vgg.params.trainable) * 100).toFixed(1)}% fewer parameters and needs ` +
    `${((1 - se.macs.total / vgg.macs.total) * 100).toFixed(1)}% fewer multiply-accumulates; without its squeeze-excitation gates ` +
    `(plain ResNet-50) the features would see ${field(features(plain))}.`,
);
