// The data pipeline's settings, read from the IR: the label grid and target-generation choices from its
// `codec` (computed once by the compiler), augmentation and normalisation from `train` and `input`.
import type { CodecIR, InputIR, KeypointsIR, TrainIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";
import type { AugmentOptions } from "./augment.js";
import type { SampleConfig } from "./sample.js";

export interface SampleConfigOverrides {
  /** false: no augmentation (whole image letterboxed into the input) */
  augment?: boolean;
}

/** The parts of a pose model's IR the data pipeline reads (the label grid and target choices: `codec`). */
export interface DataIrParts {
  input: InputIR;
  keypoints: KeypointsIR;
  train: TrainIR;
  codec: CodecIR;
}

/**
 * Settings for a pose model's training data. The crop is the network input (the batch tensors must match
 * the model), so train.augment.crop, [height, width], must equal it.
 */
export function sampleConfigFromIr(ir: DataIrParts, o: SampleConfigOverrides = {}): SampleConfig {
  const { input, keypoints, train, codec } = ir;
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
  const augment: AugmentOptions | null =
    o.augment === false
      ? null
      : {
          scale: [train.augment.scale[0], train.augment.scale[1]],
          targetDist: codec.targetDist,
          rotate: train.augment.rotate,
          flip: train.augment.flip,
          centerPerturb: train.augment.centerPerturb,
        };
  return {
    keypoints,
    input: { width: input.width, height: input.height, scale: input.scale, shift: input.shift, ...(input.mean && input.std ? { mean: input.mean, std: input.std } : {}), channelOrder: input.channelOrder },
    targets: {
      stride: codec.stride,
      gridHeight: codec.grid[0],
      gridWidth: codec.grid[1],
      sigma: codec.sigma,
      pafWidth: codec.pafWidth,
      heatmapCombine: codec.heatmapCombine,
      pafCombine: codec.pafCombine,
      pafConvention: codec.pafConvention,
    },
    augment,
  };
}
