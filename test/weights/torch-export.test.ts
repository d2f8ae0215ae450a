// `posec export --format pytorch`: a posec checkpoint as the state dict of the generated model.py. The
// file is written by posec's own torch.save writer (runtime/weights/torch-write.ts); torch itself must load
// it into `posec build --target pytorch`'s model with load_state_dict(strict=True) (torch_state_ref.py, run
// by /usr/bin/python3), and the model's outputs on a seeded input must equal ONNX Runtime's on posec's
// ONNX export of the same checkpoint, within 1e-4 of the largest value. The checkpoint comes from
// `posec import` of a seeded torchvision-named state dict (resnet18_narrow_ref.py: random BatchNorm
// statistics), its other layers seeded by posec.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { posec } from "../cli/run.js";

const PYTHON = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "posec-torch-export-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPEC = `posenet 1
model tiny_r18
input image 64x64x3 scale=1/256 shift=-0.5
backbone resnet18 width=8 until layer2
adapter {
  conv 3x3 16 relu
}
keypoints coco18
stages 2 stride=8 {
  first each branch { conv 3x3 16 relu; conv 1x1 out }
  refine each branch { conv 3x3 16 relu; conv 1x1 out }
}
`;

const floats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe("posec export --format pytorch", () => {
  it("the generated model.py loads the state dict strictly and matches the ONNX export", async () => {
    const spec = join(work, "tiny_r18.posenet");
    writeFileSync(spec, SPEC);
    mkdirSync(join(work, "tv"));
    execFileSync(PYTHON, [join(import.meta.dirname, "resnet18_narrow_ref.py"), join(work, "tv"), "8", "11"]);
    const run = join(work, "run");
    const ok = (args: string[]) => {
      const r = posec(args);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    ok(["import", spec, join(work, "tv", "state.pt"), "--out", run]);
    ok(["build", spec, "--target", "pytorch", "--out", join(work, "py")]);
    const written = ok(["export", spec, "--checkpoint", run, "--format", "pytorch", "--out", join(work, "model.pt")]);
    expect(written.stdout).toMatch(/wrote .*model\.pt \(78 tensors/);
    ok(["export", spec, "--checkpoint", run, "--out", join(work, "model.onnx")]);
    // posec's own PyTorch reader takes the file back too
    ok(["export", spec, "--checkpoint", join(work, "model.pt"), "--out", join(work, "again.onnx")]);
    const outDir = join(work, "torch-out");
    mkdirSync(outDir);
    execFileSync(PYTHON, [join(import.meta.dirname, "torch_state_ref.py"), join(work, "py"), join(work, "model.pt"), outDir, "64", "3"]);

    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(join(work, "model.onnx"), { intraOpNumThreads: 2, interOpNumThreads: 1 });
    const out = await session.run({ image: new ort.Tensor("float32", floats(join(outDir, "input.bin")), [1, 3, 64, 64]) });
    await session.release();
    for (const name of ["pafs", "heatmaps"]) {
      const expected = floats(join(outDir, `${name}.bin`));
      const actual = out[name].data as Float32Array;
      expect(actual.length).toBe(expected.length);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < expected.length; i++) (diff = Math.max(diff, Math.abs(actual[i] - expected[i]))), (scale = Math.max(scale, Math.abs(expected[i])));
      console.log(`${name}: generated model.py with the exported state dict vs ONNX: max relative difference ${diff / scale}`);
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThanOrEqual(1e-4);
    }
  }, 120_000);

  it("refuses an unknown --format", () => {
    expect(posec(["export", join(work, "tiny_r18.posenet"), "--checkpoint", join(work, "run"), "--format", "keras"]).code).toBe(2);
    expect(posec(["export", join(work, "tiny_r18.posenet"), "--checkpoint", join(work, "run"), "--format", "pytorch", "--fold-bn"]).code).toBe(2);
  });
});
