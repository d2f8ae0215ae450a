// Inference over a COCO-format set and its score: what `posec eval --model/--oracle --data` runs. The
// oracle decodes the training targets themselves (the whole image fitted into the network input, no
// augmentation) in place of network outputs: the ceiling the decoder reaches on that data.
import { readFileSync } from "node:fs";
import type { KeypointsIR, PoseIr } from "../../core/ir/types.js";
import type { CocoDataset } from "../data/index.js";
import { buildSample, sampleConfigFromIr } from "../data/index.js";
import { decodeImage } from "../data/image.js";
import { evaluateKeypointData, oksSigmasFor, type KeypointEvalRun } from "../eval/index.js";
import type { CocoKeypointResult } from "../coco/format.js";
import { toCocoResults } from "./coco-results.js";
import { decodePoses } from "./decode.js";
import type { PoseNetwork } from "./network.js";
import { inferImage, type InferOptions } from "./runner.js";

export interface EvalProgress {
  (done: number, total: number): void;
}

async function scoreAll(dataset: CocoDataset, keypoints: KeypointsIR, limit: number | undefined, detect: (i: number) => Promise<CocoKeypointResult[]>, progress?: EvalProgress): Promise<{ results: CocoKeypointResult[]; run: KeypointEvalRun }> {
  const images = dataset.images.slice(0, limit ?? dataset.images.length);
  const results: CocoKeypointResult[] = [];
  for (let i = 0; i < images.length; i++) {
    results.push(...(await detect(i)));
    progress?.(i + 1, images.length);
  }
  const gt = JSON.parse(readFileSync(dataset.annotationsFile, "utf8")) as { images: { id: number }[]; annotations: { image_id: number }[] };
  // score only the images that were run
  const ids = new Set(images.map((im) => im.id));
  const subset = { ...gt, images: gt.images.filter((im) => ids.has(im.id)), annotations: gt.annotations.filter((a) => ids.has(a.image_id)) };
  // scored with the schema's dataset sigmas (COCO: pycocotools'; hand21, face70, mpii: their own)
  return { results, run: evaluateKeypointData(subset, results, dataset.annotationsFile, "(inference results)", oksSigmasFor(keypoints)) };
}

export async function evaluateNetwork(net: PoseNetwork, dataset: CocoDataset, o: InferOptions & { limit?: number; progress?: EvalProgress }) {
  return scoreAll(
    dataset,
    net.keypoints,
    o.limit,
    async (i) => {
      const im = dataset.images[i];
      const decoded = await inferImage(net, await decodeImage(im.path, im), o);
      return toCocoResults(decoded.people, net.keypoints, im.id);
    },
    o.progress,
  );
}

export async function evaluateOracle(ir: PoseIr, dataset: CocoDataset, o: { limit?: number; progress?: EvalProgress } = {}) {
  const config = sampleConfigFromIr(ir, { augment: false });
  const [height, width] = ir.codec.grid;
  return scoreAll(
    dataset,
    ir.keypoints,
    o.limit,
    async (i) => {
      const im = dataset.images[i];
      const sample = buildSample(await decodeImage(im.path, im), im, 0, config, null);
      const { a, d, tx, ty } = sample.affine;
      const decoded = decodePoses(
        {
          height,
          width,
          stride: ir.codec.stride,
          heatmaps: sample.heatmaps,
          pafs: sample.pafs,
          heatmapChannels: ir.keypoints.heatmapChannels,
          pafChannels: ir.keypoints.pafChannels,
          // the data pipeline maps pixel centres (x -> a x + tx); the decoder's placement counts from pixel edges
          placement: { scaleX: a, scaleY: d, offsetX: tx - 0.5 * a + 0.5, offsetY: ty - 0.5 * d + 0.5 },
        },
        im,
        ir.keypoints,
        ir.codec.decoder,
      );
      return toCocoResults(decoded.people, ir.keypoints, im.id);
    },
    o.progress,
  );
}
