// Signatures of everything that is not a layer: the `input` line, the `stages` line, inline keypoint
// schemas, and the lines of `loss` and `train`. A setting's first positional argument may pick a
// variant with its own parameters (`optimizer sgd lr=...` vs `optimizer adam lr=...`).
import type { Setting, Span } from "../grammar/ast.js";
import { bindArgs, type Bound, type ParamSpec } from "./args.js";
import { diag, type Diagnostic } from "./diagnostics.js";
import type { Located } from "./sections.js";
import { didYouMean, lookup } from "./suggest.js";
import { EMPTY_ENV } from "./values.js";

export interface SettingDef {
  params?: ParamSpec[];
  variants?: Record<string, ParamSpec[]>;
  /** may appear on several lines (e.g. one `lr_mult` per stage group) */
  repeatable?: boolean;
  doc: string;
}

const float = (name: string, def: number, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: { kind: "float", min: 0 }, default: def, ...extra });
const int = (name: string, def: number | undefined, min = 1, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: { kind: "int", min, max: 2 ** 31 - 1 }, default: def, ...extra });

export const INPUT_PARAMS: ParamSpec[] = [
  { name: "size", type: { kind: "size3" }, required: true, doc: "height x width x channels, e.g. 368x368x3" },
  { name: "scale", type: { kind: "float" }, default: 1 / 256, namedOnly: true },
  { name: "shift", type: { kind: "float" }, default: -0.5, namedOnly: true },
  { name: "order", type: { kind: "choice", options: ["bgr", "rgb"] }, default: "bgr", namedOnly: true },
];

export const STAGES_PARAMS: ParamSpec[] = [int("stride", 8, 1, { namedOnly: true, doc: "stride of the label grid" })];

export const KEYPOINTS_PARAMS: ParamSpec[] = [{ name: "background", type: { kind: "bool" }, namedOnly: true, doc: "add a background heatmap channel" }];

export const KEYPOINT_SETTINGS: Record<string, SettingDef> = {
  joint: {
    params: [
      { name: "name", type: { kind: "names" }, required: true },
      { name: "from", type: { kind: "intList", min: 0, max: 1000 }, namedOnly: true, doc: "dataset keypoint index, or two to take their midpoint" },
    ],
    repeatable: true,
    doc: "a joint, in heatmap channel order",
  },
  limbs: { params: [{ name: "pairs", type: { kind: "namePairs" }, required: true }], repeatable: true, doc: "limbs as joint-joint pairs, in PAF channel order" },
  flip: { params: [{ name: "pairs", type: { kind: "namePairs" }, required: true }], repeatable: true, doc: "joints exchanged by a horizontal flip" },
  background: { params: [{ name: "enabled", type: { kind: "bool" }, required: true }], doc: "a background heatmap channel (default true)" },
  dataset: {
    params: [
      { name: "name", type: { kind: "names" }, required: true },
      { name: "keypoints", type: { kind: "int", min: 1, max: 1000 }, namedOnly: true },
      { name: "sigmas", type: { kind: "floatList", min: 0 }, namedOnly: true },
    ],
    doc: "the annotation format `from` indices refer to, and its OKS sigmas",
  },
};

const branchLoss: ParamSpec[] = [
  { name: "kind", type: { kind: "choice", options: ["l2"] }, required: true },
  { name: "masking", type: { kind: "choice", options: ["masked", "unmasked"] }, flag: true, default: "masked" },
  float("weight", 1, { namedOnly: true }),
];

export const LOSS_SETTINGS: Record<string, SettingDef> = {
  heatmap: { params: branchLoss, doc: "loss of the heatmap branch" },
  paf: { params: branchLoss, doc: "loss of the PAF branch" },
  stage_weights: { params: [{ name: "weights", type: { kind: "floatList", min: 0 }, required: true }], doc: "one weight per stage" },
  hardjoint: {
    params: [
      { name: "topk", type: { kind: "int", min: 1, max: 10_000 }, required: true, namedOnly: true },
      { name: "stages", type: { kind: "intList", min: -1_000_000, max: 1_000_000 }, required: true, namedOnly: true },
      { name: "background", type: { kind: "choice", options: ["exclude", "include", "separate"] }, default: "exclude", namedOnly: true },
    ],
    doc: "online hard-joint mining of the heatmap loss at the given stages",
  },
};

export const TRAIN_SETTINGS: Record<string, SettingDef> = {
  data: {
    variants: {
      coco: [
        { name: "root", type: { kind: "string" }, required: true, doc: "dataset folder" },
        { name: "annotations", type: { kind: "string" }, default: "annotations/person_keypoints_train2017.json", namedOnly: true },
        { name: "images", type: { kind: "string" }, default: "train2017", namedOnly: true },
      ],
      synth: [int("count", 512, 1, { namedOnly: true }), int("size", undefined, 16, { namedOnly: true }), int("seed", 1, 0, { namedOnly: true })],
    },
    doc: "training data: `data coco \"DIR\" annotations=... images=...` or `data synth count=N size=S seed=K`",
  },
  targets: { params: [float("sigma", 7, { namedOnly: true }), float("paf_width", 1, { namedOnly: true })], doc: "Gaussian sigma in input pixels, PAF half-width in label cells" },
  augment: {
    params: [
      { name: "scale", type: { kind: "floatRange", min: 0.01, max: 100 }, default: [0.5, 1.1], namedOnly: true },
      { name: "rotate", type: { kind: "float", min: 0, max: 180 }, default: 40, namedOnly: true },
      { name: "flip", type: { kind: "float", min: 0, max: 1 }, default: 0.5, namedOnly: true },
      { name: "crop", type: { kind: "pair", min: 8, max: 16384 }, namedOnly: true },
      { name: "perturb", type: { kind: "float", min: 0 }, default: 40, namedOnly: true },
    ],
    doc: "augmentation: scale range, rotation in degrees, flip probability, crop size, centre perturbation in pixels",
  },
  optimizer: {
    variants: {
      sgd: [float("lr", 4e-5, { namedOnly: true }), float("momentum", 0.9, { namedOnly: true }), float("weight_decay", 5e-4, { namedOnly: true }), { name: "nesterov", type: { kind: "bool" }, default: false, namedOnly: true }],
      adam: [float("lr", 1e-4, { namedOnly: true }), float("beta1", 0.9, { namedOnly: true }), float("beta2", 0.999, { namedOnly: true }), float("eps", 1e-8, { namedOnly: true }), float("weight_decay", 0, { namedOnly: true })],
    },
    doc: "optimizer and its hyper-parameters",
  },
  schedule: {
    variants: {
      constant: [],
      step: [float("gamma", 0.333, { namedOnly: true }), int("every", 136106, 1, { namedOnly: true })],
      cosine: [float("min_lr", 0, { namedOnly: true })],
      poly: [float("power", 0.9, { namedOnly: true })],
    },
    doc: "learning-rate schedule",
  },
  warmup: { params: [int("steps", 0, 0)], doc: "linear warm-up steps" },
  lr_mult: {
    params: [
      { name: "stages", type: { kind: "intList", min: -1_000_000, max: 1_000_000 }, required: true, namedOnly: true },
      float("weight", 1, { namedOnly: true }),
      float("bias", 2, { namedOnly: true }),
    ],
    repeatable: true,
    doc: "learning-rate multipliers for the weights and biases of the given stages",
  },
  batch: { params: [int("size", undefined, 1, { required: true })], doc: "images per step" },
  steps: { params: [int("count", undefined, 1, { required: true })], doc: "training steps" },
  epochs: { params: [int("count", undefined, 1, { required: true })], doc: "passes over the data" },
  seed: { params: [int("value", undefined, 0, { required: true })], doc: "random seed" },
  checkpoint: { params: [int("every", 500, 1, { namedOnly: true })], doc: "checkpoint cadence in steps" },
  log: { params: [int("every", 10, 1, { namedOnly: true })], doc: "logging cadence in steps" },
  backend: { params: [{ name: "name", type: { kind: "choice", options: ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] }, required: true }], doc: "preferred tfjs backend" },
};

export interface BoundSetting extends Bound {
  setting: Setting;
  variant?: string;
}

/** Binds every line of a settings section against its table; unknown or repeated names are errors. */
export function bindSettings(lines: readonly Located<Setting>[], table: Record<string, SettingDef>, section: string, diags: Diagnostic[]): Map<string, BoundSetting[]> {
  const out = new Map<string, BoundSetting[]>();
  for (const { decl: s } of lines) {
    const def = lookup(table, s.name.name);
    if (!def) {
      diags.push(diag("PN2002", s.name.span, `\`${section}\` has no setting \`${s.name.name}\``, { help: didYouMean(s.name.name, Object.keys(table)) ?? `settings: ${Object.keys(table).join(", ")}` }));
      continue;
    }
    const prev = out.get(s.name.name);
    if (prev && !def.repeatable) {
      diags.push(diag("PN2005", s.span, `\`${s.name.name}\` is set twice in \`${section}\``, { labels: [{ span: prev[0].setting.span, message: "first set here" }] }));
      continue;
    }
    let params = def.params ?? [];
    let args = s.args;
    let variant: string | undefined;
    if (def.variants) {
      const first = args[0];
      const names = Object.keys(def.variants);
      const word = first && first.kind === "Positional" && first.value.kind === "Name" ? first.value.name : undefined;
      if (!word || !lookup(def.variants, word)) {
        const span: Span = first?.span ?? s.name.span;
        diags.push(diag(word ? "PN2001" : "PN2012", span, `\`${s.name.name}\` needs one of ${names.map((n) => `\`${n}\``).join(", ")}${word ? `, got \`${word}\`` : ""}`, { help: word ? didYouMean(word, names) : undefined }));
        continue;
      }
      variant = word;
      params = def.variants[word];
      args = args.slice(1);
    }
    const bound = bindArgs(args, params, EMPTY_ENV, { what: `\`${s.name.name}${variant ? " " + variant : ""}\``, span: s.name.span }, diags);
    if (!bound) continue;
    out.set(s.name.name, [...(prev ?? []), { ...bound, setting: s, variant }]);
  }
  return out;
}
