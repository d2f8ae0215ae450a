// `posec train` starting from weights: the spec's backbone `weights="FILE"` and `--init-from FILE`.
// resnet18_narrow_ref.py (torch, seeded) writes a state dict with torchvision's resnet18 key names at 1/8
// of the width, and each tensor's values in torch's layout. The starting weights must equal those values
// (transposed by hand here from OIHW to posec's HWIO), for the backbone only; every other layer must keep
// the seeded initialisation of a run without weights; the load report lists both and is saved in the run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { fileHost } from "../../compiler/host.js";
import type { Ir } from "../../core/ir/types.js";
import { validateIr } from "../../core/ir/validate.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { readCheckpointWeights } from "../../runtime/checkpoint/read.js";
import { startingWeights } from "../../runtime/weights/start.js";
import { posec } from "../cli/run.js";
import { STD } from "../helpers.js";

const PYTHON = "/usr/bin/python3";
const REF = join(import.meta.dirname, "resnet18_narrow_ref.py");
const work = mkdtempSync(join(tmpdir(), "posec-train-init-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SPEC = (weights: string) => `posenet 1
model tiny_r18
input image 64x64x3 scale=1/256 shift=-0.5
init kaiming mode=fan_in
backbone resnet18 width=8 until layer2${weights}
adapter {
  conv 3x3 16 relu
}
keypoints coco18
stages 2 stride=8 {
  first each branch { conv 3x3 16 relu; conv 1x1 out std=0.01 }
  refine each branch { conv 3x3 16 relu; conv 1x1 out std=0.01 }
}
train {
  data synth count=4 size=64 seed=7
  optimizer adam lr=1e-3
  batch 2
  steps 2
}
`;

type Index = Record<string, { offset: number; shape: number[] }>;
let index: Index;
let values: Buffer;

/** The file's tensor `key` in posec's layout: conv kernels OIHW -> HWIO, vectors as they are. */
function fileTensor(key: string): Float32Array {
  const { offset, shape } = index[key];
  const count = shape.reduce((a, b) => a * b, 1);
  const src = new Float32Array(values.buffer.slice(values.byteOffset + offset, values.byteOffset + offset + 4 * count));
  if (shape.length !== 4) return src;
  const [o, i, h, w] = shape;
  const out = new Float32Array(count);
  for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = src[((a * i + b) * h + y) * w + x];
  return out;
}

// torchvision's key -> posec's tensor, written out for a few layers of each kind (independent of the mapper)
const EXPECTED: [string, string][] = [
  ["conv1.weight", "conv1/kernel"],
  ["bn1.weight", "bn1/gamma"],
  ["bn1.bias", "bn1/beta"],
  ["bn1.running_mean", "bn1/moving_mean"],
  ["bn1.running_var", "bn1/moving_variance"],
  ["layer1.1.conv2.weight", "layer1_1_conv2/kernel"],
  ["layer2.0.downsample.0.weight", "layer2_0_downsample_0/kernel"],
  ["layer2.0.downsample.1.running_var", "layer2_0_downsample_1/moving_variance"],
  ["layer2.1.bn2.bias", "layer2_1_bn2/beta"],
];

function specIr(dir: string, weights: string): { ir: Ir; path: string } {
  const path = join(dir, "tiny_r18.posenet");
  writeFileSync(path, SPEC(weights));
  const r = compile(path, fileHost(STD));
  if (!r.ir) throw new Error(r.diagnostics.map((d) => d.message).join("; "));
  return { ir: r.ir, path };
}

beforeAll(() => {
  mkdirSync(join(work, "weights"));
  execFileSync(PYTHON, [REF, join(work, "weights"), "8", "5"]);
  index = JSON.parse(readFileSync(join(work, "weights", "index.json"), "utf8")) as Index;
  values = readFileSync(join(work, "weights", "tensors.bin"));
}, 60_000);

describe("training from a weight source", () => {
  it("a backbone `weights=` sets exactly the backbone's tensors from the file; the rest start as without it", async () => {
    const dir = mkdtempSync(join(work, "spec-"));
    // the path is relative to the spec file
    const { ir } = specIr(dir, ' weights="../weights/state.pt"');
    expect(ir.weightSources).toHaveLength(1);
    expect(ir.weightSources![0]).toMatchObject({ scope: "backbone", path: join(work, "weights", "state.pt") });
    expect(ir.weightSources![0].nodes).toContain("layer2_1_bn2");
    expect(ir.weightSources![0].nodes).not.toContain("adapter_conv1");
    const out = join(dir, "run");
    const lines: string[] = [];
    const { weights, loads } = await startingWeights(ir, ir.weightSources!, 3, out, (t) => lines.push(t));
    for (const [key, name] of EXPECTED) expect(Array.from(weights.get(name)!.data), `${key} -> ${name}`).toEqual(Array.from(fileTensor(key)));
    // conv1 through layer2 of resnet18: 20 convolution / BatchNorm layers, 50 tensors (convs have no bias)
    const report = loads[0].report;
    expect(report.counts.loaded).toBe(50);
    const fresh = new Set(report.entries.filter((e) => e.status === "fresh").map((e) => e.tensor));
    const plain = initialWeights(modelParams(ir), 3);
    for (const p of modelParams(ir)) {
      if (!ir.weightSources![0].nodes.includes(p.node)) {
        expect(fresh.has(p.name), p.name).toBe(true);
        expect(Array.from(weights.get(p.name)!.data), p.name).toEqual(Array.from(plain.get(p.name)!.data));
      }
    }
    expect(report.entries.find((e) => e.source === "layer3.0.conv1.weight")?.status).toBe("ignored");
    expect(report.entries.find((e) => e.source === "fc.weight")?.status).toBe("ignored");
    const saved = JSON.parse(readFileSync(join(out, "weights-report.json"), "utf8"));
    expect(saved.sources[0].scope).toBe("backbone");
    expect(saved.sources[0].report.counts).toEqual(report.counts);
    expect(lines[0]).toMatch(/50 tensors loaded, 18 initialised fresh/);
  });

  it("`init from` covers the whole model and applies after the backbone's weights=; both paths are relative to the spec", () => {
    const dir = mkdtempSync(join(work, "both-"));
    mkdirSync(join(dir, "sub"));
    const path = join(dir, "sub", "both.posenet");
    writeFileSync(path, SPEC(' weights="../../weights/state.pt"').replace("init kaiming mode=fan_in", 'init kaiming mode=fan_in\ninit from "../../weights"'));
    const r = compile(path, fileHost(STD));
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    expect(r.ir!.weightSources!.map((s) => [s.scope, s.path, s.nodes.length > 0, s.span.line])).toEqual([
      ["backbone", join(work, "weights", "state.pt"), true, 6],
      ["model", join(work, "weights"), false, 5],
    ]);
    // an IR read back from JSON is checked: a weight source's layers must exist, and the field is schema-checked
    const bad = JSON.parse(JSON.stringify(r.ir));
    bad.weightSources[0].nodes.push("no_such_layer");
    expect(validateIr(bad).diagnostics.map((d) => d.message).join()).toMatch(/names layers the model does not have: `no_such_layer`/);
    bad.weightSources[0].scope = "stages";
    expect(validateIr(bad).ir).toBeUndefined();
    // the spec's `init kaiming` still sets how its own layers start (the backbone block has its own)
    expect(r.ir!.nodes.find((n) => n.name === "adapter_conv1")!.attrs).toMatchObject({ weightInit: { kind: "kaiming", mode: "fan_in" } });
  });

  it("`posec train` starts from the backbone's weights= and saves weights-report.json; --init-from takes a run folder", () => {
    const dir = mkdtempSync(join(work, "cli-"));
    writeFileSync(join(dir, "tiny_r18.posenet"), SPEC(' weights="../weights/state.pt"'));
    const run1 = join(dir, "run1");
    const r = posec(["train", join(dir, "tiny_r18.posenet"), "--backend", "cpu", "--out", run1]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/weights from .*tiny_r18\.posenet:5:40: .*state\.pt \(PyTorch state dict \(model\.py \/ torchvision module paths\)\) -> tiny_r18: 50 tensors loaded, 18 initialised fresh/);
    const report = JSON.parse(readFileSync(join(run1, "weights-report.json"), "utf8"));
    expect(report.sources[0].report.counts.loaded).toBe(50);
    // Adam moves a weight by at most about lr (1e-3) a step: after 2 steps conv1 is within 2e-3 of the
    // file's (values ~0.1, a fresh initialisation would be ~0.1 away)
    const after = readCheckpointWeights(join(run1, "checkpoints", "step-0000002"));
    const trained = after.get("conv1/kernel")!.data;
    const file = fileTensor("conv1.weight");
    let moved = 0;
    for (let i = 0; i < file.length; i++) moved = Math.max(moved, Math.abs(trained[i] - file[i]));
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(2.1e-3);

    // a new run from the first one's last checkpoint: every tensor loaded, steps counted from 0 again
    writeFileSync(join(dir, "plain.posenet"), SPEC(""));
    const run2 = join(dir, "run2");
    const r2 = posec(["train", join(dir, "plain.posenet"), "--backend", "cpu", "--out", run2, "--init-from", run1, "--steps", "1"]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/weights from --init-from: .* 68 tensors loaded, 0 initialised fresh/);
    expect(existsSync(join(run2, "checkpoints", "step-0000001"))).toBe(true);
    expect(posec(["train", join(dir, "plain.posenet"), "--out", join(dir, "x"), "--init-from", join(dir, "nope.pt")]).code).toBe(1);
    expect(posec(["train", join(dir, "plain.posenet"), "--out", run1, "--init-from", run1, "--resume"]).code).toBe(2);
  }, 120_000);
});
