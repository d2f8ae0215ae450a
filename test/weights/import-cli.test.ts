// `posec import` end to end on a tiny CMU-style pose network (CMU's layer names in the caffemodel, the
// stage convention of runtime/weights/cmu-names.ts): the checkpoint it writes holds exactly the imported
// weights, `posec export --checkpoint` reads it, and `posec train --resume` starts from it at step 0.
// Plus the refusals: --strict with an unused layer, and an --out folder that already holds a run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { fileHost } from "../../compiler/host.js";
import { readCheckpointWeights } from "../../runtime/checkpoint/read.js";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { posec } from "../cli/run.js";
import { STD } from "../helpers.js";
import { tinyPoseSpec } from "./tiny-pose.js";

const work = mkdtempSync(join(tmpdir(), "posec-import-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPEC = tinyPoseSpec({
  model: "tiny_cmu",
  backbone: ["conv1_1: conv 3x3 8 relu", "pool1: maxpool 2x2 stride=2 ceil", "conv2_1: conv 3x3 8 relu", "pool2: maxpool 2x2 stride=2 ceil", "conv3_1: conv 3x3 8 relu", "pool3: maxpool 2x2 stride=2 ceil"],
  adapter: ["conv4_3_CPM: conv 3x3 8 relu"],
  images: 8,
  trainLast: "checkpoint every=1",
});

const conv = (name: string, bottom: string, out: number, k: number, relu = true) =>
  `layer { name: "${name}" type: "Convolution" bottom: "${bottom}" top: "${name}" convolution_param { num_output: ${out} kernel_size: ${k} pad: ${(k - 1) / 2} } }\n` +
  (relu ? `layer { name: "relu_${name}" type: "ReLU" bottom: "${name}" top: "${name}" }\n` : "");
const pool = (name: string, bottom: string) => `layer { name: "${name}" type: "Pooling" bottom: "${bottom}" top: "${name}" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n`;
const PROTOTXT = (extra: boolean) =>
  'input: "image"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 32\ninput_dim: 32\n' +
  conv("conv1_1", "image", 8, 3) + pool("pool1", "conv1_1") + conv("conv2_1", "pool1", 8, 3) + pool("pool2", "conv2_1") +
  conv("conv3_1", "pool2", 8, 3) + pool("pool3", "conv3_1") + conv("conv4_3_CPM", "pool3", 8, 3) +
  conv("conv5_1_CPM_L1", "conv4_3_CPM", 8, 3) + conv("conv5_2_CPM_L1", "conv5_1_CPM_L1", 38, 1, false) +
  conv("conv5_1_CPM_L2", "conv4_3_CPM", 8, 3) + conv("conv5_2_CPM_L2", "conv5_1_CPM_L2", 19, 1, false) +
  'layer { name: "concat_stage2" type: "Concat" bottom: "conv5_2_CPM_L1" bottom: "conv5_2_CPM_L2" bottom: "conv4_3_CPM" top: "concat_stage2" }\n' +
  conv("Mconv1_stage2_L1", "concat_stage2", 8, 3) + conv("Mconv2_stage2_L1", "Mconv1_stage2_L1", 38, 1, false) +
  conv("Mconv1_stage2_L2", "concat_stage2", 8, 3) + conv("Mconv2_stage2_L2", "Mconv1_stage2_L2", 19, 1, false) +
  (extra ? conv("unused_head", "conv4_3_CPM", 4, 1, false) : "");

const spec = join(work, "tiny_cmu.posenet");
const model = join(work, "tiny.caffemodel");
const extraModel = join(work, "tiny_extra.caffemodel");

beforeAll(() => {
  writeFileSync(spec, SPEC);
  for (const [extra, path] of [[false, model], [true, extraModel]] as const) {
    writeFileSync(`${path}.prototxt`, PROTOTXT(extra));
    execFileSync("/usr/bin/python3", [join(import.meta.dirname, "caffe_ref.py"), "write", `${path}.prototxt`, path, "21"]);
  }
});

describe("posec import", () => {
  it("writes a checkpoint holding the imported weights, with its load report", async () => {
    const out = join(work, "run");
    const r = posec(["import", spec, model, "--out", out, "--strict"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/24 tensors loaded, 0 initialised fresh, 0 ignored/);
    const dir = r.stdout.trim();
    expect(dir).toBe(join(out, "checkpoints", "step-0000000"));
    const report = JSON.parse(readFileSync(join(out, "import-report.json"), "utf8"));
    expect(report.entries.find((e: { tensor: string }) => e.tensor === "stage2_heatmap_conv1/kernel")).toMatchObject({ status: "loaded", source: "`Mconv1_stage2_L2` blob 0" });
    const ir = compile(spec, fileHost(STD)).ir!;
    const { weights } = await loadForeignWeights(model, ir, 1);
    const saved = readCheckpointWeights(dir);
    expect([...saved.keys()].sort()).toEqual([...weights.keys()].sort());
    for (const [name, t] of weights) expect(saved.get(name)!.data, name).toEqual(t.data);

    const onnx = join(work, "tiny.onnx");
    const e = posec(["export", "--checkpoint", out, "--out", onnx]);
    expect(e.code, e.stderr).toBe(0);
    expect(existsSync(onnx)).toBe(true);

    const t = posec(["train", spec, "--out", out, "--resume", "--steps", "1", "--backend", "cpu"], { timeout: 300_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(/resuming from .*step-0000000 \(step 0\)/);

    // a previous run is a weights source too: its tensors map one to one
    const again = posec(["import", spec, out, "--out", join(work, "from-run"), "--strict"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\(posec checkpoint\) -> tiny_cmu: 24 tensors loaded/);
  }, 400_000);

  it("`posec export SPEC --weights FILE` maps the same file straight into ONNX", () => {
    const onnx = join(work, "direct.onnx");
    const r = posec(["export", spec, "--weights", model, "--strict", "--out", onnx]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*direct\.onnx \(outputs: heatmaps, pafs\)/);
    expect(posec(["export", "--weights", model]).code).toBe(2);
  }, 120_000);

  it("--strict refuses a file with a layer the spec does not take (PN5312); without it the layer is ignored", () => {
    const strict = posec(["import", spec, extraModel, "--out", join(work, "strict"), "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/error PN5312: --strict: .* 2 of its own tensors ignored/);
    const lax = posec(["import", spec, extraModel, "--out", join(work, "lax")]);
    expect(lax.code, lax.stderr).toBe(0);
    expect(lax.stderr).toMatch(/ignored `unused_head` \(2 tensors\): no layer of tiny_cmu is named `unused_head`/);
  }, 120_000);

  it("refuses an --out folder that already holds a run (PN5303), and a file that is not a caffemodel (PN5310)", () => {
    const first = posec(["import", spec, model, "--out", join(work, "twice")]);
    expect(first.code, first.stderr).toBe(0);
    const again = posec(["import", spec, model, "--out", join(work, "twice")]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/PN5303/);
    const junk = join(work, "junk.caffemodel");
    writeFileSync(junk, "this is not protobuf\n");
    const bad = posec(["import", spec, junk, "--out", join(work, "junk")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error PN5310: .*junk\.caffemodel: not a readable Caffe model/);
  }, 120_000);
});
