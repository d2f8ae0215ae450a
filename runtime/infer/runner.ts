// Running a trained network on images: the model (a tfjs checkpoint folder, or an ONNX file run by ONNX
// Runtime), CMU's input layout per scale (resize, pad right/down to the stride with 128), the network's
// normalisation, and the decoder. The network is abstracted as `PoseNetwork` (network.ts) so both sources
// share it; onnx-runner.ts loads ONNX Runtime itself only when an ONNX file is run.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { isPoseIr } from "../../core/ir/types.js";
import { loadIr } from "../../core/ir/load.js";
import { augmentWarp } from "./warp.js";
import { PosecError } from "../errors.js";
import type { RgbImage } from "../data/image.js";
import { normalise } from "../data/sample.js";
import { decodeMultiScale, cmuInputLayout, cmuScales } from "./multiscale.js";
import type { DecodeOptions, DecodeResult } from "./decode.js";
import type { NetworkOutput } from "./maps.js";
import type { PoseNetwork } from "./network.js";
import { loadOnnxNetwork } from "./onnx-runner.js";

export interface InferOptions {
  /** multipliers of the network's input height (CMU's scale_search); default [1] */
  scaleSearch: number[];
  decode: Partial<DecodeOptions>;
}

/** Runs the network at each scale (CMU's layout) and decodes people in image pixels. */
export async function inferImage(net: PoseNetwork, image: RgbImage, o: InferOptions): Promise<DecodeResult> {
  const scales = cmuScales(image.height, net.input.height, o.scaleSearch);
  const runAtScale = async (scale: number): Promise<NetworkOutput> => {
    const layout = cmuInputLayout(image, scale, net.stride);
    const rgb = augmentWarp(image, layout);
    const out = await net.run(normalise(rgb, net.input), layout.inputHeight, layout.inputWidth);
    return {
      height: out.height,
      width: out.width,
      stride: net.stride,
      heatmaps: out.heatmaps,
      pafs: out.pafs,
      heatmapChannels: net.keypoints.heatmapChannels,
      pafChannels: net.keypoints.pafChannels,
      placement: layout.placement,
    };
  };
  return decodeMultiScale(runAtScale, image, scales, net.keypoints, { ...net.decoder, ...o.decode });
}

export async function loadTfjsNetwork(path: string, o: { backend?: string; threads?: number } = {}): Promise<PoseNetwork> {
  const { resolveCheckpointDir } = await import("../checkpoint/folder.js");
  const dir = resolveCheckpointDir(path);
  const irFile = join(dir, "model.ir.json");
  if (!existsSync(irFile)) throw new PosecError(`${dir} has no model.ir.json`, "PN5301", "checkpoints written by `posec train` carry their IR");
  const loaded = loadIr(readFileSync(irFile, "utf8"), irFile);
  if (!loaded.ir) throw new PosecError(`${irFile}: ${loaded.diagnostics[0]?.message ?? "invalid IR"}`, "PN5301");
  const ir = loaded.ir;
  if (!isPoseIr(ir)) throw new PosecError(`${dir} holds a backbone without stages`, "PN5301");
  const { selectBackend } = await import("../backends/select.js");
  await selectBackend({ prefer: (o.backend as "auto") ?? "auto", threads: o.threads });
  const tf = await import("@tensorflow/tfjs");
  const { buildModel } = await import("../model/build.js");
  // the weights alone (inference needs neither the optimizer state nor state.json), checked by name and shape
  const { assertWeightsMatch, readCheckpointWeights } = await import("../checkpoint/read.js");
  const { modelParams } = await import("../../core/params/index.js");
  const weights = readCheckpointWeights(dir);
  assertWeightsMatch(modelParams(ir), weights, dir, ir.model.name);
  const { model, outputNames } = buildModel(ir, weights, [null, null]);
  // the IR's outputs name the last stage that produces each branch (a BODY_25-like net ends on heatmaps)
  const heatmapsAt = outputNames.lastIndexOf(ir.outputs.heatmaps);
  const pafsAt = ir.outputs.pafs === undefined ? -1 : outputNames.lastIndexOf(ir.outputs.pafs);
  return {
    source: dir,
    keypoints: ir.keypoints,
    input: ir.input,
    stride: ir.codec.stride,
    decoder: ir.codec.decoder,
    async run(image, height, width) {
      const x = tf.tensor4d(image, [1, height, width, 3]);
      const outs = model.predict(x) as import("@tensorflow/tfjs").Tensor[];
      const heatmaps = outs[heatmapsAt];
      const pafs = pafsAt >= 0 ? ((await outs[pafsAt].data()) as Float32Array) : new Float32Array(0);
      const result = { heatmaps: (await heatmaps.data()) as Float32Array, pafs, height: heatmaps.shape[1]!, width: heatmaps.shape[2]! };
      tf.dispose([x, ...outs]);
      return result;
    },
    dispose: () => model.dispose(),
  };
}

/** `--model`: an ONNX file or a tfjs checkpoint/run folder. */
export async function loadNetwork(path: string, o: { backend?: string; threads?: number } = {}): Promise<PoseNetwork> {
  if (!existsSync(path)) throw new PosecError(`--model ${path}: no such file or folder`, "PN5301");
  if (statSync(path).isFile()) {
    if (!/\.onnx$/i.test(path)) throw new PosecError(`--model ${path}: expected an .onnx file or a checkpoint folder`, "PN5301");
    return loadOnnxNetwork(path, { threads: o.threads });
  }
  return loadTfjsNetwork(path, o);
}

/** COCO image ids: a numeric file name (COCO's own names) is the id, else the position in the list. */
export function imageIdFor(file: string, index: number): number {
  const stem = basename(file).replace(/\.[^.]+$/, "");
  return /^\d+$/.test(stem) && Number(stem) <= Number.MAX_SAFE_INTEGER ? Number(stem) : index + 1;
}
