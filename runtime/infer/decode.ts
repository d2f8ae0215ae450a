// Bottom-up decoding of heatmaps + PAFs into people (CMU-Pose). Three stages, separately callable so that
// the benchmark can time them: upsampling (ImageMaps), peak finding, grouping.
import { DECODER_DEFAULTS } from "../../core/ir/codec.js";
import type { KeypointsIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";
import { assemblePeople, connectLimb, type GroupOptions, type LimbConnection } from "./group.js";
import { ImageMaps, type ImageSize, type Interpolation, type NetworkOutput } from "./maps.js";
import { findJointPeaks, type Peak } from "./peaks.js";

export interface DecodeOptions extends GroupOptions {
  /** thre1: heatmap peak threshold */
  peakThreshold: number;
  /** Gaussian smoothing of the heatmaps before non-maximum suppression, in image pixels */
  peakSigma: number;
  /** sub-pixel peak positions (parabolic refinement of the smoothed map) */
  subpixel: boolean;
  interpolation: Interpolation;
}

/** The decoder's defaults when the network carries none (CMU's demo thresholds): the IR's codec.decoder
 * holds them for a compiled model (core/ir/codec.ts defines them once). */
export const CMU_DECODE_DEFAULTS: DecodeOptions = DECODER_DEFAULTS;

export interface DetectedJoint {
  x: number;
  y: number;
  /** heatmap value at the peak */
  score: number;
}

export interface Person {
  /** one entry per KeypointsIR joint, null when not found */
  joints: (DetectedJoint | null)[];
  /** sum of the part scores and limb (PAF) scores: CMU's subset[-2] */
  score: number;
  /** parts found: CMU's subset[-1] */
  partCount: number;
}

export interface DecodeResult {
  people: Person[];
  /** per joint, the candidates found (image coordinates) */
  peaks: Peak[][];
  connections: LimbConnection[][];
}

function resolveOptions(options: Partial<DecodeOptions>): DecodeOptions {
  const o = { ...CMU_DECODE_DEFAULTS, ...options };
  if (!(o.pafSamples >= 2))
    throw new PosecError(`decode: pafSamples must be at least 2 (got ${o.pafSamples})`, "PN5202");
  if (!(o.peakSigma > 0)) throw new PosecError(`decode: peakSigma must be positive (got ${o.peakSigma})`, "PN5202");
  return o;
}

/** Stage 1: maps at image resolution, averaged over the given outputs (one per scale). */
export function upsampleMaps(
  outputs: NetworkOutput | readonly NetworkOutput[],
  image: ImageSize,
  keypoints: KeypointsIR,
  options: Partial<DecodeOptions> = {},
): ImageMaps {
  const list = Array.isArray(outputs) ? outputs : [outputs as NetworkOutput];
  for (const o of list) {
    if (o.heatmapChannels !== keypoints.heatmapChannels || o.pafChannels !== keypoints.pafChannels) {
      throw new PosecError(
        `network output has ${o.heatmapChannels} heatmap and ${o.pafChannels} PAF channels; keypoint schema "${keypoints.name}" needs ${keypoints.heatmapChannels} and ${keypoints.pafChannels}`,
        "PN5201",
      );
    }
  }
  return new ImageMaps(list, image, resolveOptions(options).interpolation);
}

/** Stage 2: candidates of every joint (the background channel is not looked at). */
export function findAllPeaks(maps: ImageMaps, keypoints: KeypointsIR, options: Partial<DecodeOptions> = {}): Peak[][] {
  const o = resolveOptions(options);
  const peaks: Peak[][] = [];
  let next = 0;
  keypoints.joints.forEach((_, j) => {
    const list = findJointPeaks(maps, j, { threshold: o.peakThreshold, sigma: o.peakSigma, subpixel: o.subpixel }, next);
    next += list.length;
    peaks.push(list);
  });
  return peaks;
}

/**
 * A schema without limbs (hand, face detectors) has no PAFs to tell people apart: the image holds one
 * instance, each joint at the strongest of its peaks (the heatmap's maximum above the peak threshold, refined
 * like every peak), or missing when no value exceeds the threshold. Score: the sum of the joints' scores, as
 * CMU's person score sums its part scores. No joint found: no instance.
 */
export function singleInstance(peaks: Peak[][]): Person[] {
  const joints = peaks.map((list) => list.reduce<Peak | null>((best, p) => (!best || p.score > best.score ? p : best), null));
  const found = joints.filter((j): j is Peak => j !== null);
  if (found.length === 0) return [];
  return [{ joints: joints.map((j) => (j ? { x: j.x, y: j.y, score: j.score } : null)), score: found.reduce((a, j) => a + j.score, 0), partCount: found.length }];
}

/** Stage 3: limb scoring and assembly (without limbs: `singleInstance`). */
export function groupPeople(
  maps: ImageMaps,
  peaks: Peak[][],
  keypoints: KeypointsIR,
  options: Partial<DecodeOptions> = {},
): { people: Person[]; connections: LimbConnection[][] } {
  if (keypoints.limbs.length === 0) return { people: singleInstance(peaks), connections: [] };
  const o = resolveOptions(options);
  const connections = keypoints.limbs.map((l, k) =>
    connectLimb(maps, k, peaks[l.from], peaks[l.to], maps.image.height, o),
  );
  const grouped = assemblePeople(keypoints, peaks, connections, o);
  const people = grouped.map((g): Person => ({
    joints: g.parts.map((i, j) => (i < 0 ? null : { x: peaks[j][i].x, y: peaks[j][i].y, score: peaks[j][i].score })),
    score: g.score,
    partCount: g.count,
  }));
  return { people, connections };
}

/** Heatmaps + PAFs (one output, or one per scale) -> people in image coordinates. */
export function decodePoses(
  outputs: NetworkOutput | readonly NetworkOutput[],
  image: ImageSize,
  keypoints: KeypointsIR,
  options: Partial<DecodeOptions> = {},
): DecodeResult {
  const maps = upsampleMaps(outputs, image, keypoints, options);
  const peaks = findAllPeaks(maps, keypoints, options);
  const { people, connections } = groupPeople(maps, peaks, keypoints, options);
  return { people, peaks, connections };
}
