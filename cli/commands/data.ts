// `posec synth` (write the built-in synthetic dataset) and `posec targets` (picture of what the network
// is trained on for one sample).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPoseIr } from "../../compiler/ir/types.js";
import { inferShapes } from "../../compiler/shapes.js";
import { sourceLookup } from "../../compiler/compile.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../args.js";
import { compileSpec, printDiagnosticList } from "../common.js";

export const synth: CommandSpec = {
  name: "synth",
  summary: "write the built-in synthetic COCO-format keypoint dataset (drawn people)",
  usage: "posec synth --out DIR [--images N] [--size S] [--seed K]",
  positionals: { min: 0, max: 0, name: "no positional arguments" },
  flags: {
    out: { type: "string", value: "DIR", help: "output folder: annotations.json and images/" },
    images: { type: "int", value: "N", help: "number of images", default: 512 },
    size: { type: "int", value: "S", help: "image side in pixels", default: 128 },
    seed: { type: "int", value: "K", help: "random seed (same seed: byte-identical files)", default: 1 },
    spacing: { type: "number", value: "F", help: "least horizontal distance between people, as a fraction of the taller one's height (larger: fewer overlaps)", default: 0.35 },
  },
  async run({ flags }) {
    if (typeof flags.out !== "string") throw new UsageError("--out DIR is required");
    if ((flags.images as number) < 1 || (flags.images as number) > 1_000_000) throw new UsageError("--images must be between 1 and 1000000");
    if ((flags.size as number) < 32 || (flags.size as number) > 4096) throw new UsageError("--size must be between 32 and 4096");
    if ((flags.seed as number) < 0) throw new UsageError("--seed must be at least 0");
    if (!((flags.spacing as number) >= 0 && (flags.spacing as number) <= 2)) throw new UsageError("--spacing must be between 0 and 2");
    const { synthesizeDataset } = await import("../../runtime/data/index.js");
    const { createProgress } = await import("../../runtime/util/progress.js");
    const progress = createProgress(process.stderr, 50);
    const r = await synthesizeDataset({
      outDir: flags.out,
      images: flags.images as number,
      size: flags.size as number,
      seed: flags.seed as number,
      spacing: flags.spacing as number,
      onProgress: (done, total) => progress.update(done, total, `synthesising: ${done}/${total} images`),
    });
    progress.finish();
    process.stdout.write(`wrote ${JSON.stringify(r)}\n`);
    return 0;
  },
};

export const targets: CommandSpec = {
  name: "targets",
  summary: "render one training sample with its heatmaps, PAFs and mask overlaid (what the network learns)",
  usage: "posec targets FILE --data DIR|synth --index N --out x.png [--seed K] [--no-augment]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    data: { type: "string", value: "DIR|synth", help: "a COCO-format dataset folder (default: the spec's data)" },
    index: { type: "int", value: "N", help: "sample index", default: 0 },
    out: { type: "string", value: "FILE", help: "PNG to write" },
    seed: { type: "int", value: "K", help: "augmentation seed (the training seed shows what training sees)" },
    epoch: { type: "int", value: "E", help: "epoch whose augmentation to show", default: 0 },
    "no-augment": { type: "boolean", help: "show the sample without augmentation" },
  },
  async run({ flags, positionals }) {
    if (typeof flags.out !== "string") throw new UsageError("--out FILE is required");
    const result = compileSpec(positionals[0]);
    if (!result.ir) {
      printDiagnosticList(result.diagnostics, sourceLookup(result.program), "pretty");
      return 1;
    }
    const ir = result.ir;
    if (!isPoseIr(ir)) throw new PosecError(`${positionals[0]} has no stages: there are no targets to show`, "PN5005");
    const baseDir = dirname(resolve(positionals[0]));
    const { dataFromFlag, requireData } = await import("../../runtime/data/choose.js");
    const data = dataFromFlag(flags.data as string | undefined, ir.train.data, Math.max(ir.input.height, ir.input.width));
    requireData(data, baseDir);
    const { openDataset, sampleConfigFromIr } = await import("../../runtime/data/index.js");
    const { renderTargets } = await import("../../runtime/render/targets.js");
    const dataset = await openDataset(data, ir.keypoints, { baseDir });
    const [gridH, gridW] = inferShapes(ir, ir.input.height, ir.input.width).report!.outputs.heatmaps;
    const config = sampleConfigFromIr(ir, { gridHeight: gridH, gridWidth: gridW });
    const r = await renderTargets({ dataset, index: flags.index as number, config, seed: (flags.seed as number | undefined) ?? ir.train.seed, epoch: flags.epoch as number, augment: !flags["no-augment"], out: flags.out });
    process.stdout.write(`wrote ${r.path} (${r.width}x${r.height})\n`);
    return 0;
  },
};
