// Multi-scale inference: the network runs on the image at several scales and the maps are averaged at
// image resolution (CMU: scale_search 0.5, 1, 1.5, 2 relative to a 368-pixel-high input). The integrator
// supplies `runAtScale`, which resizes the image, pads it, runs the network and returns the last stage's
// maps together with where the image sits in the network input.
import type { KeypointsIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";
import { decodePoses, type DecodeOptions, type DecodeResult } from "./decode.js";
import type { ImageSize, NetworkOutput, Placement } from "./maps.js";

/** Runs the network on the image resized by `scale`; see cmuInputLayout for the CMU way of placing it. */
export type RunAtScale = (scale: number) => NetworkOutput | Promise<NetworkOutput>;

/** CMU's multipliers: scale_search * boxsize / image height. */
export function cmuScales(
  imageHeight: number,
  boxsize = 368,
  scaleSearch: readonly number[] = [0.5, 1, 1.5, 2],
): number[] {
  return scaleSearch.map((s) => (s * boxsize) / imageHeight);
}

export interface InputLayout {
  /** size of the resized image */
  resizedWidth: number;
  resizedHeight: number;
  /** network input size: the resized image padded right and down to a multiple of the stride */
  inputWidth: number;
  inputHeight: number;
  placement: Placement;
}

/**
 * CMU's layout (util.padRightDownCorner): resize by `scale` (cv::resize rounds the size), pad right/down with
 * 128 to a multiple of the stride. The placement uses the size actually obtained, so the mapping is exact.
 */
export function cmuInputLayout(image: ImageSize, scale: number, stride: number): InputLayout {
  if (!(scale > 0)) throw new PosecError(`inference scale must be positive (got ${scale})`, "PN5202");
  const resizedWidth = Math.max(1, Math.round(image.width * scale));
  const resizedHeight = Math.max(1, Math.round(image.height * scale));
  return {
    resizedWidth,
    resizedHeight,
    inputWidth: Math.ceil(resizedWidth / stride) * stride,
    inputHeight: Math.ceil(resizedHeight / stride) * stride,
    placement: { scaleX: resizedWidth / image.width, scaleY: resizedHeight / image.height, offsetX: 0, offsetY: 0 },
  };
}

/** Runs every scale (one at a time, to bound memory) and decodes the averaged maps. */
export async function decodeMultiScale(
  runAtScale: RunAtScale,
  image: ImageSize,
  scales: readonly number[],
  keypoints: KeypointsIR,
  options: Partial<DecodeOptions> = {},
): Promise<DecodeResult> {
  if (scales.length === 0) throw new PosecError("multi-scale inference needs at least one scale", "PN5202");
  const outputs: NetworkOutput[] = [];
  for (const s of scales) outputs.push(await runAtScale(s));
  return decodePoses(outputs, image, keypoints, options);
}
