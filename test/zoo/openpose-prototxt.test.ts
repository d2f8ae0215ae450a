// The OpenPose zoo against CMU's own network definitions (../shared/reference/openpose/*.prototxt, read
// by an independent prototxt reader, test/zoo/prototxt.ts): posec's ONNX export of each spec has the
// same multiset of convolutions (in, out, kernel, stride, pad, dilation, group, bias, and the activation
// after each), the same parameter total, and the same output maps in the same order; the five specs
// written with CMU's layer names also give their output convolutions CMU's names.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildOnnx, decodeModel } from "../../compiler/emit/onnx/index.js";
import type { Ir } from "../../core/ir/types.js";
import { modelParams, type WeightSet } from "../../core/params/index.js";
import { compileIr, REPO } from "../helpers.js";
import { networkFacts, signatureText, type ConvSignature } from "./prototxt.js";

const OPENPOSE = join(REPO, "..", "shared", "reference", "openpose");
const present = existsSync(OPENPOSE);

/** Zero weights: only shapes matter here, and zeros cost nothing to draw. */
function zeroWeights(ir: Ir): WeightSet {
  return new Map(modelParams(ir).map((p) => [p.name, { shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) }]));
}

interface OnnxFacts {
  convs: { name: string; signature: ConvSignature }[];
  params: number;
  /** [output name, channels, the node that produces it] in graph order */
  outputs: [string, number, string][];
}

function onnxFacts(ir: Ir): OnnxFacts {
  const built = buildOnnx(ir, zeroWeights(ir), { allStages: false, foldBn: false, weights: { kind: "initial", seed: 0 } });
  expect(built.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const g = decodeModel(built.bytes!).graph!;
  const dims = new Map(g.initializer!.map((t) => [t.name!, t.dims!.map(Number)]));
  const consumers = (value: string) => g.node!.filter((n) => n.input!.includes(value));
  const ints = (n: NonNullable<typeof g.node>[number], key: string) => n.attribute!.find((a) => a.name === key)?.ints?.map(Number);
  const convs = g.node!
    .filter((n) => n.opType === "Conv")
    .map((n) => {
      const w = dims.get(n.input![1])!;
      const group = Number(n.attribute!.find((a) => a.name === "group")?.i ?? 1);
      const pads = ints(n, "pads") ?? [0, 0, 0, 0];
      const [kh, kw] = ints(n, "kernel_shape")!;
      const [sh, sw] = ints(n, "strides") ?? [1, 1];
      const [dh, dw] = ints(n, "dilations") ?? [1, 1];
      // Caffe's convolutions are square with symmetric pads: anything else is a mismatch by itself
      expect([kh === kw, sh === sw, dh === dw, new Set(pads).size === 1], n.name!).toEqual([true, true, true, true]);
      const next = consumers(n.output![0]);
      const act = next.length === 1 && ["Relu", "PRelu", "Elu"].includes(next[0].opType!) ? next[0].opType!.toLowerCase() : "none";
      return { name: n.name!, signature: { in: w[1] * group, out: w[0], kernel: kh, stride: sh, pad: pads[0], dilation: dh, group, bias: n.input!.length > 2, activation: act } };
    });
  const params = [...dims.values()].reduce((a, d) => a + d.reduce((x, y) => x * y, 1), 0);
  const producer = new Map(g.node!.flatMap((n) => n.output!.map((o) => [o, n.name!] as const)));
  const outputs = g.output!.map((o): [string, number, string] => [o.name!, Number(o.type!.tensorType!.shape!.dim![1].dimValue), producer.get(o.name!)!]);
  return { convs, params, outputs };
}

function multiset(list: { signature: ConvSignature }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of list) m.set(signatureText(c.signature), (m.get(signatureText(c.signature)) ?? 0) + 1);
  return new Map([...m].sort(([a], [b]) => a.localeCompare(b)));
}

// spec, CMU's file, whether the spec uses CMU's layer names, and the published totals (SOURCES.md) as a
// second, hand-typed check of the reader itself
const CASES: [string, string, boolean, number, number][] = [
  ["models/cmu_pose_vgg19.posenet", "coco_pose_deploy_linevec.prototxt", false, 92, 52_311_446],
  ["models/openpose_mpi.posenet", "mpi_pose_deploy_linevec.prototxt", true, 92, 51_481_032],
  ["models/openpose_mpi_faster.posenet", "mpi_pose_deploy_linevec_faster_4_stages.prototxt", true, 64, 34_240_880],
  ["models/openpose_body25.posenet", "body25_pose_deploy.prototxt", true, 114, 26_166_084],
  ["models/openpose_hand.posenet", "hand_pose_deploy.prototxt", true, 52, 36_832_324],
  ["models/openpose_face.posenet", "face_pose_deploy.prototxt", true, 52, 38_425_706],
];

describe(`the OpenPose zoo equals CMU's prototxts${present ? "" : " (SKIPPED: ../shared/reference/openpose is absent)"}`, () => {
  it("../shared is present when CI is set", () => {
    if (process.env.CI) expect(present, `${OPENPOSE} is missing`).toBe(true);
  });
  for (const [spec, file, cmuNames, convCount, total] of CASES) {
    it.skipIf(!present)(`${spec} = ${file}`, () => {
      const ref = networkFacts(readFileSync(join(OPENPOSE, file), "utf8"));
      expect([ref.convs.length, ref.params]).toEqual([convCount, total]);
      const ir = compileIr(spec);
      const got = onnxFacts(ir);
      expect(multiset(got.convs)).toEqual(multiset(ref.convs));
      expect(got.params).toBe(ref.params);
      // net_output is [heatmaps, pafs] (body and hand/face alike); posec's outputs are the same maps, in that order
      expect(got.outputs.map(([, c]) => c)).toEqual(ref.outputChannels);
      expect(got.outputs.map(([n]) => n)).toEqual(ref.outputChannels.length === 2 ? ["heatmaps", "pafs"] : ["heatmaps"]);
      if (cmuNames) {
        expect(got.outputs.map(([, , node]) => node)).toEqual(ref.outputLayers);
        expect(got.convs.map((c) => c.name).sort()).toEqual(ref.convs.map((c) => c.name).sort());
      }
    });
  }
});
