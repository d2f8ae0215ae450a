// The data pipeline's settings, derived from the IR (the single source of strides, channel tables and
// training options) plus the few choices the IR does not carry, each with its documented default.
import type { InputIR, KeypointsIR, StagesIR, TrainIR } from "../../compiler/ir/types.js";
import { PosecError } from "../errors.js";
import type { AugmentOptions } from "./augment.js";
import type { SampleConfig } from "./sample.js";
import type { TargetOptions } from "./targets.js";

export interface SampleConfigOverrides {
  /** label grid; default ceil(input / stride). Pass the network's output size from shape inference. */
  gridWidth?: number;
  gridHeight?: number;
  heatmapCombine?: TargetOptions["heatmapCombine"];
  pafCombine?: TargetOptions["pafCombine"];
  pafConvention?: TargetOptions["pafConvention"];
  /** CMU target_dist (default 0.6) */
  targetDist?: number;
  /** false: no augmentation (whole image letterboxed into the input) */
  augment?: boolean;
}

export const DEFAULT_TARGET_CHOICES = {
  heatmapCombine: "sum-clip",
  pafCombine: "average",
  pafConvention: "centered",
  targetDist: 0.6,
} as const;

/** The parts of a pose model's IR the data pipeline reads. */
export interface DataIrParts {
  input: InputIR;
  keypoints: KeypointsIR;
  stages: StagesIR;
  train: TrainIR;
}

/**
 * Settings for a pose model's training data. The crop is the network input (the batch tensors must match
 * the model), so train.augment.crop, [height, width], must equal it.
 */
export function sampleConfigFromIr(ir: DataIrParts, o: SampleConfigOverrides = {}): SampleConfig {
  const { input, keypoints, stages, train } = ir;
  if (input.channels !== 3) {
    throw new PosecError(`the data pipeline feeds RGB images, but the model input has ${input.channels} channels`, "PN5005");
  }
  const [cropH, cropW] = train.augment.crop;
  if (cropH !== input.height || cropW !== input.width) {
    throw new PosecError(
      `augment crop ${cropH}x${cropW} differs from the model input ${input.height}x${input.width}; training crops must match the input`,
      "PN5005",
    );
  }
  const stride = stages.stride;
  const augment: AugmentOptions | null =
    o.augment === false
      ? null
      : {
          scale: [train.augment.scale[0], train.augment.scale[1]],
          targetDist: o.targetDist ?? DEFAULT_TARGET_CHOICES.targetDist,
          rotate: train.augment.rotate,
          flip: train.augment.flip,
          centerPerturb: train.augment.centerPerturb,
        };
  return {
    keypoints,
    input: { width: input.width, height: input.height, scale: input.scale, shift: input.shift, channelOrder: input.channelOrder },
    targets: {
      stride,
      gridWidth: o.gridWidth ?? Math.ceil(input.width / stride),
      gridHeight: o.gridHeight ?? Math.ceil(input.height / stride),
      sigma: train.targets.sigma,
      pafWidth: train.targets.pafWidth,
      heatmapCombine: o.heatmapCombine ?? DEFAULT_TARGET_CHOICES.heatmapCombine,
      pafCombine: o.pafCombine ?? DEFAULT_TARGET_CHOICES.pafCombine,
      pafConvention: o.pafConvention ?? DEFAULT_TARGET_CHOICES.pafConvention,
    },
    augment,
  };
}
