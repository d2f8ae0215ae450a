// Signatures of everything that is not a layer: the `input` line, the `stages` line, inline keypoint
// schemas, and the lines of `loss` and `train`. A setting's first positional argument may pick a
// variant with its own parameters (`optimizer sgd lr=...` vs `optimizer adam lr=...`).
import type { Setting, Span } from "../grammar/ast.js";
import { bindArgs, type Bound, type ParamSpec } from "./bind-args.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import type { Located } from "./sections.js";
import { didYouMean, lookup } from "./suggest.js";
import { EMPTY_ENV } from "./values.js";
import { BACKEND_PREFERENCES } from "../core/backends.js";

export interface SettingDef {
  params?: ParamSpec[];
  variants?: Record<string, ParamSpec[]>;
  /** may appear on several lines (e.g. one `lr_mult` per stage group) */
  repeatable?: boolean;
  doc: string;
}

const float = (name: string, def: number, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: { kind: "float", min: 0 }, default: def, ...extra });
// Ranges of the training settings: what makes sense for an optimizer, not merely what parses
// (a zero learning rate, a momentum of 5 or an Adam beta of 1.5 are mistakes that `check` reports).
/** learning rate: positive, at most 10 */
const lr = (def: number): ParamSpec => float("lr", def, { namedOnly: true, type: { kind: "float", above: 0, max: 10 } });
/** momentum and Adam betas: 0 <= x < 1 */
const fraction = (name: string, def: number): ParamSpec => float(name, def, { namedOnly: true, type: { kind: "float", min: 0, below: 1 } });
/** weight decay: 0 <= x <= 1 */
const decay = (def: number): ParamSpec => float("weight_decay", def, { namedOnly: true, type: { kind: "float", min: 0, max: 1 } });
const int = (name: string, def: number | undefined, min = 1, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, type: { kind: "int", min, max: 2 ** 31 - 1 }, default: def, ...extra });

export const INPUT_PARAMS: ParamSpec[] = [
  { name: "size", type: { kind: "size3" }, required: true, doc: "height x width x channels, e.g. 368x368x3" },
  { name: "scale", type: { kind: "float", above: 0 }, default: 1 / 256, namedOnly: true, doc: "pixel multiplier (positive)" },
  { name: "shift", type: { kind: "float" }, default: -0.5, namedOnly: true },
  { name: "order", type: { kind: "choice", options: ["bgr", "rgb"] }, default: "bgr", namedOnly: true },
  { name: "mean", type: { kind: "floatList" }, namedOnly: true, doc: "per-channel mean subtracted after scale/shift, e.g. ImageNet's 0.485,0.456,0.406" },
  { name: "std", type: { kind: "floatList", above: 0 }, namedOnly: true, doc: "per-channel standard deviation divided by, e.g. 0.229,0.224,0.225" },
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
      { name: "sigmas", type: { kind: "floatList", above: 0 }, namedOnly: true },
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
      // the synthetic generator draws people of at least 32 pixels (runtime/data/synth.ts)
      synth: [int("count", 512, 1, { namedOnly: true, type: { kind: "int", min: 1, max: 10_000_000 } }), int("size", undefined, 32, { namedOnly: true, type: { kind: "int", min: 32, max: 16384 } }), int("seed", 1, 0, { namedOnly: true })],
    },
    doc: "training data: `data coco \"DIR\" annotations=... images=...` or `data synth count=N size=S seed=K`",
  },
  targets: { params: [float("sigma", 7, { namedOnly: true, type: { kind: "float", above: 0, max: 1000 } }), float("paf_width", 1, { namedOnly: true, type: { kind: "float", above: 0, max: 1000 } })], doc: "Gaussian sigma in input pixels, PAF half-width in label cells" },
  augment: {
    params: [
      { name: "scale", type: { kind: "floatRange", min: 0.01, max: 100 }, default: [0.5, 1.1], namedOnly: true },
      { name: "rotate", type: { kind: "float", min: 0, max: 180 }, default: 40, namedOnly: true },
      { name: "flip", type: { kind: "float", min: 0, max: 1 }, default: 0.5, namedOnly: true },
      { name: "crop", type: { kind: "pair", min: 8, max: 16384 }, namedOnly: true },
      { name: "perturb", type: { kind: "float", min: 0, max: 16384 }, default: 40, namedOnly: true },
    ],
    doc: "augmentation: scale range, rotation in degrees, flip probability, crop size, centre perturbation in pixels",
  },
  optimizer: {
    variants: {
      sgd: [lr(4e-5), fraction("momentum", 0.9), decay(5e-4), { name: "nesterov", type: { kind: "bool" }, default: false, namedOnly: true }],
      adam: [lr(1e-4), fraction("beta1", 0.9), fraction("beta2", 0.999), float("eps", 1e-8, { namedOnly: true, type: { kind: "float", above: 0, max: 1 } }), decay(0)],
    },
    doc: "optimizer and its hyper-parameters",
  },
  schedule: {
    variants: {
      constant: [],
      step: [float("gamma", 0.333, { namedOnly: true, type: { kind: "float", above: 0, max: 1 } }), int("every", 136106, 1, { namedOnly: true })],
      cosine: [float("min_lr", 0, { namedOnly: true, type: { kind: "float", min: 0, max: 10 } })],
      poly: [float("power", 0.9, { namedOnly: true, type: { kind: "float", above: 0, max: 100 } })],
    },
    doc: "learning-rate schedule",
  },
  warmup: { params: [int("steps", 0, 0)], doc: "linear warm-up steps" },
  lr_mult: {
    params: [
      { name: "stages", type: { kind: "intList", min: -1_000_000, max: 1_000_000 }, required: true, namedOnly: true },
      float("weight", 1, { namedOnly: true, type: { kind: "float", min: 0, max: 1e6 } }),
      float("bias", 2, { namedOnly: true, type: { kind: "float", min: 0, max: 1e6 } }),
    ],
    repeatable: true,
    doc: "learning-rate multipliers for the weights and biases of the given stages",
  },
  batch: { params: [int("size", undefined, 1, { required: true, type: { kind: "int", min: 1, max: 65536 } })], doc: "images per step" },
  steps: { params: [int("count", undefined, 1, { required: true })], doc: "training steps" },
  epochs: { params: [int("count", undefined, 1, { required: true })], doc: "passes over the data" },
  seed: { params: [int("value", undefined, 0, { required: true })], doc: "random seed" },
  checkpoint: { params: [int("every", 500, 1, { namedOnly: true })], doc: "checkpoint cadence in steps" },
  log: { params: [int("every", 10, 1, { namedOnly: true })], doc: "logging cadence in steps" },
  backend: { params: [{ name: "name", type: { kind: "choice", options: BACKEND_PREFERENCES }, required: true }], doc: "preferred tfjs backend" },
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
