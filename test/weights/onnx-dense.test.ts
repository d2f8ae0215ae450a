// Dense layers in ONNX as other importers accept them: Flatten + Gemm(transB=1) + Reshape. OpenCV 4.6's
// ONNX importer (cv2.dnn.readNetFromONNX) must load posec's export of a spec whose dense layer reads a
// 2x2x6 map (so the C, H, W flatten order matters) and compute what ONNX Runtime computes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { buildOnnx, decodeModel } from "../../compiler/emit/onnx/index.js";
import { fileHost } from "../../compiler/host.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { STD } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "posec-onnx-dense-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPEC = `posenet 1
model dense_net
input image 8x8x3
init normal std=0.3
backbone {
  conv1: conv 3x3 6 relu
  pool: maxpool 2x2 stride=2
  pool2: maxpool 2x2 stride=2
  fc1: dense 7 relu
  fc2: dense 4
}
`;

it("OpenCV's ONNX importer loads a dense export and agrees with ONNX Runtime", async () => {
  const specPath = join(work, "dense.posenet");
  writeFileSync(specPath, SPEC);
  const ir = compile(specPath, fileHost(STD)).ir!;
  const built = buildOnnx(ir, initialWeights(modelParams(ir), 3), { allStages: false, foldBn: false, weights: { kind: "initial", seed: 3 } });
  const ops = (decodeModel(built.bytes!).graph?.node ?? []).map((n) => String(n.opType));
  expect(ops.filter((o: string) => ["Flatten", "Gemm", "Reshape", "Unsqueeze"].includes(o))).toEqual(["Flatten", "Gemm", "Reshape", "Flatten", "Gemm", "Reshape"]);
  const model = join(work, "dense.onnx");
  writeFileSync(model, built.bytes!);
  const input = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.cos(i * 0.37));
  writeFileSync(join(work, "in.bin"), input);
  execFileSync("/usr/bin/python3", [join(import.meta.dirname, "opencv_onnx.py"), model, join(work, "in.bin"), "1", "3", "8", "8", join(work, "out.bin")]);
  const b = readFileSync(join(work, "out.bin"));
  const opencv = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(model);
  const out = (await session.run({ image: new ort.Tensor("float32", input, [1, 3, 8, 8]) }))[built.outputs[0]];
  await session.release();
  expect([...out.dims]).toEqual([1, 4, 1, 1]);
  const ref = out.data as Float32Array;
  const scale = Math.max(...ref.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-3);
  expect(opencv.length).toBe(4);
  for (let i = 0; i < 4; i++) expect(Math.abs(opencv[i] - ref[i])).toBeLessThanOrEqual(1e-5 * scale);
});
