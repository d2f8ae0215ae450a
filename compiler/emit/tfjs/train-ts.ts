// train.ts: the training entry point of the generated program. It is posec's runtime (backend choice,
// data pipeline, pose loss with hard-joint mining, optimizer and schedule, checkpoints and resume) with the
// network from model.ts: `train({ ..., buildModel })`. Nothing of the runtime is copied; the spec's
// settings stay in model.ir.json and are summarised in a comment for the reader.
import type { LossIR, PoseIr, TrainIR } from "../../../core/ir/types.js";
import { BACKEND_PREFERENCES } from "../../../core/backends.js";
import { optionsFor, type TrainOption } from "../../../core/train-options.js";
import { num, str } from "./code.js";
import { RUNTIME_PACKAGE } from "./project.js";

const list = (xs: number[]) => xs.join(", ");

/** "stage 2", "stages 1..3" for a run of consecutive stages, else "stages 1, 3". */
function stageList(stages: number[]): string {
  if (stages.length === 1) return `stage ${stages[0]}`;
  const consecutive = stages.length > 2 && stages.every((s, i) => i === 0 || s === stages[i - 1] + 1);
  return `stages ${consecutive ? `${stages[0]}..${stages[stages.length - 1]}` : list(stages)}`;
}

const BACKGROUND: Record<"exclude" | "include" | "separate", string> = {
  exclude: "background excluded",
  include: "background competing as one more joint",
  separate: "plus the background's masked L2",
};

function lossLines(loss: LossIR, stages: number, pafs: boolean): string[] {
  const branch = (b: LossIR["heatmap"]) => `${b.masked ? "masked " : ""}L2${b.weight !== 1 ? ` x${num(b.weight)}` : ""}`;
  const branches = `heatmaps ${branch(loss.heatmap)}${pafs ? `, PAFs ${branch(loss.paf)}` : ""}`;
  const lines = [`${branches}; stage weights ${list(loss.stageWeights)} (stages 1..${stages})`];
  const h = loss.hardjoint;
  lines.push(
    h
      ? `hard-joint mining at ${stageList(h.stages)}: sum of the ${h.topk} largest per-joint heatmap losses, ${BACKGROUND[h.background]}`
      : "no hard-joint mining",
  );
  return lines;
}

function optimizerLine(t: TrainIR): string {
  const o = t.optimizer;
  const opt =
    o.kind === "sgd"
      ? `SGD lr ${num(o.lr)}, momentum ${num(o.momentum)}${o.nesterov ? " (Nesterov)" : ""}, weight decay ${num(o.weightDecay)}`
      : `Adam lr ${num(o.lr)}, betas ${num(o.beta1)}/${num(o.beta2)}, epsilon ${num(o.epsilon)}, weight decay ${num(o.weightDecay)}`;
  const s = t.schedule;
  const schedule =
    s.kind === "constant" ? "constant" : s.kind === "step" ? `x${num(s.gamma)} every ${s.every} steps` : s.kind === "cosine" ? `cosine to ${num(s.minLr)}` : `poly (power ${num(s.power)})`;
  return `${opt}; schedule ${schedule}${t.warmup ? ` after ${t.warmup} warm-up steps` : ""}`;
}

function dataLine(t: TrainIR): string {
  const d = t.data;
  return d.kind === "coco" ? `COCO in ${d.root} (${d.annotations}, ${d.images})` : `posec's synthetic people: ${d.images} images of ${d.size}x${d.size}, seed ${d.seed}`;
}

/** What the spec asks for, as comment lines. */
function settings(ir: PoseIr): string[] {
  const t = ir.train;
  // a keypoint schema without limbs (hand, face) has no PAFs at all
  const pafs = ir.keypoints.pafChannels > 0;
  const mults = t.lrMult.map((m) => `${stageList(m.stages)}: weights x${num(m.weight)}, biases x${num(m.bias)}`);
  const rows: [string, string][] = [
    ["data", dataLine(t)],
    ["targets", `Gaussian heatmaps (sigma ${num(t.targets.sigma)})${pafs ? `, PAFs ${num(t.targets.pafWidth)} cell wide,` : ""} on the stride-${ir.stages.stride} grid`],
    ...lossLines(ir.loss, ir.stages.count, pafs).map((l, i): [string, string] => [i === 0 ? "loss" : "", l]),
    ["optimizer", optimizerLine(t)],
    ...(mults.length ? [["lr mult", mults.join("; ")] as [string, string]] : []),
    ["run", `batch ${t.batch}, ${t.steps !== null ? `${t.steps} steps` : `${t.epochs} epochs`}, checkpoint every ${t.checkpointEvery} steps, seed ${t.seed}, backend ${t.backend}`],
  ];
  return rows.map(([k, v]) => `//   ${k.padEnd(10)}${v}`);
}

/** Text for inside a template literal of the generated program. */
const inTemplate = (s: string) => s.replace(/[\\`]/g, "\\$&").replace(/\$\{/g, "\\${");
const helpFor = (o: TrainOption, model: string) => o.help.replace("runs/<model>", `runs/${model}`);

/** The usage text's option lines, from the one table of training options (core/train-options.ts). */
function usage(model: string): string {
  const rows = optionsFor("tfjs").map((o) => ({ flag: `--${o.name}${o.value ? ` ${o.value}` : ""}`, help: `${helpFor(o, model)}${o.default !== undefined ? ` (default: ${o.default})` : ""}` }));
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return rows.map((r) => inTemplate(`  ${r.flag.padEnd(width)}${r.help}`)).join("\n");
}

/** node:util parseArgs options: every value as a string (checked below), booleans false by default. */
function parseOptions(model: string): string {
  return optionsFor("tfjs")
    .map((o) => {
      const key = /^[a-z]+$/.test(o.name) ? o.name : str(o.name);
      if (o.type === "boolean") return `      ${key}: { type: "boolean", default: false },`;
      const fixed = o.name === "out" ? `runs/${model}` : o.default !== undefined ? String(o.default) : undefined;
      return `      ${key}: { type: "string"${fixed !== undefined ? `, default: ${str(fixed)}` : ""} },`;
    })
    .join("\n");
}

/** The numeric options, checked against the table's ranges and named as train() takes them. */
function overrides(): string {
  return optionsFor("tfjs")
    .filter((o) => o.key && (o.type === "int" || o.type === "number"))
    .map((o) => {
      const value = /^[a-z]+$/.test(o.name) ? `flags.${o.name}` : `flags[${str(o.name)}]`;
      const check = o.type === "int" ? `wholeNumber(${str(o.name)}, ${value}, ${o.least ?? 0})` : `positive(${str(o.name)}, ${value})`;
      return `    ${o.key}: ${check},`;
    })
    .join("\n");
}

export function emitTrainTs(ir: PoseIr, header: string): string {
  const synthSize = Math.max(ir.input.height, ir.input.width);
  return `${header}
// Trains ${ir.model.name} with posec's runtime: backend choice, data pipeline, the pose loss (stage
// weights, masks, hard-joint mining), optimizer, schedule, checkpoints and resume all come from
// \`${RUNTIME_PACKAGE}\`; the network is ./model.ts. The settings are the spec's, read from model.ir.json:
${settings(ir).join("\n")}
// Flags override them like \`posec train\`'s do; a checkpoint of one is a checkpoint of the other.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createProgress, dataFromFlag, initFromFlag, isPoseIr, isPosecError, loadIr, PosecError, requireData, startingWeights, train, type BackendPreference, type PoseIr } from "${RUNTIME_PACKAGE}";
import { buildModel } from "./model.js";

const USAGE = \`usage: node dist/train.js [options]   (or: npm run train -- [options])

options:
${usage(ir.model.name)}
\`;

const BACKENDS = ${JSON.stringify(BACKEND_PREFERENCES)};

class UsageError extends Error {}

/** The compiled program runs from dist/; model.ir.json lies in the folder above. */
function readIr(): PoseIr {
  const file = join(dirname(dirname(fileURLToPath(import.meta.url))), "model.ir.json");
  const { ir, diagnostics } = loadIr(readFileSync(file, "utf8"), file);
  if (!ir) {
    throw new PosecError(diagnostics.map((d) => d.message).join("\\n"), diagnostics[0]?.code ?? "PN4001", "build the program again with \`posec build --target tfjs\`");
  }
  if (!isPoseIr(ir)) {
    throw new PosecError(\`\${file} describes a backbone without stages; only pose models can be trained\`, "PN5005");
  }
  return ir;
}

function wholeNumber(flag: string, text: string | undefined, least: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < least) {
    throw new UsageError(\`--\${flag} must be a whole number of at least \${least}, got \\\`\${text}\\\`\`);
  }
  return n;
}

function positive(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new UsageError(\`--\${flag} must be a positive number, got \\\`\${text}\\\`\`);
  }
  return x;
}

/** The runtime's bundled data worker (for --workers), from the runtime package's dist/. */
function dataWorkerScript(): string | undefined {
  const script = join(dirname(createRequire(import.meta.url).resolve("${RUNTIME_PACKAGE}/package.json")), "dist", "data-worker.js");
  return existsSync(script) ? script : undefined;
}

async function main(args: string[]): Promise<number> {
  const { values: flags } = parseArgs({
    args,
    options: {
${parseOptions(ir.model.name)}
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (flags.steps !== undefined && flags.epochs !== undefined) {
    throw new UsageError("give --steps or --epochs, not both");
  }
  const overrides = {
${overrides()}
  };
  const ir = readIr();
  const backend = flags.backend ?? ir.train.backend;
  if (!BACKENDS.includes(backend)) {
    throw new UsageError(\`--backend must be one of \${BACKENDS.join(", ")}, got \\\`\${backend}\\\`\`);
  }
  const data = dataFromFlag(flags.data, ir.train.data, ${synthSize});
  requireData(data, process.cwd());
  // the weights a new run starts from: --init-from, else the spec's \`weights=\`/\`init from\` files (as
  // \`posec train\` does: matched by name, with a load report saved as OUT/weights-report.json)
  const initFrom = flags["init-from"];
  if (initFrom !== undefined && flags.resume) {
    throw new UsageError("give --resume (continue a run) or --init-from (start a new one from weights), not both");
  }
  const sources = initFrom !== undefined ? [initFromFlag(initFrom)] : (ir.weightSources ?? []);
  const print = (text: string) => process.stderr.write(\`\${text}\\n\`);
  const result = await train({
    ir,
    out: flags.out,
    // the spec's relative data paths are read from the working directory
    baseDir: process.cwd(),
    data,
    ...overrides,
    resume: flags.resume,
    startWeights: sources.length ? (seed) => startingWeights(ir, sources, seed, flags.out, print).then((s) => s.weights) : undefined,
    backend: backend as BackendPreference,
    workerScript: dataWorkerScript(),
    skipBad: flags["skip-bad"],
    progress: createProgress(process.stderr, ir.train.logEvery),
    // the network of ./model.ts instead of the runtime's own builder: the same layers, names and weights
    buildModel: (_ir, weights) => buildModel(weights),
  });
  if (result.skipped) process.stderr.write(\`skipped \${result.skipped} bad samples (--skip-bad)\\n\`);
  process.stdout.write(\`\${result.checkpoint}\\n\`);
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || String((e as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_")) {
    process.stderr.write(\`train: \${(e as Error).message}\\n\\n\${USAGE}\`);
    process.exitCode = 2;
  } else if (isPosecError(e)) {
    process.stderr.write(\`train: error \${e.code}: \${e.message}\\n\${e.hint ? \`  help: \${e.hint}\\n\` : ""}\`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
`;
}
