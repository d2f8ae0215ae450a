// CMU's networks with Caffe weights, checked against OpenCV's own Caffe importer: an independent writer
// (caffe_ref.py, its own prototxt parser and protobuf encoder) gives every layer of CMU's deploy
// prototxt seeded random blobs; OpenCV's DNN module runs that prototxt and caffemodel, and posec imports
// the same caffemodel into its zoo spec (mapping layers by name), exports ONNX and runs ONNX Runtime. The
// final heatmaps and PAFs must agree within 1e-4 of the largest output, in CMU's channel order.
// The input is 64x64 (CMU's prototxts take their size at run time): the COCO net costs 136 GMAC at 368x368.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildOnnx } from "../../compiler/emit/onnx/index.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { compileIr, REPO } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const REF = join(import.meta.dirname, "caffe_ref.py");
const OPENPOSE = join(REPO, "..", "shared", "reference", "openpose");
const present = existsSync(OPENPOSE);
const work = mkdtempSync(join(tmpdir(), "posec-caffe-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function seededInput(n: number, seed: number): Float32Array {
  // a plain LCG in [-1, 1): the same numbers go to OpenCV and to ONNX Runtime
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  spec: string;
  prototxt: string;
  /** CMU's output layer for each posec output */
  outputs: { heatmaps: string; pafs?: string };
  size: number;
}

/** max |a - b| / max |b| */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function compareWithOpenCV(c: Case, seed: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(work, "case-"));
  const prototxt = join(OPENPOSE, c.prototxt);
  const model = join(dir, "net.caffemodel");
  execFileSync(PYTHON, [REF, "write", prototxt, model, String(seed)]);
  const shape = [1, 3, c.size, c.size];
  const input = seededInput(3 * c.size * c.size, seed);
  writeFileSync(join(dir, "input.bin"), input);
  const names = Object.values(c.outputs) as string[];
  execFileSync(PYTHON, [REF, "opencv", prototxt, model, join(dir, "input.bin"), ...shape.map(String), dir, ...names]);

  const ir = compileIr(c.spec);
  const { weights, report } = await loadForeignWeights(model, ir, 1);
  // every tensor of the spec comes from the file, and every blob of the file is used
  expect(report.counts).toEqual({ loaded: report.entries.length, fresh: 0, ignored: 0 });
  const built = buildOnnx(ir, weights, { allStages: false, foldBn: false, weights: { kind: "checkpoint", path: model } });
  expect(built.bytes, built.diagnostics.map((d) => d.message).join("; ")).toBeDefined();
  rmSync(model);
  const onnxPath = join(dir, "model.onnx");
  writeFileSync(onnxPath, built.bytes!);
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const result = await session.run({ image: new ort.Tensor("float32", input, shape) });
  await session.release();
  const diffs: Record<string, number> = {};
  for (const [output, caffeName] of Object.entries(c.outputs)) {
    const bytes = readFileSync(join(dir, `${caffeName}.bin`));
    const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const actual = result[output].data as Float32Array;
    expect([...result[output].dims], output).toEqual([1, expected.length / (c.size / 8) ** 2, c.size / 8, c.size / 8]);
    diffs[output] = relativeDiff(actual, expected);
  }
  rmSync(dir, { recursive: true, force: true });
  return diffs;
}

describe(`caffemodel import equals OpenCV's Caffe importer${present ? "" : " (SKIPPED: ../shared/reference/openpose is absent)"}`, () => {
  it("../shared is present when CI is set", () => {
    if (process.env.CI) expect(present, `${OPENPOSE} is missing`).toBe(true);
  });

  it.skipIf(!present)("COCO (models/cmu_pose_vgg19.posenet, pose_deploy_linevec.prototxt)", async () => {
    const diffs = await compareWithOpenCV({ spec: "models/cmu_pose_vgg19.posenet", prototxt: "coco_pose_deploy_linevec.prototxt", outputs: { heatmaps: "Mconv7_stage6_L2", pafs: "Mconv7_stage6_L1" }, size: 64 }, 7);
    console.log(`COCO vs OpenCV: max relative difference ${JSON.stringify(diffs)}`);
    expect(diffs.heatmaps).toBeLessThanOrEqual(1e-4);
    expect(diffs.pafs).toBeLessThanOrEqual(1e-4);
  }, 240_000);

  // the stage-graph specs, labelled with CMU's layer names
  const more: [string, Case][] = [
    ["MPI", { spec: "models/openpose_mpi.posenet", prototxt: "mpi_pose_deploy_linevec.prototxt", outputs: { heatmaps: "Mconv7_stage6_L2", pafs: "Mconv7_stage6_L1" }, size: 64 }],
    ["BODY_25 (PReLU)", { spec: "models/openpose_body25.posenet", prototxt: "body25_pose_deploy.prototxt", outputs: { heatmaps: "Mconv7_stage1_L1", pafs: "Mconv7_stage3_L2" }, size: 64 }],
    ["hand (heatmaps only)", { spec: "models/openpose_hand.posenet", prototxt: "hand_pose_deploy.prototxt", outputs: { heatmaps: "net_output" }, size: 64 }], // hand: Mconv7_stage6 writes its top `net_output`
  ];
  for (const [name, c] of more) {
    it.skipIf(!present)(`${name} (${c.spec}, ${c.prototxt})`, async () => {
      const diffs = await compareWithOpenCV(c, 8);
      console.log(`${name} vs OpenCV: max relative difference ${JSON.stringify(diffs)}`);
      for (const d of Object.values(diffs)) expect(d).toBeLessThanOrEqual(1e-4);
    }, 240_000);
  }
});
