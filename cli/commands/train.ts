import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPoseIr } from "../../core/ir/types.js";
import { sourceLookup } from "../../compiler/compile.js";
import { PosecError } from "../../runtime/errors.js";
import type { BackendPreference } from "../../core/backends.js";
import { checkOption, optionsFor } from "../../core/train-options.js";
import { UsageError, type CommandSpec, type FlagSpec } from "../flags.js";
import { compileSpec, PACKAGE_ROOT, printDiagnosticList } from "../common.js";

/** `posec train`'s flags from the one table of training options (core/train-options.ts). */
function trainFlags(): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {};
  for (const o of optionsFor("posec")) {
    flags[o.name] = { type: o.type, help: o.help, ...(o.value ? { value: o.value } : {}), ...(o.default !== undefined ? { default: o.default } : {}) };
  }
  return flags;
}

export const train: CommandSpec = {
  name: "train",
  summary: "train a spec with tfjs (tfjs-node-gpu, tfjs-node, wasm or cpu)",
  usage: "posec train FILE [--data DIR|synth] [--out DIR] [--steps N|--epochs N] [--batch N] [--resume | --init-from FILE] [--backend B]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    ...trainFlags(),
    force: { type: "boolean", help: "write into a non-empty --out folder that is not a posec run (its metrics.jsonl and loss.png are replaced)" },
  },
  async run({ flags, positionals }) {
    if (flags.steps !== undefined && flags.epochs !== undefined) throw new UsageError("give --steps or --epochs, not both");
    for (const o of optionsFor("posec")) {
      const value = flags[o.name];
      const bad = value === undefined ? null : checkOption(o, value);
      if (bad) throw new UsageError(bad);
    }
    const result = compileSpec(positionals[0]);
    if (!result.ir) {
      printDiagnosticList(result.diagnostics, sourceLookup(result.program), "pretty");
      return 1;
    }
    const ir = result.ir;
    if (!isPoseIr(ir)) throw new PosecError(`${positionals[0]} describes a backbone without stages; only pose models (with \`stages\`) can be trained`, "PN5005");
    const backend = (flags.backend as BackendPreference | undefined) ?? ir.train.backend;
    const baseDir = dirname(resolve(positionals[0]));
    const { dataFromFlag, requireData } = await import("../../runtime/data/choose.js");
    const data = dataFromFlag(flags.data as string | undefined, ir.train.data, Math.max(ir.input.height, ir.input.width));
    requireData(data, baseDir);
    const out = typeof flags.out === "string" ? flags.out : join("runs", ir.model.name);
    // the run folder is checked before tfjs is even loaded (the trainer checks it again and locks it)
    const { checkRunFolder } = await import("../../runtime/util/run-folder.js");
    checkRunFolder({ out, force: !!flags.force, dataDirs: data.kind === "coco" ? [resolve(baseDir, data.root)] : [] });
    if (flags.resume) {
      // a run whose checkpoints are all damaged is refused (PN5301, each one's problem) before tfjs loads
      const { latestCheckpoint } = await import("../../runtime/checkpoint/resume.js");
      latestCheckpoint(out);
    }
    // the weights a fresh run starts from: --init-from, else the spec's `init from`/`weights=` (runtime/weights/start.ts)
    const initFrom = flags["init-from"] as string | undefined;
    if (initFrom !== undefined && flags.resume) throw new UsageError("give --resume (continue a run) or --init-from (start a new one from weights), not both");
    const { initFromFlag, startingWeights } = await import("../../runtime/weights/start.js");
    const sources = initFrom !== undefined ? [initFromFlag(initFrom)] : (ir.weightSources ?? []);
    if (initFrom !== undefined) (await import("../../runtime/weights/load.js")).detectFormat(initFrom); // a missing file fails before tfjs loads
    const startWeights = sources.length ? (seed: number) => startingWeights(ir, sources, seed, out, (t) => process.stderr.write(t + "\n")).then((s) => s.weights) : undefined;
    const { train: run } = await import("../../runtime/train/loop.js");
    const { createProgress } = await import("../../runtime/util/progress.js");
    const progress = createProgress(process.stderr, ir.train.logEvery);
    const workerScript = join(PACKAGE_ROOT, "dist", "data-worker.js");
    const r = await run({
      ir,
      out,
      baseDir,
      data,
      steps: flags.steps as number | undefined,
      epochs: flags.epochs as number | undefined,
      batch: flags.batch as number | undefined,
      lr: flags.lr as number | undefined,
      seed: flags.seed as number | undefined,
      resume: !!flags.resume,
      backend,
      threads: flags.threads as number | undefined,
      skipBad: !!flags["skip-bad"],
      dataWorkers: flags.workers as number,
      workerScript: existsSync(workerScript) ? workerScript : undefined,
      progress,
      timeLimit: flags["time-limit"] as number | undefined,
      force: !!flags.force,
      startWeights,
    });
    const n = r.history.length;
    if (n >= 10) {
      const tenth = Math.max(1, Math.floor(n / 10));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const first = mean(r.history.slice(0, tenth).map((h) => h.loss));
      const last = mean(r.history.slice(-tenth).map((h) => h.loss));
      process.stderr.write(`mean loss: first 10% of steps ${first.toFixed(3)}, last 10% ${last.toFixed(3)} (${((100 * last) / first).toFixed(0)}%)\n`);
    }
    if (r.skipped) process.stderr.write(`skipped ${r.skipped} bad samples (--skip-bad)\n`);
    process.stdout.write(`${r.checkpoint}\n`);
    // interrupted by Ctrl-C after writing its checkpoint: not a success for scripts (128 + SIGINT)
    if (r.interrupted) return 130;
    return 0;
  },
};
