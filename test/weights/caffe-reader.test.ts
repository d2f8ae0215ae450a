// The caffemodel reader and the Caffe mapping on small networks, against OpenCV's own Caffe importer:
// Convolution without bias, BatchNorm + Scale (statistics divided by the scale factor), PReLU per
// channel and channel-shared, InnerProduct after a 2x2 map (Caffe's C, H, W flatten order), the legacy
// V1 `layers` format, legacy num/channels/height/width blob shapes and unpacked floats (caffe_ref.py
// alternates encodings). Then what a broken file or a misfitting spec gives: PosecErrors with codes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import type { Ir } from "../../core/ir/types.js";
import { isPosecError } from "../../runtime/errors.js";
import { readCaffeModel } from "../../runtime/weights/caffe.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { assertStrict } from "../../runtime/weights/report.js";
import { compileText, posecErrorOf, posecErrorOfAsync } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const REF = join(import.meta.dirname, "caffe_ref.py");
const work = mkdtempSync(join(tmpdir(), "posec-caffe-reader-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const layer = (name: string, type: string, bottom: string, top: string, param = "") => `layer { name: "${name}" type: "${type}" bottom: "${bottom}" top: "${top}" ${param} }\n`;

// conv1 (no bias) -> BatchNorm + Scale -> PReLU -> conv2 -> shared PReLU -> pool -> fc; plus a layer the spec lacks
const PROTOTXT =
  'name: "tiny"\ninput: "image"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 4\ninput_dim: 4\n' +
  layer("conv1", "Convolution", "image", "conv1", "convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false }") +
  layer("bn1", "BatchNorm", "conv1", "conv1", "batch_norm_param { eps: 0.00001 }") +
  layer("scale1", "Scale", "conv1", "conv1", "scale_param { bias_term: true }") +
  layer("act1", "PReLU", "conv1", "conv1") +
  layer("conv2", "Convolution", "conv1", "conv2", "convolution_param { num_output: 6 kernel_size: 1 }") +
  layer("act2", "PReLU", "conv2", "conv2", "prelu_param { channel_shared: true }") +
  layer("pool", "Pooling", "conv2", "pool", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }") +
  layer("fc", "InnerProduct", "pool", "fc", "inner_product_param { num_output: 5 }") +
  layer("extra", "Convolution", "conv2", "extra", "convolution_param { num_output: 2 kernel_size: 1 }");

const SPEC = (conv2 = 6) => `posenet 1
model tiny_caffe
input image 4x4x3
backbone {
  conv1: conv 3x3 4 bias=false
  bn1: bn eps=0.00001
  act1: prelu
  conv2: conv 1x1 ${conv2}
  act2: prelu
  pool: maxpool 2x2 stride=2
  fc: dense 5
}
`;

// V1 format (NetParameter.layers): the layer types V1 has
const PROTOTXT_V1 =
  'name: "tiny_v1"\ninput: "image"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 4\ninput_dim: 4\n' +
  layer("conv1", "Convolution", "image", "conv1", "convolution_param { num_output: 4 kernel_size: 3 pad: 1 }") +
  layer("relu1", "ReLU", "conv1", "conv1") +
  layer("pool", "Pooling", "conv1", "pool", "pooling_param { pool: MAX kernel_size: 2 stride: 2 }") +
  layer("fc", "InnerProduct", "pool", "fc", "inner_product_param { num_output: 3 }");
const SPEC_V1 = "posenet 1\nmodel tiny_v1\ninput image 4x4x3\nbackbone {\n  conv1: conv 3x3 4 relu\n  pool: maxpool 2x2 stride=2\n  fc: dense 3\n}\n";


function writeModel(prototxt: string, name: string, seed: number, v1 = false): { proto: string; model: string } {
  const proto = join(work, `${name}.prototxt`);
  const model = join(work, `${name}.caffemodel`);
  writeFileSync(proto, prototxt);
  execFileSync(PYTHON, [REF, "write", proto, model, String(seed), ...(v1 ? ["--v1"] : [])]);
  return { proto, model };
}

async function posecOutput(ir: Ir, model: string, input: Float32Array): Promise<Float32Array> {
  const { weights } = await loadForeignWeights(model, ir, 1);
  const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: model } });
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(built.bytes!);
  const out = await session.run({ image: new ort.Tensor("float32", input, [1, 3, 4, 4]) });
  await session.release();
  return out[built.outputs[0]].data as Float32Array;
}

function opencvOutput(proto: string, model: string, input: Float32Array, output: string): Float32Array {
  const inPath = join(work, "input.bin");
  writeFileSync(inPath, input);
  execFileSync(PYTHON, [REF, "opencv", proto, model, inPath, "1", "3", "4", "4", work, output]);
  const bytes = readFileSync(join(work, `${output}.bin`));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

const input = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.7) * 2);

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-3);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-5 * scale);
}



describe("caffemodel import against OpenCV", () => {
  const tiny = writeModel(PROTOTXT, "tiny", 11);

  it("BatchNorm + Scale, PReLU (per channel and shared), InnerProduct: same output as OpenCV", async () => {
    const ir = compileText(work, SPEC(), "tiny");
    const { report } = await loadForeignWeights(tiny.model, ir, 1);
    expect(report.counts).toEqual({ loaded: 11, fresh: 0, ignored: 2 });
    expect(report.entries.filter((e) => e.status === "ignored").map((e) => e.source)).toEqual(["`extra` blob 0", "`extra` blob 1"]);
    expect(report.entries.find((e) => e.tensor === "bn1/moving_mean")!.reason).toMatch(/scale factor/);
    expect(report.entries.find((e) => e.tensor === "act2/alpha")!.reason).toMatch(/shared/);
    expect(() => assertStrict(report)).toThrow(/--strict/);
    expectClose(await posecOutput(ir, tiny.model, input), opencvOutput(tiny.proto, tiny.model, input, "fc"));
  });

  it("the legacy V1 format (NetParameter.layers)", async () => {
    const v1 = writeModel(PROTOTXT_V1, "tiny_v1", 12, true);
    const net = readCaffeModel(v1.model);
    expect(net.format).toBe("layers (V1)");
    expect(net.layers.map((l) => `${l.name}:${l.type}`)).toEqual(["conv1:Convolution", "relu1:ReLU", "pool:Pooling", "fc:InnerProduct"]);
    const ir = compileText(work, SPEC_V1, "tiny_v1");
    expectClose(await posecOutput(ir, v1.model, input), opencvOutput(v1.proto, v1.model, input, "fc"));
  });

  it("a truncated file is PN5310 naming the file, at every cut", () => {
    const bytes = readFileSync(tiny.model);
    const cut = join(work, "cut.caffemodel");
    for (const n of [0, 1, 5, 20, Math.floor(bytes.length / 2), bytes.length - 1]) {
      writeFileSync(cut, bytes.subarray(0, n));
      const e = posecErrorOf(() => readCaffeModel(cut));
      expect(e.code, `cut at ${n}`).toBe("PN5310");
      expect(e.message).toContain(cut);
    }
  });

  it("corrupt bytes give a PosecError or a readable net, never a crash", () => {
    const bytes = readFileSync(tiny.model);
    const bad = join(work, "bad.caffemodel");
    let s = 12345;
    let failures = 0;
    for (let trial = 0; trial < 200; trial++) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k < 3; k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        copy[s % copy.length] = (s >>> 8) & 0xff;
      }
      writeFileSync(bad, copy);
      try {
        readCaffeModel(bad);
      } catch (e) {
        expect(isPosecError(e), String(e)).toBe(true);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });

  it("a shape that does not fit is PN5311 naming the blob, the spec tensor and its line", async () => {
    const ir = compileText(work, SPEC(7), "tiny7");
    const e = await posecErrorOfAsync(() => loadForeignWeights(tiny.model, ir, 1));
    expect(e.code).toBe("PN5311");
    expect(e.message).toMatch(/`conv2` blob 0 .* is \[6, 4, 1, 1\] \(OIHW, \[1, 1, 4, 6\] in posec's layout\), but `conv2\/kernel` at .*tiny7\.posenet:8:3 needs \[1, 1, 4, 7\]/);
  });
});

describe("blob encodings", () => {
  // NetParameter { layer { name: "c" type: "Convolution" blobs { shape { dim: 2 } double_data: [1.5, -2] } } },
  // written byte by byte
  const varint = (n: number) => (n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7]);
  const field = (num: number, payload: number[]) => [...varint((num << 3) | 2), ...varint(payload.length), ...payload];
  const text = (s: string) => [...Buffer.from(s)];
  const doubles = [...Buffer.from(new Float64Array([1.5, -2]).buffer)];

  it("double_data is read as float32", () => {
    const blob = [...field(7, field(1, [2])), ...field(8, doubles)];
    const layerBytes = [...field(1, text("c")), ...field(2, text("Convolution")), ...field(7, blob)];
    const path = join(work, "double.caffemodel");
    writeFileSync(path, Buffer.from(field(100, layerBytes)));
    const net = readCaffeModel(path);
    expect(net.layers[0].blobs[0]).toEqual({ shape: [2], data: new Float32Array([1.5, -2]) });
  });

  it("a blob whose shape and data disagree is PN5310 naming the layer", () => {
    const blob = [...field(7, field(1, [3])), ...field(8, doubles)];
    const path = join(work, "short.caffemodel");
    writeFileSync(path, Buffer.from(field(100, [...field(1, text("c")), ...field(7, blob)])));
    const e = posecErrorOf(() => readCaffeModel(path));
    expect(e.code).toBe("PN5310");
    expect(e.message).toMatch(/blob 0 of layer `c` has shape \[3\] \(3 values\) but 2 double values/);
  });
});
