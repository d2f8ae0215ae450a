// The training options, defined once: name, type, range, default and help. `posec train`'s flags, the
// generated tfjs program's argument parsing and usage text, and the generated PyTorch train.py's
// argparse (through spec.py's TRAIN_OPTIONS) are all made from this table, so that a flag means the same
// everywhere it exists. Which programs offer an option is part of its entry.
import { backendList, BACKEND_PREFERENCES } from "./backends.js";

/** The programs that train: `posec train`, the tfjs program (`posec build --target tfjs`), train.py. */
export type Trainer = "posec" | "tfjs" | "pytorch";

export interface TrainOption {
  /** the flag without its dashes */
  name: string;
  /** the runtime's `train()` option it sets (runtime/train/loop.ts TrainOptions), where it is one */
  key?: string;
  type: "string" | "int" | "number" | "boolean";
  /** placeholder in usage texts */
  value?: string;
  /** least value of an int */
  least?: number;
  /** a number that must be > 0 */
  positive?: true;
  choices?: readonly string[];
  /** a default that is not the spec's (most options default to the spec's setting) */
  default?: number;
  help: string;
  /** train.py's help and placeholder, where they differ in detail (per process, no `synth`) */
  pythonHelp?: string;
  pythonValue?: string;
  trainers: readonly Trainer[];
}

const ALL: readonly Trainer[] = ["posec", "tfjs", "pytorch"];
const TFJS: readonly Trainer[] = ["posec", "tfjs"];

export const TRAIN_OPTIONS: readonly TrainOption[] = [
  { name: "data", type: "string", value: "DIR|synth", pythonValue: "DIR", help: "a COCO-format dataset folder, or `synth` for posec's synthetic people (default: the spec's)", pythonHelp: "a COCO-format dataset folder (a COCO root, or posec synth's folder; default: the spec's)", trainers: ALL },
  { name: "out", type: "string", value: "DIR", help: "run folder for checkpoints, metrics.jsonl and loss.png (default: runs/<model>)", pythonHelp: "run folder for checkpoint.pt, model.pt and metrics.jsonl (default: runs/<model>)", trainers: ALL },
  { name: "steps", key: "steps", type: "int", value: "N", least: 1, help: "training steps (overrides the spec)", trainers: ALL },
  { name: "epochs", key: "epochs", type: "int", value: "N", least: 1, help: "passes over the data (overrides the spec)", trainers: ALL },
  { name: "batch", key: "batch", type: "int", value: "N", least: 1, help: "images per step (overrides the spec)", pythonHelp: "images per process and step (overrides the spec)", trainers: ALL },
  { name: "lr", key: "lr", type: "number", value: "X", positive: true, help: "base learning rate (overrides the spec)", trainers: ALL },
  { name: "seed", key: "seed", type: "int", value: "N", least: 0, help: "random seed of data order and augmentation (overrides the spec)", trainers: ALL },
  { name: "resume", type: "boolean", help: "continue from the run folder's last checkpoint", trainers: TFJS },
  {
    name: "init-from",
    type: "string",
    value: "FILE",
    help: "start from these weights (a .caffemodel, .pth/.pt state dict, .onnx model, posec checkpoint or run folder), matched by name, with a fresh optimizer and schedule; replaces the spec's `init from`/`weights=`",
    pythonHelp: "start from a state dict of this model (torch.save of model.state_dict(), or a checkpoint holding one under \"model\" or \"state_dict\"), with a fresh optimizer and schedule: tensors matched by key, misshapen ones refused, the report in OUT/weights-report.json",
    trainers: ALL,
  },
  { name: "backend", type: "string", value: "B", choices: BACKEND_PREFERENCES, help: `${backendList()} (default: the spec's, else auto)`, trainers: TFJS },
  { name: "threads", key: "threads", type: "int", value: "N", least: 1, help: "wasm threads (default: the number of cores)", pythonHelp: "CPU threads per process (default: cores / processes)", trainers: ALL },
  { name: "workers", key: "dataWorkers", type: "int", value: "N", least: 0, default: 0, help: "worker threads generating targets", trainers: TFJS },
  { name: "skip-bad", type: "boolean", help: "skip unreadable images or annotations (and count them) instead of stopping", trainers: TFJS },
  { name: "time-limit", key: "timeLimit", type: "number", value: "S", positive: true, help: "stop, with a checkpoint, after S seconds", trainers: TFJS },
];

export function optionsFor(trainer: Trainer): TrainOption[] {
  return TRAIN_OPTIONS.filter((o) => o.trainers.includes(trainer));
}

/** "at least 1", "positive", "auto, ... or cpu": what a value must be, for messages. */
export function requirement(o: TrainOption): string {
  if (o.choices) return `one of ${o.choices.join(", ")}`;
  if (o.type === "int") return `a whole number of at least ${o.least ?? 0}`;
  if (o.positive) return "a positive number";
  return o.type === "number" ? "a number" : "text";
}

/** Checks a parsed value against the option's range; returns the message for a bad one. */
export function checkOption(o: TrainOption, value: string | number | boolean): string | null {
  const bad = `--${o.name} must be ${requirement(o)}, got \`${String(value)}\``;
  if (o.choices) return o.choices.includes(String(value)) ? null : bad;
  if (o.type === "int") return typeof value === "number" && Number.isInteger(value) && value >= (o.least ?? -Infinity) ? null : bad;
  if (o.type === "number") return typeof value === "number" && Number.isFinite(value) && (!o.positive || value > 0) ? null : bad;
  return null;
}

/** Usage lines `  --steps N         training steps ...`, aligned. */
export function usageLines(trainer: Trainer, extra: { flag: string; help: string }[] = []): string[] {
  const rows = [
    ...optionsFor(trainer).map((o) => ({ flag: `--${o.name}${o.value ? ` ${o.value}` : ""}`, help: `${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ""}` })),
    ...extra,
  ];
  const width = Math.max(...rows.map((r) => r.flag.length)) + 2;
  return rows.map((r) => `  ${r.flag.padEnd(width)}${r.help}`);
}
