// The IR's `codec` section: how labels become training maps and how maps become people again, computed
// once by the compiler so that the data pipeline, the trainer, the decoder, `posec data/eval` and the
// generated programs read one set of facts instead of re-deriving them. The defaults of the choices a spec
// does not set (combine modes, CMU's target_dist, the decoder's thresholds) are defined here and nowhere else.
import type { CodecIR, DecoderIR, Ir } from "./types.js";

/** Target-generation choices a spec does not set, with posec's defaults (CMU's where CMU has one). */
export const TARGET_DEFAULTS = {
  /** overlapping people's Gaussians: summed and clipped at 1 ("max": CMU's C++ trainer) */
  heatmapCombine: "sum-clip",
  /** overlapping limbs' PAFs: averaged over the limbs covering a cell */
  pafCombine: "average",
  /** PAF cell g sits at input pixel g*stride + stride/2 - 0.5 ("cmu": at g*stride, as CMU's trainer) */
  pafConvention: "centered",
  /** CMU's target_dist: the scale augmentation brings the person to this fraction of the input height */
  targetDist: 0.6,
} as const satisfies Pick<CodecIR, "heatmapCombine" | "pafCombine" | "pafConvention" | "targetDist">;

/** Inference defaults of CMU's python demo (testing/python/config: thre1 0.1, thre2 0.05), plus
 * OpenPose's sub-pixel peak refinement (the demo keeps whole pixels; set subpixel false for it). */
export const DECODER_DEFAULTS: DecoderIR = {
  peakThreshold: 0.1,
  peakSigma: 3,
  subpixel: true,
  pafThreshold: 0.05,
  pafSamples: 10,
  pafMinFraction: 0.8,
  distancePrior: 0.5,
  minParts: 4,
  minMeanScore: 0.4,
  interpolation: "bicubic",
};

/**
 * The codec of a pose model. `grid` is the stage outputs' [height, width] at the spec's input size, from
 * shape inference (a network whose padding does not round like ceil(input / stride) still gets the grid
 * its outputs have).
 */
export function codecFor(ir: Pick<Ir, "stages" | "train">, grid: [number, number]): CodecIR | null {
  if (!ir.stages || !ir.train) return null;
  return {
    stride: ir.stages.stride,
    grid,
    sigma: ir.train.targets.sigma,
    pafWidth: ir.train.targets.pafWidth,
    ...TARGET_DEFAULTS,
    decoder: { ...DECODER_DEFAULTS },
  };
}
