// The IR: the single contract between the compiler and everything that executes or emits a model.
// It is plain JSON (no classes, no undefined, no NaN) so that it can be written, validated with
// ajv against core/ir/schema.ts and read back by any consumer. Every node carries the span of
// the spec text it came from, so that runtime errors can point at the spec line.
//
// Conventions fixed here (and nowhere else):
// - Tensors are rank-3 per sample, channels-last: [height, width, channels]. The batch axis is implicit.
// - A node has exactly one output tensor, named like the node.
// - Node names are unique, match /^[A-Za-z_][A-Za-z0-9_]*$/ and are used verbatim as layer names by every
//   backend (tfjs layer names, ONNX node names, PyTorch attribute names).
// - Convolution weights are described abstractly (kernel, filters, groups); each emitter owns its layout.
import type { BackendPreference } from "../backends.js";
import type { OP_TABLE, OpAttrsOf } from "../ops/index.js";


export const IR_FORMAT = "posec-ir";
export const IR_VERSION = 1;

/** 1-based line and column of the first and last character (end is exclusive of the following one). */
export interface SourceSpan {
  file: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** `file:line:col`, the way diagnostics and generated comments point at a spec. */
export function spanText(s: SourceSpan): string {
  return `${s.file}:${s.line}:${s.col}`;
}

export type { Pair, Padding, WeightInit } from "./basic-types.js";
import type { Pair } from "./basic-types.js";

/**
 * Each op's attributes, derived from the op table (core/ops/): one declaration per op gives this type
 * and the op's part of the JSON Schema. Documented there.
 */
export type OpAttrs = OpAttrsOf<typeof OP_TABLE>;
export type ConvAttrs = OpAttrs["conv"];
export type PoolAttrs = OpAttrs["maxpool"];
export type IrOp = keyof OpAttrs;

export interface IrNodeOf<K extends IrOp> {
  name: string;
  op: K;
  inputs: string[];
  outputs: [string];
  attrs: OpAttrs[K];
  /** "backbone" | "adapter" | "stage<N>.heatmap" | "stage<N>.paf" */
  part: string;
  span: SourceSpan;
  /** block call sites, outermost first, that led to this node (for error messages) */
  callers: SourceSpan[];
  /** the innermost block instance or group holding this node (an index into Ir.scopes; 0: the model itself) */
  scope: number;
  /** the node's own member name inside that scope (`conv1`, `bn1`, `0`, `conv1_1_relu`): its name ends with it */
  label: string;
}
export type IrNode = { [K in IrOp]: IrNodeOf<K> }[IrOp];

/** A block argument as bound at the call: numbers, flags, names and strings, lists (block-typed: the block's name). */
export type IrArg = number | boolean | string | IrArg[];

/**
 * One instance of the spec's structure: the model, the backbone, a block call, a labelled `{ }` group, a stage
 * group, a stage or a stage's part. Scopes form a tree (parent before child); every node names its innermost one.
 * A node's module path (e.g. the PyTorch state-dict prefix `layer1.0.conv1`) is the non-empty labels of its
 * scope chain plus its own label (core/torch-names.ts, torchPaths).
 */
export interface IrScope {
  /** index in Ir.scopes; 0 is the model */
  id: number;
  /** null only for the model */
  parent: number | null;
  /**
   * model; backbone (the inline backbone or the backbone's block call); adapter; block (a block call); group
   * (a labelled `{ }`); stages (a stage group of several stages, labelled "0".."n-1"); stage (one stage);
   * part (a stage's trunk or head)
   */
  kind: "model" | "backbone" | "adapter" | "block" | "group" | "stages" | "stage" | "part";
  /** the member name inside the parent; "" when its members belong to the parent (model, backbone, alias calls) */
  label: string;
  /** the block definition's name for a block call, else null */
  block: string | null;
  /** a block call's bound arguments (defaults included); a stage head's `out`; else empty */
  args: Record<string, IrArg>;
  /** the name prefix of the auto-named layers inside (`layer1_0_`, `stage2_paf_`) */
  prefix: string;
  /** the block declaration or the group body: instances of one definition share it */
  definition: SourceSpan;
  /** the call, group statement or stage group that made this instance */
  span: SourceSpan;
}

export interface IrTensor {
  name: string;
  /** channel count (static: it does not depend on the input size) */
  channels: number;
  /** the node producing it, or null for the model input */
  producer: string | null;
}

export interface InputIR {
  tensor: string;
  height: number;
  width: number;
  channels: number;
  /**
   * network input[c] = (pixel[c] * scale + shift - mean[c]) / std[c], pixels in 0..255, channels in
   * channelOrder. `mean` and `std` (one value per channel, e.g. ImageNet's) are present only when the
   * spec gives them; absent, the normalisation is the uniform pixel * scale + shift.
   */
  scale: number;
  shift: number;
  mean?: number[];
  std?: number[];
  channelOrder: "bgr" | "rgb";
  span: SourceSpan;
}

export interface JointIR {
  name: string;
  /** dataset keypoint indices: one = copy, two = midpoint (labelled only if both are) */
  from: number[];
}
export interface LimbIR {
  name: string;
  /** joint indices; limb i owns PAF channels 2i (x) and 2i+1 (y) */
  from: number;
  to: number;
}
export interface KeypointsIR {
  name: string;
  /** heatmap channel order; the background channel, when present, comes last */
  joints: JointIR[];
  limbs: LimbIR[];
  /** joint index pairs exchanged by a horizontal flip */
  flipPairs: Pair[];
  background: boolean;
  heatmapChannels: number;
  pafChannels: number;
  /** the annotation format the `from` indices refer to */
  dataset: { name: string; keypoints: string[]; sigmas: number[] } | null;
  span: SourceSpan;
}

/**
 * What one stage produces. A stage may produce heatmaps only (hand and face detectors, BODY_25's last
 * stages), PAFs only (BODY_25's first stages) or both (CMU-Pose); at least one is non-null.
 */
export interface StageOutputIR {
  stage: number;
  heatmaps: string | null;
  pafs: string | null;
}
export interface StagesIR {
  count: number;
  /** the label-grid stride every stage output must have */
  stride: number;
  /** the features the stages start from (the adapter's output) */
  features: string;
  /** one entry per stage, in order; how stages read each other is in the nodes (concats), not here */
  outputs: StageOutputIR[];
  span: SourceSpan;
}

export interface BranchLossIR {
  kind: "l2";
  masked: boolean;
  weight: number;
}
export interface HardJointIR {
  topk: number;
  stages: number[];
  /**
   * exclude: mining over the keypoint channels only, background contributes nothing at those stages;
   * include: the background channel competes as one more joint;
   * separate: mining over the keypoints, plus the background's plain masked L2.
   */
  background: "exclude" | "include" | "separate";
  span: SourceSpan;
}
export interface LossIR {
  heatmap: BranchLossIR;
  paf: BranchLossIR;
  /** one weight per stage, index 0 = stage 1 */
  stageWeights: number[];
  /** per sample: sum over pixels and channels; over the batch: mean */
  reduction: "sample_sum_batch_mean";
  hardjoint: HardJointIR | null;
  span: SourceSpan;
}

export type DataIR =
  | { kind: "coco"; root: string; annotations: string; images: string }
  | { kind: "synth"; images: number; size: number; seed: number };
export type OptimizerIR =
  | { kind: "sgd"; lr: number; momentum: number; weightDecay: number; nesterov: boolean }
  | { kind: "adam"; lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number };
export type ScheduleIR =
  | { kind: "constant" }
  | { kind: "step"; gamma: number; every: number }
  | { kind: "cosine"; minLr: number }
  | { kind: "poly"; power: number };
export interface LrMultIR {
  stages: number[];
  weight: number;
  bias: number;
}
export interface TrainIR {
  data: DataIR;
  targets: { sigma: number; pafWidth: number };
  augment: { scale: Pair; rotate: number; flip: number; crop: Pair; centerPerturb: number };
  optimizer: OptimizerIR;
  schedule: ScheduleIR;
  warmup: number;
  lrMult: LrMultIR[];
  batch: number;
  /** exactly one of steps / epochs is non-null */
  steps: number | null;
  epochs: number | null;
  seed: number;
  checkpointEvery: number;
  logEvery: number;
  backend: BackendPreference;
  span: SourceSpan;
}

/** The decoder's defaults (CMU's demo thresholds; `posec infer/eval` flags override them). */
export interface DecoderIR {
  /** thre1: heatmap peak threshold */
  peakThreshold: number;
  /** Gaussian smoothing of the heatmaps before non-maximum suppression, in image pixels */
  peakSigma: number;
  /** sub-pixel peak positions (parabolic refinement of the smoothed map) */
  subpixel: boolean;
  /** thre2: PAF sample threshold */
  pafThreshold: number;
  /** samples along a candidate limb (CMU: 10) */
  pafSamples: number;
  /** fraction of samples that must exceed pafThreshold (CMU: 0.8) */
  pafMinFraction: number;
  /** limbs longer than this fraction of the image height are penalised (CMU: 0.5) */
  distancePrior: number;
  minParts: number;
  minMeanScore: number;
  /** upsampling of the maps to image resolution */
  interpolation: "bicubic" | "bilinear";
}

/**
 * How labels are encoded as maps and decoded back (core/ir/codec.ts computes it once): the label
 * grid, the target generation and the decoder defaults. The runtime and the emitters read these here.
 */
export interface CodecIR {
  /** one label cell per `stride` input pixels (= stages.stride) */
  stride: number;
  /** [height, width] of the label grid at the spec's input size: the stage outputs' size (shape inference) */
  grid: Pair;
  /** Gaussian sigma of the heatmaps and half-width of the PAF segments, in input pixels */
  sigma: number;
  pafWidth: number;
  heatmapCombine: "sum-clip" | "max";
  pafCombine: "average" | "overwrite";
  pafConvention: "centered" | "cmu";
  /** CMU's target_dist: the scale augmentation's target person height, as a fraction of the input */
  targetDist: number;
  decoder: DecoderIR;
}

/**
 * A pose model has keypoints, stages, loss and train; its outputs are `heatmaps` (the last stage that
 * produces heatmaps) and `pafs` (the last stage that produces PAFs); a schema without limbs
 * (`pafChannels` 0: hand, face) has no PAF output at all. A spec without `stages` describes a bare backbone (e.g. an ImageNet classifier, to check
 * parameter totals against published ones): those four and `codec` are null and its one output is `features`.
 */
export interface Ir {
  format: typeof IR_FORMAT;
  version: typeof IR_VERSION;
  model: { name: string; span: SourceSpan };
  /** spec files that contributed, the root spec first */
  sources: string[];
  input: InputIR;
  keypoints: KeypointsIR | null;
  tensors: IrTensor[];
  /** topologically ordered */
  nodes: IrNode[];
  /** the block instances and groups the nodes sit in, parents first (scope 0 is the model) */
  scopes: IrScope[];
  stages: StagesIR | null;
  /** output name -> tensor name */
  outputs: Record<string, string>;
  loss: LossIR | null;
  train: TrainIR | null;
  /** null for a bare backbone */
  codec: CodecIR | null;
  /** weights files the spec starts from, in the order they apply (absent when it names none) */
  weightSources?: WeightSourceIR[];
}

/**
 * A weights file named by the spec: `init from "FILE"` (scope `model`: any layer) or the backbone's
 * `weights="FILE"` (scope `backbone`: only the backbone's layers, listed in `nodes`). `posec train` loads
 * them when it does not resume; the weights are never part of a node's attributes.
 */
export interface WeightSourceIR {
  /** the path as written, resolved against the spec file that names it (a display path, like `sources`) */
  path: string;
  scope: "backbone" | "model";
  /** the layers the file may set; for scope `model`, every layer (left empty) */
  nodes: string[];
  span: SourceSpan;
}

/** An IR known to describe a pose model. */
export type PoseIr = Ir & { keypoints: KeypointsIR; stages: StagesIR; loss: LossIR; train: TrainIR; codec: CodecIR };

export function isPoseIr(ir: Ir): ir is PoseIr {
  return ir.stages !== null && ir.keypoints !== null && ir.loss !== null && ir.train !== null && ir.codec !== null;
}
