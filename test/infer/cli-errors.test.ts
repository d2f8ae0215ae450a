// `posec infer` on bad input: a truncated ONNX file, a missing image, two images that would overwrite
// each other's picture or share an image id. Each is refused with a message and a non-zero exit before
// any output is written; and the OKS sigmas travel through the ONNX metadata.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOnnxNetwork } from "../../runtime/infer/onnx-runner.js";
import { posec } from "../cli/run.js";
import { compileFile } from "../helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-infer-errors-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SPEC = "test/fixtures/train/tiny.posenet";
const onnx = join(tmp, "onnx", "model.onnx");
let image = "";

beforeAll(() => {
  expect(posec(["build", SPEC, "--target", "onnx", "--out", join(tmp, "onnx")]).code).toBe(0);
  expect(posec(["synth", "--out", join(tmp, "people"), "--images", "1", "--size", "32", "--seed", "3"]).code).toBe(0);
  image = join(tmp, "people", "images", readdirSync(join(tmp, "people", "images"))[0]);
});

describe("posec infer refuses bad input before writing anything", () => {
  it("a truncated ONNX file", () => {
    const truncated = join(tmp, "truncated.onnx");
    writeFileSync(truncated, readFileSync(onnx).subarray(0, 3000));
    const out = join(tmp, "out-truncated");
    const r = posec(["infer", "--model", truncated, image, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^posec: error PN5301: .*truncated\.onnx is not a readable ONNX file: truncated/);
    expect(r.stderr).not.toContain("    at ");
    expect(existsSync(out)).toBe(false);
  });

  it("a missing image, named, before the network is loaded", () => {
    const out = join(tmp, "out-missing");
    const r = posec(["infer", "--model", onnx, image, join(tmp, "nothere.png"), "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`posec: error PN5002: ${join(tmp, "nothere.png")}: no such image file`);
    expect(existsSync(out)).toBe(false);
  });

  it("two images whose pictures would overwrite each other, or that would share an image id", () => {
    mkdirSync(join(tmp, "again"));
    const twin = join(tmp, "again", readdirSync(join(tmp, "people", "images"))[0]);
    copyFileSync(image, twin);
    const out = join(tmp, "out-twins");
    const pictures = posec(["infer", "--model", onnx, image, twin, "--out", out]);
    expect(pictures.code).toBe(2);
    expect(pictures.stderr).toContain("would both be drawn to");
    const ids = posec(["infer", "--model", onnx, image, twin, "--out", out, "--no-pictures"]);
    expect(ids.code).toBe(2);
    expect(ids.stderr).toContain("would both be image_id 1 in results.json");
    expect(existsSync(out)).toBe(false);
  });
});

describe("ONNX metadata", () => {
  it("carries the keypoint schema's OKS sigmas (not guessed back)", async () => {
    const spec = "test/infer/fixtures/sigmas.posenet";
    expect(posec(["build", spec, "--target", "onnx", "--out", join(tmp, "sigmas")]).code).toBe(0);
    const net = await loadOnnxNetwork(join(tmp, "sigmas", "model.onnx"), { threads: 1 });
    expect(compileFile(spec).ir?.keypoints?.dataset?.sigmas).toEqual([0.011, 0.022, 0.033]);
    expect(net.keypoints.dataset?.sigmas).toEqual([0.011, 0.022, 0.033]);
    net.dispose();
  });
});
