// One training sample: decoded image + annotations -> augmented, normalised input and its targets.
import type { KeypointsIR } from "../../core/ir/types.js";
import { Rng, seedFor } from "../util/rng.js";
import { applyAffine, augmentAffine, drawAugment, fitAffine, prefilter, warpIgnoreToWeight, warpRgb } from "./augment.js";
import type { Affine, AugmentOptions } from "./augment.js";
import type { CocoDataset, CocoImage } from "./coco-dataset.js";
import { decodeImage, type RgbImage } from "./image.js";
import { swapLeftRight, toSchemaJoints, type PersonJoints } from "./joints.js";
import { fillPolygon, fillRle } from "./rle.js";
import { heatmapTargets, maskTargets, pafTargets, type TargetOptions } from "./targets.js";

/** The network input: size and InputIR's normalisation (network input[c] = (pixel[c] * scale + shift - mean[c]) / std[c]). */
export interface InputSpec {
  width: number;
  height: number;
  scale: number;
  shift: number;
  /** per channel, in the network's channel order; absent: 0 and 1 */
  mean?: number[];
  std?: number[];
  channelOrder: "bgr" | "rgb";
}

export interface SampleConfig {
  keypoints: KeypointsIR;
  input: InputSpec;
  targets: TargetOptions;
  /** null: no augmentation, the whole image fitted into the input (letterboxed, pad 128) */
  augment: AugmentOptions | null;
}

export interface TrainingSample {
  /** [H, W, 3] normalised network input */
  image: Float32Array;
  /** [h, w, heatmapChannels] */
  heatmaps: Float32Array;
  /** [h, w, pafChannels] */
  pafs: Float32Array;
  /** [h, w, 1] loss weight */
  mask: Float32Array;
  /** the labelled people as placed in the crop (after the flip's left/right swap) */
  people: PersonJoints[];
  /** source image pixel -> input pixel */
  affine: Affine;
  flipped: boolean;
}

/** Pixel value used outside the source image (CMU pads with 128). */
export const PAD_VALUE = 128;

/** Row-major 0/1 raster of the image's ignore regions (1 = masked out), or null when it has none. */
export function ignoreRaster(record: CocoImage): Uint8Array | null {
  if (record.ignore.length === 0) return null;
  const m = new Uint8Array(record.width * record.height);
  for (const r of record.ignore) {
    if (r.kind === "rle") fillRle(r.rle, m);
    else for (const poly of r.polygons) fillPolygon(poly, record.width, record.height, m);
  }
  return m;
}

/**
 * Builds a sample from a decoded image. `mainPerson` (an index into record.people) centres and scales the
 * crop; rng null or cfg.augment null means no augmentation.
 */
export function buildSample(img: RgbImage, record: CocoImage, mainPerson: number, cfg: SampleConfig, rng: Rng | null): TrainingSample {
  const { input, keypoints: schema, targets } = cfg;
  let affine: Affine;
  let flipped = false;
  if (cfg.augment && rng) {
    const [bx, by, bw, bh] = record.people[mainPerson].bbox;
    const draw = drawAugment(rng, cfg.augment, bh, input.height);
    affine = augmentAffine(draw, [bx + bw / 2, by + bh / 2], input.width, input.height);
    flipped = draw.flip;
  } else {
    affine = fitAffine(img.width, img.height, input.width, input.height);
  }

  const source = prefilter(img, affine);
  const rgb = warpRgb(source.image, source.map, input.width, input.height, PAD_VALUE);
  const image = normalise(rgb, input);

  const people = record.people.map((p) => {
    const joints = toSchemaJoints(p.keypoints, schema);
    for (let j = 0; j < schema.joints.length; j++) {
      const [x, y] = applyAffine(affine, joints.xy[2 * j], joints.xy[2 * j + 1]);
      joints.xy[2 * j] = x;
      joints.xy[2 * j + 1] = y;
    }
    // mirrored coordinates put the left wrist where a right wrist would be: relabel so that the targets
    // (and the limbs, which are defined on joint indices) describe the mirrored person
    if (flipped) swapLeftRight(joints, schema.flipPairs);
    return joints;
  });

  const ignore = ignoreRaster(record);
  const weight = ignore ? warpIgnoreToWeight(ignore, record.width, record.height, affine, input.width, input.height) : null;
  return {
    image,
    heatmaps: heatmapTargets(people, schema.joints.length, schema.background, targets),
    pafs: pafTargets(people, schema.limbs, targets),
    mask: maskTargets(weight, input.width, input.height, targets),
    people,
    affine,
    flipped,
  };
}

/** (pixel * scale + shift - mean[c]) / std[c], in the network's channel order. */
export function normalise(rgb: Uint8Array, input: InputSpec): Float32Array {
  const out = new Float32Array(rgb.length);
  // one table per network channel c (mean and std are given in the network's channel order)
  const luts = [0, 1, 2].map((c) => {
    const lut = new Float32Array(256);
    const mean = input.mean?.[c] ?? 0;
    const std = input.std?.[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[v] = (v * input.scale + input.shift - mean) / std;
    return lut;
  });
  const r = input.channelOrder === "bgr" ? 2 : 0;
  const b = 2 - r;
  for (let i = 0; i < rgb.length; i += 3) {
    out[i + r] = luts[r][rgb[i]];
    out[i + 1] = luts[1][rgb[i + 1]];
    out[i + b] = luts[b][rgb[i + 2]];
  }
  return out;
}

/** Inverse of normalise, to 8-bit RGB (for pictures). */
export function denormalise(image: Float32Array, input: InputSpec): Uint8Array {
  const out = new Uint8Array(image.length);
  const bgr = input.channelOrder === "bgr";
  // c: the network channel the value sits in
  const px = (v: number, c: number) => Math.max(0, Math.min(255, Math.round((v * (input.std?.[c] ?? 1) + (input.mean?.[c] ?? 0) - input.shift) / input.scale)));
  for (let i = 0; i < image.length; i += 3) {
    out[i] = px(bgr ? image[i + 2] : image[i], bgr ? 2 : 0);
    out[i + 1] = px(image[i + 1], 1);
    out[i + 2] = px(bgr ? image[i] : image[i + 2], bgr ? 0 : 2);
  }
  return out;
}

/**
 * Decodes and builds dataset sample `index`. The augmentation is drawn from Rng(seedFor(seed, index)), so
 * the same (seed, index) always gives the same sample (the batch iterator passes a per-epoch seed).
 */
export async function loadSample(
  dataset: CocoDataset,
  index: number,
  cfg: SampleConfig,
  seed: number,
): Promise<TrainingSample> {
  const ref = dataset.samples[index];
  const record = dataset.images[ref.image];
  const img = await decodeImage(record.path, record);
  return buildSample(img, record, ref.person, cfg, new Rng(seedFor(seed, index)));
}
