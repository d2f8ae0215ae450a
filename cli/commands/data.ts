// `posec synth` (write the built-in synthetic dataset) and `posec targets` (picture of what the network
// is trained on for one sample).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPoseIr } from "../../core/ir/types.js";
import { sourceLookup } from "../../compiler/compile.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../flags.js";
import { compileSpec, printDiagnosticList } from "../common.js";

export const synth: CommandSpec = {
  name: "synth",
  summary: "write a built-in synthetic COCO-format keypoint dataset (drawn people, hands or faces)",
  usage: "posec synth --out DIR [--kind people|mpii16|hand21|face70] [--images N] [--size S] [--seed K]",
  positionals: { min: 0, max: 0, name: "no positional arguments" },
  flags: {
    out: { type: "string", value: "DIR", help: "output folder: annotations.json and images/" },
    images: { type: "int", value: "N", help: "number of images", default: 512 },
    size: { type: "int", value: "S", help: "image side in pixels", default: 128 },
    seed: { type: "int", value: "K", help: "random seed (same seed: byte-identical files)", default: 1 },
    kind: { type: "string", value: "K", help: "what is drawn: people (COCO-17 keypoints), mpii16 (the same people with MPII's 16), hand21 (one hand per image) or face70 (one face per image)", default: "people" },
    spacing: { type: "number", value: "F", help: "least horizontal distance between people, as a fraction of the taller one's height (larger: fewer overlaps)", default: 0.35 },
  },
  async run({ flags }) {
    if (typeof flags.out !== "string") throw new UsageError("--out DIR is required");
    const kind = String(flags.kind);
    if (!["people", "mpii16", "hand21", "face70"].includes(kind)) throw new UsageError(`--kind takes people, mpii16, hand21 or face70; got \`${kind}\``);
    if ((flags.images as number) < 1 || (flags.images as number) > 1_000_000) throw new UsageError("--images must be between 1 and 1000000");
    if ((flags.size as number) < 32 || (flags.size as number) > 4096) throw new UsageError("--size must be between 32 and 4096");
    if ((flags.seed as number) < 0) throw new UsageError("--seed must be at least 0");
    if (!((flags.spacing as number) >= 0 && (flags.spacing as number) <= 2)) throw new UsageError("--spacing must be between 0 and 2");
    // a dataset is written into a new or empty folder only: never over another dataset (or anything else)
    const { checkOutDir, folderEntries, WOULD_OVERWRITE } = await import("../../runtime/util/out-path.js");
    checkOutDir(flags.out, "the dataset folder (--out)");
    const existing = folderEntries(flags.out);
    if (existing.length > 0) {
      throw new PosecError(`the dataset folder ${flags.out} is not empty (it holds ${existing.slice(0, 5).join(", ")}${existing.length > 5 ? `, and ${existing.length - 5} more` : ""})`, WOULD_OVERWRITE, "give --out a new or empty folder; posec synth never writes over an existing dataset");
    }
    const { synthesizeDataset } = await import("../../runtime/data/index.js");
    const { createProgress } = await import("../../runtime/util/progress.js");
    const progress = createProgress(process.stderr, 50);
    const common = {
      outDir: flags.out,
      images: flags.images as number,
      size: flags.size as number,
      seed: flags.seed as number,
      onProgress: (done: number, total: number) => progress.update(done, total, `synthesising: ${done}/${total} images`),
    };
    let r;
    if (kind === "people" || kind === "mpii16") r = await synthesizeDataset({ ...common, spacing: flags.spacing as number, labels: kind === "mpii16" ? "mpii16" : "coco17" });
    else {
      const { synthesizePartsDataset } = await import("../../runtime/data/synth-parts.js");
      const { BUILTIN_KEYPOINTS } = await import("../../core/keypoints/builtin.js");
      const names = BUILTIN_KEYPOINTS[kind]({ file: "<built-in>", line: 1, col: 1, endLine: 1, endCol: 1 }).dataset!.keypoints;
      r = await synthesizePartsDataset({ ...common, kind: kind as "hand21" | "face70", keypointNames: names });
    }
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
    const { checkOutFile } = await import("../../runtime/util/out-path.js");
    checkOutFile(flags.out, "the picture (--out)");
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
    const config = sampleConfigFromIr(ir);
    const r = await renderTargets({ dataset, index: flags.index as number, config, seed: (flags.seed as number | undefined) ?? ir.train.seed, epoch: flags.epoch as number, augment: !flags["no-augment"], out: flags.out });
    process.stdout.write(`wrote ${r.path} (${r.width}x${r.height})\n`);
    return 0;
  },
};
