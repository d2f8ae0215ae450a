// The data pipeline's public surface (what `posec train`, `posec synth` and `posec targets` call).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DataIR, KeypointsIR } from "../../compiler/ir/types.js";
import { readCocoDataset, type CocoDataset, type ReadCocoOptions } from "./coco.js";
import { SYNTH_VERSION, synthPaths, synthesizeDataset } from "./synth.js";
import { synthCacheDir } from "./choose.js";
import { PosecError } from "../errors.js";

export { batches, epochOrder, epochAugmentSeed, type Batch, type BatchOptions, type BatchStream } from "./batches.js";
export { readCocoDataset, type CocoDataset, type CocoImage, type CocoPerson, type BadSample, type ReadCocoOptions, type SampleRef } from "./coco.js";
export { sampleConfigFromIr, DEFAULT_TARGET_CHOICES, type DataIrParts, type SampleConfigOverrides } from "./config.js";
export { buildSample, loadSample, type SampleConfig, type TrainingSample, type InputSpec } from "./sample.js";
export { synthesizeDataset, synthPaths, type SynthOptions, type SynthResult } from "./synth.js";
export type { TargetOptions } from "./targets.js";
export type { AugmentOptions } from "./augment.js";

export interface OpenDatasetOptions extends ReadCocoOptions {
  /** directory that COCO paths (root) are relative to; default the working directory */
  baseDir?: string;
  /** where a synthetic set is written (reused when it already holds the same set); default the working directory's .posec-cache/synth-<seed>-<images>-<size> (git-ignored; choose.ts synthCacheDir) */
  synthDir?: string;
  onSynthProgress?: (done: number, total: number) => void;
}

/**
 * The dataset a spec's `train { data ... }` names: a COCO folder, or the synthetic set (generated on first
 * use into synthDir and read back through the same COCO reader). Main-person selection for the synthetic set
 * scales CMU's 32x32 minimum area with the image size (5% of the side, as 32 is of COCO's 640).
 */
export async function openDataset(data: DataIR, schema: KeypointsIR, o: OpenDatasetOptions = {}): Promise<CocoDataset> {
  const base = o.baseDir ?? process.cwd();
  if (data.kind === "coco") {
    const root = resolve(base, data.root);
    return readCocoDataset(resolve(root, data.annotations), resolve(root, data.images), schema, o);
  }
  // the synthetic people carry COCO's 17 keypoints: another schema would read them as its own
  if (schema.dataset?.name !== "coco" || schema.dataset.keypoints.length !== 17) {
    throw new PosecError(
      `the built-in synthetic people are labelled with COCO's 17 keypoints, but the keypoint schema \`${schema.name}\` reads ${schema.dataset ? `dataset \`${schema.dataset.name}\` (${schema.dataset.keypoints.length} keypoints)` : "no dataset"}`,
      "PN5005",
      "train this schema on its own COCO-format data with --data DIR (or `data coco ...` in the spec's train block)",
    );
  }
  const dir = resolve(base, o.synthDir ?? synthCacheDir(data)!); // defined for a synthetic set
  const { annotationsFile, imagesDir } = synthPaths(dir);
  if (!sameSynthSet(annotationsFile, data)) {
    await synthesizeDataset({ outDir: dir, images: data.images, size: data.size, seed: data.seed, onProgress: o.onSynthProgress });
  }
  return readCocoDataset(annotationsFile, imagesDir, schema, { ...o, minArea: o.minArea ?? (0.05 * data.size) ** 2 });
}

function sameSynthSet(annotationsFile: string, d: Extract<DataIR, { kind: "synth" }>): boolean {
  if (!existsSync(annotationsFile)) return false;
  try {
    const info = JSON.parse(readFileSync(annotationsFile, "utf8")).info;
    return info?.version === SYNTH_VERSION && info.images === d.images && info.size === d.size && info.seed === d.seed;
  } catch {
    return false;
  }
}
