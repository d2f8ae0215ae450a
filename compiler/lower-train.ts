// `loss { ... }` and `train { ... }` -> LossIR and TrainIR, with every default filled in and the
// checks that need the rest of the model (stage numbers within 1..N, topk within the joint count).
import type { DeclOf, Setting, Span } from "../grammar/ast.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { irSpan } from "./elaborate.js";
import type { DataIR, InputIR, KeypointsIR, LossIR, LrMultIR, OptimizerIR, Pair, ScheduleIR, TrainIR } from "../core/ir/types.js";
import type { Located } from "./sections.js";
import { bindSettings, LOSS_SETTINGS, TRAIN_SETTINGS, type BoundSetting } from "./settings.js";

function checkStages(list: number[], span: Span, count: number, stagesDecl: DeclOf<"Stages">, what: string, diags: Diagnostic[]): boolean {
  const bad = list.filter((s) => s < 1 || s > count);
  if (bad.length === 0) return true;
  diags.push(
    diag("PN2010", span, `${what} names stage${bad.length > 1 ? "s" : ""} ${bad.join(", ")} but the model has stages 1..${count}`, {
      labels: [{ span: stagesDecl.count?.span ?? stagesDecl.span, message: `${count} stages declared here` }],
    }),
  );
  return false;
}

export function lowerLoss(
  lines: Located<Setting>[],
  decl: Span,
  keypoints: { ir: KeypointsIR; span: Span },
  stagesDecl: DeclOf<"Stages">,
  count: number,
  diags: Diagnostic[],
): LossIR | undefined {
  const kp = keypoints.ir;
  const before = diags.length;
  const s = bindSettings(lines, LOSS_SETTINGS, "loss", diags);
  const branch = (b?: BoundSetting) => ({ kind: "l2" as const, masked: (b?.values.masking ?? "masked") === "masked", weight: (b?.values.weight as number | undefined) ?? 1 });
  const sw = s.get("stage_weights")?.[0];
  const stageWeights = (sw?.values.weights as number[] | undefined) ?? new Array<number>(count).fill(1);
  if (stageWeights.length !== count) {
    diags.push(diag("PN2004", sw!.setting.span, `\`stage_weights\` needs ${count} values, one per stage; got ${stageWeights.length}`, { labels: [{ span: stagesDecl.count?.span ?? stagesDecl.span, message: `${count} stages declared here` }] }));
  }
  let hardjoint: LossIR["hardjoint"] = null;
  const hj = s.get("hardjoint")?.[0];
  if (hj) {
    const topk = hj.values.topk as number;
    const stages = [...new Set(hj.values.stages as number[])].sort((a, b) => a - b);
    const background = hj.values.background as "exclude" | "include" | "separate";
    checkStages(stages, hj.spans.stages, count, stagesDecl, "`hardjoint`", diags);
    if (background !== "exclude" && !kp.background) {
      diags.push(diag("PN2004", hj.spans.background, `background=${background} but the keypoint schema \`${kp.name}\` has no background channel`, { help: "use background=exclude, or enable the background channel" }));
    }
    const joints = kp.joints.length + (background === "include" && kp.background ? 1 : 0);
    if (topk > joints) {
      diags.push(
        diag("PN2009", hj.spans.topk, `topk=${topk} exceeds the ${joints} joints of \`${kp.name}\`${background === "include" ? " (background included)" : ""}`, {
          labels: [{ span: keypoints.span, message: `${kp.joints.length} keypoints defined here` }],
          help: `use topk=${Math.min(joints, 8)} or less`,
        }),
      );
    }
    hardjoint = { topk, stages, background, span: irSpan(hj.setting.span) };
  }
  if (diags.length > before) return undefined;
  return { heatmap: branch(s.get("heatmap")?.[0]), paf: branch(s.get("paf")?.[0]), stageWeights, reduction: "sample_sum_batch_mean", hardjoint, span: irSpan(decl) };
}

const DEFAULT_SCHEDULE: ScheduleIR = { kind: "constant" };

export function lowerTrain(lines: Located<Setting>[], decl: Span, input: InputIR, stagesDecl: DeclOf<"Stages">, count: number, diags: Diagnostic[]): TrainIR | undefined {
  const before = diags.length;
  const s = bindSettings(lines, TRAIN_SETTINGS, "train", diags);
  const one = (name: string) => s.get(name)?.[0];
  const v = (name: string, key: string) => one(name)?.values[key];

  const d = one("data");
  const data: DataIR =
    d?.variant === "coco"
      ? { kind: "coco", root: d.values.root as string, annotations: d.values.annotations as string, images: d.values.images as string }
      : { kind: "synth", images: (d?.values.count as number | undefined) ?? 512, size: (d?.values.size as number | undefined) ?? Math.max(input.height, input.width), seed: (d?.values.seed as number | undefined) ?? 1 };

  const o = one("optimizer");
  const optimizer: OptimizerIR =
    o?.variant === "adam"
      ? { kind: "adam", lr: o.values.lr as number, beta1: o.values.beta1 as number, beta2: o.values.beta2 as number, epsilon: o.values.eps as number, weightDecay: o.values.weight_decay as number }
      : { kind: "sgd", lr: (o?.values.lr as number | undefined) ?? 4e-5, momentum: (o?.values.momentum as number | undefined) ?? 0.9, weightDecay: (o?.values.weight_decay as number | undefined) ?? 5e-4, nesterov: (o?.values.nesterov as boolean | undefined) ?? false };

  const sc = one("schedule");
  let schedule = DEFAULT_SCHEDULE;
  if (sc?.variant === "step") schedule = { kind: "step", gamma: sc.values.gamma as number, every: sc.values.every as number };
  if (sc?.variant === "cosine") schedule = { kind: "cosine", minLr: sc.values.min_lr as number };
  if (sc?.variant === "poly") schedule = { kind: "poly", power: sc.values.power as number };

  const lrMult: LrMultIR[] = [];
  // each stage gets its multipliers from one line: a stage named twice would have two
  const claimedBy = new Map<number, BoundSetting>();
  for (const m of s.get("lr_mult") ?? []) {
    const stages = [...new Set(m.values.stages as number[])].sort((a, b) => a - b);
    const twice = stages.filter((st) => claimedBy.has(st));
    if (twice.length > 0) {
      const first = claimedBy.get(twice[0])!;
      diags.push(
        diag("PN2005", m.spans.stages, `\`lr_mult\` names stage${twice.length > 1 ? "s" : ""} ${twice.join(", ")} again: each stage's multipliers are set by one line`, {
          labels: [{ span: first.spans.stages, message: `stage ${twice[0]} first named here` }],
        }),
      );
    }
    for (const st of stages) if (!claimedBy.has(st)) claimedBy.set(st, m);
    if (checkStages(stages, m.spans.stages, count, stagesDecl, "`lr_mult`", diags)) lrMult.push({ stages, weight: m.values.weight as number, bias: m.values.bias as number });
  }
  // training crops are the network input (runtime/data/config.ts rejects anything else after
  // generating data): say so at check time, at both places
  const crop = one("augment")?.values.crop as Pair | undefined;
  if (crop && (crop[0] !== input.height || crop[1] !== input.width)) {
    diags.push(
      diag("PN2004", one("augment")!.spans.crop, `\`augment crop=${crop[0]}x${crop[1]}\` differs from the model input ${input.height}x${input.width}: training crops must be the input size`, {
        labels: [{ span: input.span, message: `input ${input.height}x${input.width} declared here` }],
        help: `remove \`crop=\` (it defaults to the input size) or write crop=${input.height}x${input.width}`,
      }),
    );
  }
  // a cosine schedule that ends above where it starts is a typo
  if (sc?.variant === "cosine" && (sc.values.min_lr as number) > optimizer.lr) {
    diags.push(diag("PN2004", sc.spans.min_lr, `\`min_lr=${sc.values.min_lr as number}\` is above the learning rate ${optimizer.lr}`, { help: "the cosine schedule decays from lr to min_lr" }));
  }
  const steps = v("steps", "count") as number | undefined;
  const epochs = v("epochs", "count") as number | undefined;
  if (steps !== undefined && epochs !== undefined) {
    diags.push(diag("PN2005", one("epochs")!.setting.span, "set either `steps` or `epochs`, not both", { labels: [{ span: one("steps")!.setting.span, message: "steps set here" }] }));
  }
  if (diags.length > before) return undefined;
  return {
    data,
    targets: { sigma: (v("targets", "sigma") as number | undefined) ?? 7, pafWidth: (v("targets", "paf_width") as number | undefined) ?? 1 },
    augment: {
      scale: (v("augment", "scale") as Pair | undefined) ?? [0.5, 1.1],
      rotate: (v("augment", "rotate") as number | undefined) ?? 40,
      flip: (v("augment", "flip") as number | undefined) ?? 0.5,
      crop: (v("augment", "crop") as Pair | undefined) ?? [input.height, input.width],
      centerPerturb: (v("augment", "perturb") as number | undefined) ?? 40,
    },
    optimizer,
    schedule,
    warmup: (v("warmup", "steps") as number | undefined) ?? 0,
    lrMult,
    batch: (v("batch", "size") as number | undefined) ?? 10,
    steps: epochs === undefined ? (steps ?? 1000) : null,
    epochs: epochs ?? null,
    seed: (v("seed", "value") as number | undefined) ?? 1,
    checkpointEvery: (v("checkpoint", "every") as number | undefined) ?? 500,
    logEvery: (v("log", "every") as number | undefined) ?? 10,
    backend: (v("backend", "name") as TrainIR["backend"] | undefined) ?? "auto",
    span: irSpan(decl),
  };
}
