// What `posec infer` and `posec eval` run: a pose network, whatever it was loaded from (a tfjs checkpoint by
// runner.ts, an ONNX file by onnx-runner.ts). Its own module so that both loaders and their users depend on
// it without depending on each other.
import type { InputIR, KeypointsIR } from "../../core/ir/types.js";
import type { DecodeOptions } from "./decode.js";

export interface PoseNetwork {
  /** where the network came from, for messages */
  source: string;
  keypoints: KeypointsIR;
  input: Pick<InputIR, "scale" | "shift" | "mean" | "std" | "channelOrder" | "height" | "width">;
  stride: number;
  /** the decoder's defaults the model comes with (the IR's codec.decoder); InferOptions.decode overrides them */
  decoder: DecodeOptions;
  /**
   * runs on one normalised image [H, W, 3]; returns the model's heatmaps and PAFs (the last stage producing
   * each), channels-last; pafs is empty when the schema has no limbs
   */
  run(image: Float32Array, height: number, width: number): Promise<{ heatmaps: Float32Array; pafs: Float32Array; height: number; width: number }>;
  dispose(): void;
}
