// The generated PyTorch program takes torchvision's state dicts as they are: the standard library labels its
// ResNets with torchvision's module names, so model.py's module paths are torchvision's keys. References:
// torchvision_ref.py (torchvision's own resnet50/resnet18/vgg19 with seeded weights and random BatchNorm
// statistics, their outputs on a seeded input). VGG-19 keeps Caffe's names (CMU's caffemodels need them):
// its torchvision file goes through posec's written mapping (map-torchvision.ts) and `export --format
// pytorch` (torch-write.ts) into the generated model.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadForeignWeights } from "../../runtime/weights/load.js";
import { torchSaveBytes, torchStateDict } from "../../runtime/weights/torch-write.js";
import { compileIr, compileText } from "../helpers.js";
import { PYTHON, pythonJson, writePackage } from "../pytorch/helpers.js";

const REF = join(import.meta.dirname, "torchvision_ref.py");
const work = mkdtempSync(join(tmpdir(), "posec-torchvision-pytorch-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function reference(arch: string, size: number, seed: number): string {
  const dir = mkdtempSync(join(work, `${arch}-`));
  execFileSync(PYTHON, [REF, arch, dir, String(size), String(seed)]);
  return dir;
}

/** Runs the generated model on the reference's input after `load` (Python) and compares with `expected` (Python). */
function run(pkg: string, ref: string, size: number, load: string, expected: string) {
  return pythonJson<{ missing: string[]; unexpected: string[]; diff: number; scale: number }>(
    `
import json, numpy as np, torch
torch.set_num_threads(2)
from model import Model
m = Model()
sd = torch.load(${JSON.stringify(join(ref, "state.pt"))})
${load}
m.eval()
x = torch.from_numpy(np.fromfile(${JSON.stringify(join(ref, "input.bin"))}, dtype="<f4").reshape(1, 3, ${size}, ${size}))
with torch.no_grad():
    y = m(x)
    want = ${expected}
y = y if torch.is_tensor(y) else y[0]
print(json.dumps({"missing": r.missing_keys, "unexpected": r.unexpected_keys,
                  "diff": (y.reshape(want.shape) - want).abs().max().item(), "scale": want.abs().max().item()}))
`,
    pkg,
    { timeout: 240_000 },
  );
}

describe("torchvision state dicts in the generated PyTorch program", () => {
  it("resnet50: load_state_dict(strict=True) into models/reference/resnet50's model.py, same logits", () => {
    const ref = reference("resnet50", 64, 3);
    const pkg = writePackage(compileIr("models/reference/resnet50.posenet"), join(work, "r50"));
    const out = run(pkg, ref, 64, "r = m.load_state_dict(sd, strict=True)", "torch.from_numpy(np.fromfile(" + JSON.stringify(join(ref, "output.bin")) + ', dtype="<f4")).reshape(1, -1)');
    expect(out.missing).toEqual([]);
    expect(out.unexpected).toEqual([]);
    console.log(`resnet50 model.py vs torchvision: max |diff| ${out.diff} (logits up to ${out.scale})`);
    expect(out.diff / out.scale).toBeLessThanOrEqual(1e-4);
  }, 240_000);

  it("resnet18 under a pose head, cut at layer2: missing = the pose head, unexpected = the cut-off layers", () => {
    const ref = reference("resnet18", 64, 4);
    const spec = `posenet 1
model r18_pose
input image 64x64x3
keypoints coco18
backbone resnet18 until layer2
adapter { cpm: conv 3x3 32 relu }
stages 2 stride=8 {
  first each branch { conv 3x3 32 relu; conv 1x1 out }
  refine each branch { conv 3x3 32 relu; conv 1x1 out }
}
`;
    const ir = compileText(work, spec, "r18_pose");
    const pkg = writePackage(ir, join(work, "r18_pose"));
    // reference: torchvision's resnet18 itself, run up to layer2
    const tv = `__import__("torchvision").models.resnet18()`;
    const out = run(
      pkg,
      ref,
      64,
      `r = m.load_state_dict(sd, strict=False)
tv = ${tv}
tv.load_state_dict(sd)
tv.eval()
m.forward = lambda x: super(type(m), m).forward(x)`,
      "tv.layer2(tv.layer1(tv.maxpool(tv.relu(tv.bn1(tv.conv1(x))))))",
    );
    expect(new Set(out.unexpected.map((k) => k.split(".")[0]))).toEqual(new Set(["layer3", "layer4", "fc"]));
    expect(out.missing.every((k) => /^(adapter|first|refine)\./.test(k))).toBe(true);
    expect(out.missing).toContain("adapter.cpm.weight");
    expect(out.missing).toContain("refine.heatmap.conv2.bias"); // a one-stage group is the stage itself
    console.log(`resnet18 until layer2 in model.py vs torchvision: max |diff| ${out.diff} (features up to ${out.scale})`);
    expect(out.diff / out.scale).toBeLessThanOrEqual(1e-4);
  }, 240_000);

  it("vgg19 (Caffe's names): torchvision's file through posec's mapping and export, strict load, same features", async () => {
    const ref = reference("vgg19", 64, 7);
    const ir = compileText(work, "posenet 1\nmodel vgg_front\ninput image 64x64x3\nbackbone vgg19 until conv4_2\n", "vgg_front");
    const { weights, report } = await loadForeignWeights(join(ref, "state.pt"), ir, 1);
    // the cut-off layers, reported: torchvision's features 23.. (conv4_3 on) and the classifier
    const ignored = report.entries.filter((e) => e.status === "ignored").map((e) => e.source!);
    expect(ignored).toContain("features.23.weight");
    expect(ignored).toContain("classifier.6.bias");
    expect(report.counts.loaded).toBe(20);
    writeFileSync(join(ref, "posec.pt"), torchSaveBytes(torchStateDict(ir, weights)));
    const pkg = writePackage(ir, join(work, "vgg_front"));
    const out = run(
      pkg,
      ref,
      64,
      `r = m.load_state_dict(torch.load(${JSON.stringify(join(ref, "posec.pt"))}), strict=True)
tv = __import__("torchvision").models.vgg19()
tv.load_state_dict(sd)
tv.eval()`,
      "tv.features[:23](x)",
    );
    expect(out.missing).toEqual([]);
    expect(out.unexpected).toEqual([]);
    console.log(`vgg19 until conv4_2 in model.py vs torchvision: max |diff| ${out.diff} (features up to ${out.scale})`);
    expect(out.diff / out.scale).toBeLessThanOrEqual(1e-4);
  }, 240_000);
});
