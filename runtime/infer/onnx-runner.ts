// ONNX models for `posec infer/eval`: run by ONNX Runtime (onnxruntime-node, CPU), described by the
// `posec.*` metadata_props posec writes (keypoints, limbs, normalisation, strides), so no spec is needed.
import { readFileSync } from "node:fs";
import { COCO17_SIGMAS } from "../../core/keypoints/builtin.js";
import { DECODER_DEFAULTS } from "../../core/ir/codec.js";
import type { DecoderIR, KeypointsIR } from "../../core/ir/types.js";
import { PosecError } from "../errors.js";
import type { PoseNetwork } from "./network.js";

/** Reads a protobuf varint at `pos`; returns [value, next position]. */
function varint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const b = buf[pos++];
    value += (b & 0x7f) * mul;
    if (!(b & 0x80)) return [value, pos];
    mul *= 128;
  }
}

/**
 * metadata_props (ModelProto field 14: StringStringEntryProto {key = 1, value = 2}) without decoding
 * the graph and its weights: top-level fields are skipped by their lengths.
 */
export function onnxMetadata(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = new TextDecoder();
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, p1] = varint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    pos = p1;
    if (wire === 0) [, pos] = varint(bytes, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p2] = varint(bytes, pos);
      if (p2 + len > bytes.length) throw new Error(`truncated (field ${field} needs ${p2 + len} bytes, the file has ${bytes.length})`);
      if (field === 14) {
        let q = p2;
        let key = "";
        let value = "";
        while (q < p2 + len) {
          const [t, q1] = varint(bytes, q);
          const [l, q2] = varint(bytes, q1);
          const s = text.decode(bytes.subarray(q2, q2 + l));
          if (t >>> 3 === 1) key = s;
          else if (t >>> 3 === 2) value = s;
          q = q2 + l;
        }
        out.set(key, value);
      }
      pos = p2 + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return out;
}

function parseMetadata(text: string, key: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PosecError(`${file}: the ${key} metadata is not valid JSON (${(e as Error).message})`, "PN5301", "export the model again with `posec build --target onnx` or `posec export`");
  }
}

function keypointsFromMetadata(meta: Map<string, string>, file: string): KeypointsIR {
  const kp = meta.get("posec.keypoints");
  const limbs = meta.get("posec.limbs");
  if (!kp || !limbs) throw new PosecError(`${file} has no posec.keypoints / posec.limbs metadata`, "PN5301", "export ONNX with `posec build --target onnx` or `posec export`");
  const k = parseMetadata(kp, "posec.keypoints", file) as { schema: string; joints: string[]; background: boolean; heatmap_channels: number; flip_pairs: [number, number][]; dataset: { name: string; keypoints: string[]; sigmas?: number[] } | null; joint_sources: number[][] };
  const l = parseMetadata(limbs, "posec.limbs", file) as { name: string; from: number; to: number }[];
  if (!Array.isArray(k?.joints) || !Array.isArray(k.joint_sources) || !Array.isArray(l)) throw new PosecError(`${file}: the posec.keypoints / posec.limbs metadata is malformed`, "PN5301", "export the model again with `posec build --target onnx` or `posec export`");
  const span = { file, line: 1, col: 1, endLine: 1, endCol: 1 };
  // files from before posec wrote the OKS sigmas: COCO's for COCO's 17 keypoints, else a uniform 0.05
  const sigmas = k.dataset?.sigmas ?? (k.dataset?.name === "coco" && k.dataset.keypoints.length === 17 ? COCO17_SIGMAS : new Array<number>(k.dataset?.keypoints.length ?? 0).fill(0.05));
  return {
    name: k.schema,
    joints: k.joints.map((name, i) => ({ name, from: k.joint_sources[i] })),
    limbs: l.map((x) => ({ name: x.name, from: x.from, to: x.to })),
    flipPairs: k.flip_pairs,
    background: k.background,
    heatmapChannels: k.heatmap_channels,
    pafChannels: 2 * l.length,
    dataset: k.dataset ? { name: k.dataset.name, keypoints: k.dataset.keypoints, sigmas } : null,
    span,
  };
}

/** NCHW [1, C, h, w] -> channels-last [h, w, C] */
function toHwc(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i * c + ch] = data[ch * h * w + i];
  return out;
}

export async function loadOnnxNetwork(path: string, o: { threads?: number } = {}): Promise<PoseNetwork> {
  const bytes = readFileSync(path);
  let meta: Map<string, string>;
  try {
    meta = onnxMetadata(bytes);
  } catch (e) {
    throw new PosecError(`${path} is not a readable ONNX file: ${(e as Error).message}`, "PN5301");
  }
  const keypoints = keypointsFromMetadata(meta, path);
  const norm = parseMetadata(meta.get("posec.normalization") ?? "null", "posec.normalization", path) as { scale: number; shift: number; mean?: number[]; std?: number[]; channel_order: "bgr" | "rgb" } | null;
  const input = parseMetadata(meta.get("posec.input") ?? "null", "posec.input", path) as { trained_size: [number, number] } | null;
  const outputs = (parseMetadata(meta.get("posec.outputs") ?? "{}", "posec.outputs", path) ?? {}) as Record<string, { stride: number[] }>;
  // files from before posec wrote posec.decoder: the defaults of this posec
  const decoderMeta = (parseMetadata(meta.get("posec.decoder") ?? "{}", "posec.decoder", path) ?? {}) as Record<string, unknown>;
  const decoder = { ...DECODER_DEFAULTS } as DecoderIR;
  for (const key of Object.keys(DECODER_DEFAULTS) as (keyof DecoderIR)[]) {
    const value = decoderMeta[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
    if (value !== undefined) {
      if (typeof value !== typeof DECODER_DEFAULTS[key]) throw new PosecError(`${path}: metadata posec.decoder.${key} has the wrong type`, "PN5301");
      (decoder as unknown as Record<string, unknown>)[key] = value;
    }
  }
  // a schema without limbs (hand, face) has no PAF output
  const hasPafs = keypoints.limbs.length > 0;
  if (!norm || !input || !outputs.heatmaps || (hasPafs && !outputs.pafs)) throw new PosecError(`${path} lacks posec's input/normalisation/output metadata`, "PN5301");
  const ort = await import("onnxruntime-node");
  let session: import("onnxruntime-node").InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: o.threads ?? 0, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  } catch (e) {
    throw new PosecError(`${path}: ONNX Runtime cannot load the model: ${(e as Error).message.split("\n")[0]}`, "PN5301", "export the model again with `posec build --target onnx` or `posec export`");
  }
  return {
    source: path,
    keypoints,
    input: { scale: norm.scale, shift: norm.shift, ...(norm.mean && norm.std ? { mean: norm.mean, std: norm.std } : {}), channelOrder: norm.channel_order, height: input.trained_size[0], width: input.trained_size[1] },
    stride: outputs.heatmaps.stride[0],
    decoder,
    async run(image, height, width) {
      const nchw = new Float32Array(image.length);
      for (let c = 0; c < 3; c++) for (let i = 0; i < height * width; i++) nchw[c * height * width + i] = image[i * 3 + c];
      const res = await session.run({ image: new ort.Tensor("float32", nchw, [1, 3, height, width]) }, hasPafs ? ["heatmaps", "pafs"] : ["heatmaps"]);
      const [, hc, h, w] = res.heatmaps.dims as number[];
      const pafs = hasPafs ? toHwc(res.pafs.data as Float32Array, (res.pafs.dims as number[])[1], h, w) : new Float32Array(0);
      return { heatmaps: toHwc(res.heatmaps.data as Float32Array, hc, h, w), pafs, height: h, width: w };
    },
    dispose: () => void session.release(),
  };
}
