// The data pipeline's public surface (what `posec train`, `posec synth` and `posec targets` call).
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DataIR, KeypointsIR } from "../../core/ir/types.js";
import { readCocoDataset, type CocoDataset, type ReadCocoOptions } from "./coco-dataset.js";
import { SYNTH_VERSION, synthPaths, synthesizeDataset } from "./synth.js";
import type { SynthLabels } from "./synth-labels.js";
import { PART_KINDS, SYNTH_PARTS_VERSION, synthesizePartsDataset, type PartKind } from "./synth-parts.js";
import { synthCacheDir } from "./choose.js";
import { PosecError } from "../errors.js";

export { batches, epochOrder, epochAugmentSeed, type Batch, type BatchOptions, type BatchStream } from "./batches.js";
export { readCocoDataset, type CocoDataset, type CocoImage, type CocoPerson, type BadSample, type ReadCocoOptions, type SampleRef } from "./coco-dataset.js";
export { sampleConfigFromIr, type DataIrParts, type SampleConfigOverrides } from "./config.js";
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
  const dir = resolve(base, o.synthDir ?? synthCacheDir(data)!); // defined for a synthetic set
  const minArea = o.minArea ?? (0.05 * data.size) ** 2;
  // the heatmap-only schemas (hand21, face70) get their own drawn set, in a folder of its own
  const part = partKindOf(schema);
  if (part) {
    const partDir = o.synthDir ? dir : `${dir}-${part}`;
    const { annotationsFile, imagesDir } = synthPaths(partDir);
    if (!sameSynthSet(annotationsFile, data, part, SYNTH_PARTS_VERSION)) {
      await synthesizePartsDataset({ outDir: partDir, images: data.images, size: data.size, seed: data.seed, kind: part, keypointNames: schema.dataset!.keypoints, onProgress: o.onSynthProgress });
    }
    return readCocoDataset(annotationsFile, imagesDir, schema, { ...o, minArea });
  }
  // the synthetic people are labelled with COCO's 17 keypoints, or MPII's 16 for an MPII schema (mpi15);
  // another schema would read them as its own
  const labels = peopleLabelsOf(schema);
  if (!labels) {
    throw new PosecError(
      `the built-in synthetic people are labelled with COCO's 17 keypoints, but the keypoint schema \`${schema.name}\` reads ${schema.dataset ? `dataset \`${schema.dataset.name}\` (${schema.dataset.keypoints.length} keypoints)` : "no dataset"}`,
      "PN5005",
      `train this schema on its own COCO-format data with --data DIR (or \`data coco ...\` in the spec's train block); built-in synthetic sets exist for COCO-17 schemas (coco18, body25), MPII-16 ones (mpi15) and ${PART_KINDS.join(", ")}`,
    );
  }
  const peopleDir = labels === "coco17" || o.synthDir ? dir : `${dir}-${labels}`;
  const { annotationsFile, imagesDir } = synthPaths(peopleDir);
  if (!sameSynthSet(annotationsFile, data, undefined, SYNTH_VERSION, labels === "coco17" ? undefined : labels)) {
    await synthesizeDataset({ outDir: peopleDir, images: data.images, size: data.size, seed: data.seed, labels, onProgress: o.onSynthProgress });
  }
  return readCocoDataset(annotationsFile, imagesDir, schema, { ...o, minArea });
}

/** The drawn set a schema's dataset matches (hand21: 21 hand keypoints, face70: 70 face keypoints), if any. */
export function partKindOf(schema: Pick<KeypointsIR, "dataset">): PartKind | null {
  const d = schema.dataset;
  if (d?.name === "hand21" && d.keypoints.length === 21) return "hand21";
  if (d?.name === "face70" && d.keypoints.length === 70) return "face70";
  return null;
}

/** The labels the synthetic people get for a schema: its dataset's (COCO-17 or MPII-16), or null for any other. */
export function peopleLabelsOf(schema: Pick<KeypointsIR, "dataset">): SynthLabels | null {
  const d = schema.dataset;
  if (d?.name === "coco" && d.keypoints.length === 17) return "coco17";
  if (d?.name === "mpii" && d.keypoints.length === 16) return "mpii16";
  return null;
}

function sameSynthSet(annotationsFile: string, d: Extract<DataIR, { kind: "synth" }>, kind: PartKind | undefined, version: number, labels?: SynthLabels): boolean {
  if (!existsSync(annotationsFile)) return false;
  try {
    const info = JSON.parse(readFileSync(annotationsFile, "utf8")).info;
    return info?.version === version && info.kind === kind && info.labels === labels && info.images === d.images && info.size === d.size && info.seed === d.seed;
  } catch {
    return false;
  }
}
