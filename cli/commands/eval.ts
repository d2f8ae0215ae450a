import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { isPoseIr } from "../../core/ir/types.js";
import { sourceLookup } from "../../compiler/compile.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../flags.js";
import { compileSpec, printDiagnosticList } from "../common.js";
import { parseScales } from "./infer.js";

/** A COCO-format folder: posec synth's layout, or COCO's val2017. */
function datasetPaths(dir: string, annotations?: string, images?: string): { annotations: string; images: string } {
  if (!existsSync(dir)) throw new PosecError(`--data ${dir}: no such folder`, "PN5001");
  if (annotations || images) return { annotations: resolve(dir, annotations ?? "annotations.json"), images: resolve(dir, images ?? "images") };
  if (existsSync(join(dir, "annotations.json"))) return { annotations: join(dir, "annotations.json"), images: join(dir, "images") };
  return { annotations: join(dir, "annotations", "person_keypoints_val2017.json"), images: join(dir, "val2017") };
}

export const evaluate: CommandSpec = {
  name: "eval",
  summary: "COCO keypoint AP/AR (exact to pycocotools) of a results file, a model on a dataset, or the decoder's ceiling",
  usage: "posec eval --gt GT.json --results DT.json [--keypoints SCHEMA] [--json]\n       posec eval --model M --data DIR [--limit N] [--json]\n       posec eval --oracle --spec FILE --data DIR [--json]",
  positionals: { min: 0, max: 0, name: "no positional arguments" },
  flags: {
    gt: { type: "string", value: "FILE", help: "COCO keypoint ground truth" },
    results: { type: "string", value: "FILE", help: "COCO keypoint results ([{image_id, category_id, keypoints, score}])" },
    keypoints: { type: "string", value: "SCHEMA", help: "with --gt/--results: the built-in schema whose dataset the files hold (its keypoint count and OKS sigmas: coco18/body25 = COCO's 17, mpi15, hand21, face70)", default: "coco18" },
    model: { type: "string", value: "PATH", help: "checkpoint, run folder or ONNX file to run over --data" },
    data: { type: "string", value: "DIR", help: "COCO-format folder (annotations.json + images/, or COCO's val2017 layout)" },
    annotations: { type: "string", value: "FILE", help: "annotation file inside --data" },
    images: { type: "string", value: "DIR", help: "image folder inside --data" },
    oracle: { type: "boolean", help: "decode the training targets instead of network outputs (needs --spec)" },
    spec: { type: "string", value: "FILE", help: "the spec, for --oracle" },
    limit: { type: "int", value: "N", help: "only the first N images" },
    scales: { type: "string", value: "LIST", help: "inference scales", default: "1" },
    threads: { type: "int", value: "N", help: "threads (wasm / ONNX Runtime)" },
    backend: { type: "string", value: "B", help: "tfjs backend for checkpoints", default: "auto" },
    json: { type: "boolean", help: 'print only {"AP":…,"AP50":…,…,"ARl":…}' },
  },
  async run({ flags }) {
    const ev = await import("../../runtime/eval/index.js");
    let run: import("../../runtime/eval/index.js").KeypointEvalRun;
    const modes = [flags.results !== undefined || flags.gt !== undefined, flags.model !== undefined, !!flags.oracle].filter(Boolean).length;
    if (modes !== 1) throw new UsageError("give either --gt and --results, or --model with --data, or --oracle with --spec and --data");
    if (flags.results !== undefined || flags.gt !== undefined) {
      if (typeof flags.gt !== "string" || typeof flags.results !== "string") throw new UsageError("--gt and --results go together");
      const { BUILTIN_KEYPOINTS } = await import("../../core/keypoints/builtin.js");
      const { lookup } = await import("../../compiler/suggest.js");
      const schema = lookup(BUILTIN_KEYPOINTS, String(flags.keypoints));
      if (!schema) throw new UsageError(`--keypoints takes a built-in schema (${Object.keys(BUILTIN_KEYPOINTS).join(", ")}); got \`${flags.keypoints}\``);
      run = ev.evaluateKeypointFiles(flags.gt, flags.results, ev.oksSigmasFor(schema({ file: "<built-in>", line: 1, col: 1, endLine: 1, endCol: 1 })));
    } else {
      if (typeof flags.data !== "string") throw new UsageError("--data DIR is required with --model or --oracle");
      const paths = datasetPaths(flags.data, flags.annotations as string | undefined, flags.images as string | undefined);
      const { readCocoDataset } = await import("../../runtime/data/index.js");
      const { createProgress } = await import("../../runtime/util/progress.js");
      const progress = createProgress(process.stderr, 25);
      const report = (done: number, total: number) => progress.update(done, total, `evaluating: ${done}/${total} images`);
      const { evaluateNetwork, evaluateOracle } = await import("../../runtime/infer/evaluate.js");
      const limit = flags.limit as number | undefined;
      if (limit !== undefined && limit < 1) throw new UsageError("--limit must be at least 1");
      if (flags.oracle) {
        if (typeof flags.spec !== "string") throw new UsageError("--oracle needs --spec FILE");
        const result = compileSpec(flags.spec);
        if (!result.ir) {
          printDiagnosticList(result.diagnostics, sourceLookup(result.program), "pretty");
          return 1;
        }
        if (!isPoseIr(result.ir)) throw new PosecError(`${flags.spec} has no stages`, "PN5005");
        const dataset = await readCocoDataset(paths.annotations, paths.images, result.ir.keypoints, { minArea: 0 });
        run = (await evaluateOracle(result.ir, dataset, { limit, progress: report })).run;
      } else {
        const scaleSearch = parseScales(flags.scales);
        const { loadNetwork } = await import("../../runtime/infer/runner.js");
        const net = await loadNetwork(String(flags.model), { backend: flags.backend as string, threads: flags.threads as number | undefined });
        try {
          const dataset = await readCocoDataset(paths.annotations, paths.images, net.keypoints, { minArea: 0 });
          run = (await evaluateNetwork(net, dataset, { scaleSearch, decode: {}, limit, progress: report })).run;
        } finally {
          net.dispose();
        }
      }
      progress.finish();
    }
    if (flags.json) {
      for (const w of run.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(ev.formatStatsJson(run.evaluation.stats) + "\n");
    } else process.stdout.write(ev.formatKeypointEvalText(run) + "\n");
    return 0;
  },
};
