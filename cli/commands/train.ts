import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isPoseIr } from "../../compiler/ir/types.js";
import { sourceLookup } from "../../compiler/compile.js";
import { PosecError } from "../../runtime/errors.js";
import { UsageError, type CommandSpec } from "../args.js";
import { compileSpec, PACKAGE_ROOT, printDiagnosticList } from "../common.js";

export const train: CommandSpec = {
  name: "train",
  summary: "train a spec with tfjs (tfjs-node-gpu, tfjs-node, wasm or cpu)",
  usage: "posec train FILE [--data DIR|synth] [--out DIR] [--steps N|--epochs N] [--batch N] [--resume] [--backend B]",
  positionals: { min: 1, max: 1, name: "a .posenet file" },
  flags: {
    data: { type: "string", value: "DIR|synth", help: "a COCO-format dataset folder, or `synth` for the built-in synthetic people (default: the spec's `data`)" },
    out: { type: "string", value: "DIR", help: "run folder for checkpoints, metrics.jsonl and loss.png (default: runs/<model>)" },
    steps: { type: "int", value: "N", help: "training steps (overrides the spec)" },
    epochs: { type: "int", value: "N", help: "passes over the data (overrides the spec)" },
    batch: { type: "int", value: "N", help: "images per step (overrides the spec)" },
    lr: { type: "number", value: "X", help: "base learning rate (overrides the spec)" },
    seed: { type: "int", value: "N", help: "random seed (overrides the spec)" },
    resume: { type: "boolean", help: "continue from the run folder's last checkpoint" },
    backend: { type: "string", value: "B", help: "auto, tensorflow-gpu, tensorflow, wasm or cpu (default: the spec's, else auto)" },
    threads: { type: "int", value: "N", help: "wasm threads (default: the number of cores)" },
    workers: { type: "int", value: "N", help: "worker threads generating targets", default: 0 },
    "skip-bad": { type: "boolean", help: "skip unreadable images or annotations (and count them) instead of stopping" },
    "time-limit": { type: "number", value: "SECONDS", help: "stop (with a checkpoint) after this long" },
  },
  async run({ flags, positionals }) {
    if (flags.steps !== undefined && flags.epochs !== undefined) throw new UsageError("give --steps or --epochs, not both");
    for (const f of ["steps", "epochs", "batch", "threads"] as const) {
      if (flags[f] !== undefined && (flags[f] as number) < 1) throw new UsageError(`--${f} must be at least 1`);
    }
    if (flags.lr !== undefined && !((flags.lr as number) > 0)) throw new UsageError("--lr must be positive");
    const result = compileSpec(positionals[0]);
    if (!result.ir) {
      printDiagnosticList(result.diagnostics, sourceLookup(result.program), "pretty");
      return 1;
    }
    const ir = result.ir;
    if (!isPoseIr(ir)) throw new PosecError(`${positionals[0]} describes a backbone without stages; only pose models (with \`stages\`) can be trained`, "PN5005");
    const backend = (flags.backend as string | undefined) ?? ir.train.backend;
    if (!["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"].includes(backend)) throw new UsageError(`--backend must be auto, tensorflow-gpu, tensorflow, wasm or cpu, got \`${backend}\``);
    const baseDir = dirname(resolve(positionals[0]));
    const { dataFromFlag, requireData } = await import("../../runtime/data/choose.js");
    const data = dataFromFlag(flags.data as string | undefined, ir.train.data, Math.max(ir.input.height, ir.input.width));
    requireData(data, baseDir);
    const { train: run } = await import("../../runtime/train/loop.js");
    const { createProgress } = await import("../../runtime/util/progress.js");
    const progress = createProgress(process.stderr, ir.train.logEvery);
    const out = typeof flags.out === "string" ? flags.out : join("runs", ir.model.name);
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
      backend: backend as "auto",
      threads: flags.threads as number | undefined,
      skipBad: !!flags["skip-bad"],
      dataWorkers: flags.workers as number,
      workerScript: existsSync(workerScript) ? workerScript : undefined,
      progress,
      timeLimit: flags["time-limit"] as number | undefined,
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
    return 0;
  },
};
