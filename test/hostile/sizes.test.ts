// Sizes are checked before anything is allocated: a 20000x1 image at `infer` (from its header), a batch
// whose activations cannot fit at `train`, an ONNX model above protobuf's 2 GiB at `build`. Each is a
// PN error within seconds and with the process's peak memory (VmHWM, sampled from /proc) bounded.
import { rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capWorkers, checkTrainBatch, clampBatch, trainBytesPerImage } from "../../runtime/train/batch-limit.js";
import { isPoseIr } from "../../core/ir/types.js";
import { inferShapes } from "../../core/shapes.js";
import { isPosecError } from "../../runtime/errors.js";
import { compileIr } from "../helpers.js";
import { expectNoTrace, expectPnError, posec, posecWithPeakMemory, tempDir, TINY } from "./helpers.js";

const tmp = tempDir("sizes");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const onnx = join(tmp, "model", "model.onnx");
const strip = join(tmp, "strip.png");
const ok = join(tmp, "ok.png");
const ok2 = join(tmp, "ok2.png");
const bad = join(tmp, "bad.png");

beforeAll(async () => {
  expect(posec(["build", TINY, "--target", "onnx", "--out", join(tmp, "model")]).code).toBe(0);
  await sharp({ create: { width: 20000, height: 1, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toFile(strip);
  await sharp({ create: { width: 48, height: 40, channels: 3, background: { r: 90, g: 10, b: 0 } } }).png().toFile(ok);
  await sharp({ create: { width: 40, height: 48, channels: 3, background: { r: 0, g: 90, b: 10 } } }).png().toFile(ok2);
  writeFileSync(bad, "not an image");
});

describe("posec infer", () => {
  it("refuses a 20000x1 image from its header: PN5007, fast, memory bounded", async () => {
    expect(readFileSync(strip).length).toBeLessThan(1000);
    const r = await posecWithPeakMemory(["infer", "--model", onnx, strip, "--out", join(tmp, "strip-out"), "--no-pictures"]);
    expectPnError(r, "PN5007", `${strip}: image is 20000x1, an aspect ratio of 20000:1, more than the 10:1 posec infers on`);
    expect(r.peakMiB).toBeLessThan(600); // before the check: > 12 GB
    expect(r.seconds).toBeLessThan(30);
  });

  it("stops at a bad image, but writes results.json for the images before it", () => {
    const out = join(tmp, "stop");
    const r = posec(["infer", "--model", onnx, ok, bad, ok2, "--out", out, "--no-pictures"]);
    expectPnError(r, "PN5002", `${bad}: cannot be decoded as an image`, "--skip-bad");
    expect(r.stderr).toContain(`wrote ${join(out, "results.json")} for the 1 image(s) before ${bad}`);
    expect(r.stderr).toContain(`${ok}: `);
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8"))).toBeInstanceOf(Array);
  });

  it("with --skip-bad goes on past bad, missing and oversized images, naming each, and writes results.json", () => {
    const out = join(tmp, "skip");
    const missing = join(tmp, "missing.png");
    const r = posec(["infer", "--model", onnx, ok, bad, strip, missing, ok2, "--out", out, "--skip-bad"]);
    expect(r.code, r.stderr).toBe(0);
    expectNoTrace(r);
    for (const f of [bad, strip, missing]) expect(r.stderr).toContain(`skipped ${f} (--skip-bad): ${f}: `);
    expect(r.stderr).toContain(`skipped 3 of 5 images (--skip-bad): ${bad}, ${strip}, ${missing}`);
    expect(r.stderr).toContain(`${ok2}: `); // the image after the bad ones was read
    expect(existsSync(join(out, "ok.png")) && existsSync(join(out, "ok2.png"))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8"))).toBeInstanceOf(Array);
  });
});

describe("posec train --batch", () => {
  it("a batch whose activations cannot fit is PN5007 before the backend starts, with the batch that fits", async () => {
    const r = await posecWithPeakMemory(["train", "models/cmu_pose_vgg19.posenet", "--data", "synth", "--batch", "100000", "--out", join(tmp, "big-batch")]);
    expectPnError(r, "PN5007", "a batch of 100000 368x368 images needs about", "use --batch ");
    expect(r.stderr).not.toContain("backend:");
    expect(r.peakMiB).toBeLessThan(600);
    expect(existsSync(join(tmp, "big-batch"))).toBe(false);
  });

  it("the limit is batch x 2 x the activation bytes of one image (the shape report's), against the memory limit", () => {
    const ir = compileIr(TINY);
    if (!isPoseIr(ir)) throw new Error("tiny is a pose model");
    const per = trainBytesPerImage(ir);
    expect(per).toBe(2 * inferShapes(ir, 32, 32).report!.totals.activationBytes);
    expect(() => checkTrainBatch(ir, 10, 10 * per)).not.toThrow();
    try {
      checkTrainBatch(ir, 11, 10 * per);
      throw new Error("no error");
    } catch (e) {
      expect(isPosecError(e) && e.code).toBe("PN5007");
      expect(isPosecError(e) && e.hint).toBe("use --batch 10 or less");
    }
  });

  it("a batch larger than the dataset is clamped with a message; workers are capped at the cores", () => {
    const said: string[] = [];
    expect(clampBatch(100000, 13, (m) => said.push(m))).toBe(13);
    expect(clampBatch(4, 13, (m) => said.push(m))).toBe(4);
    expect(capWorkers(64, (m) => said.push(m), 2)).toBe(2);
    expect(capWorkers(2, (m) => said.push(m), 2)).toBe(2);
    expect(said).toEqual(["batch 100000 is larger than the 13 training samples: using batches of 13", "--workers 64 is more than the 2 cores: using 2"]);
  });
});

describe("posec build --target onnx", () => {
  it("a model above ONNX's 2 GiB is PN4101 from its parameter count, before any weight is allocated", async () => {
    // 3*3*3*16384 + 3*3*16384*4096 = 604,422,144 parameters = 2.25 GiB of float32
    const spec = join(tmp, "huge.posenet");
    writeFileSync(spec, "posenet 1\nmodel huge\ninput image 16x16x3\nbackbone {\n  conv 3x3 16384 bias=false\n  conv 3x3 4096 bias=false\n}\n");
    const r = await posecWithPeakMemory(["build", spec, "--target", "onnx", "--out", join(tmp, "huge-out")]);
    expect(r.code).toBe(1);
    expectNoTrace(r);
    expect(r.stderr).toContain("error[PN4101]: the ONNX target cannot write huge: its weights would take 2.25 GiB, more than one ONNX file holds (2 GiB)");
    expect(r.peakMiB).toBeLessThan(600); // allocating the weights first: 5 GB
    expect(existsSync(join(tmp, "huge-out"))).toBe(false);
  });
});
