// The patent's spec (models/se_resnet_okhm_cmupose.posenet: SE-ResNet-50 with R=8, cut after layer2,
// CMU-Pose's adapter and stages) from a full-size ImageNet ResNet-50 state dict: torchvision's own
// resnet50() with seeded weights, saved by torch.save. Checked through `posec import` and its report only
// (tensor sources are torchvision's keys; spec layers are told apart by the spec line they come from, so
// the standard library's labels may change):
// - every tensor of conv1, bn1, layer1 and layer2 is loaded, with the shape torchvision gives it;
// - the SE layers (defined in the standard library, models/std) start fresh at R=8: torchvision has none;
// - layer3, layer4 and fc are ignored, each with a reason; the adapter and the stages start fresh.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { LoadEntry, LoadReport } from "../../runtime/weights/report.js";
import { posec } from "../cli/run.js";
import { PYTHON, tempDir } from "../pytorch/helpers.js";

const tmp = tempDir("patent-imagenet");
afterAll(() => tmp.remove());

it("posec import se_resnet_okhm_cmupose from torchvision's resnet50: backbone loaded to layer2, SE fresh, the rest ignored", () => {
  const file = join(tmp.dir, "r50.pth");
  const shapes = join(tmp.dir, "shapes.json");
  execFileSync(PYTHON, [
    "-c",
    `import json, sys, torch, torchvision
torch.manual_seed(1)
m = torchvision.models.resnet50()
with torch.no_grad():
    for name, b in m.named_buffers():
        if name.endswith("running_var"): b.copy_(torch.rand_like(b) + 0.5)
        elif name.endswith("running_mean"): b.copy_(torch.randn_like(b) * 0.1)
sd = m.state_dict()
torch.save(sd, sys.argv[1])
json.dump({k: list(v.shape) for k, v in sd.items()}, open(sys.argv[2], "w"))`,
    file,
    shapes,
  ]);
  const torchShapes = JSON.parse(readFileSync(shapes, "utf8")) as Record<string, number[]>;
  const out = join(tmp.dir, "run");
  const r = posec(["import", "models/se_resnet_okhm_cmupose.posenet", file, "--out", out], { timeout: 300_000 });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/\(PyTorch state dict.*\) -> se_resnet_okhm_cmupose: 120 tensors loaded, \d+ initialised fresh, 147 ignored/);
  const report = JSON.parse(readFileSync(join(out, "import-report.json"), "utf8")) as LoadReport;
  const by = (status: LoadEntry["status"]) => report.entries.filter((e) => e.status === status);

  // loaded: exactly torchvision's conv1, bn1, layer1.*, layer2.* (53 BatchNorm counters are not weights)
  const front = Object.keys(torchShapes).filter((k) => /^(conv1|bn1|layer1|layer2)\./.test(k) && !k.endsWith("num_batches_tracked"));
  expect(front.length).toBe(120);
  expect(by("loaded").map((e) => e.source).sort()).toEqual(front.sort());
  for (const e of by("loaded")) {
    const t = torchShapes[e.source!];
    // posec's layout: conv kernels HWIO from torch's OIHW, vectors as they are
    expect(e.shape, e.source!).toEqual(t.length === 4 ? [t[2], t[3], t[1], t[0]] : t);
    expect(e.spec, e.source!).toMatch(/(^|\/)std\/\w+\.posenet:\d+:\d+$/);
  }
  expect(report.notes.join(" ")).toMatch(/53 BatchNorm num_batches_tracked counters skipped/);

  // fresh: the SE layers of the 7 blocks up to layer2 (2 convs with bias each), at R=8, and the layers
  // outside the backbone (adapter and stages, from cmu_pose_vgg19.posenet)
  const fresh = by("fresh");
  const se = fresh.filter((e) => /(^|\/)std\/\w+\.posenet:/.test(e.spec!));
  expect(se.length).toBe(7 * 4);
  const squeezes = se.filter((e) => e.shape.length === 4 && e.shape[2] > e.shape[3]).map((e) => e.shape[2] / e.shape[3]);
  expect(squeezes.length).toBe(7);
  expect(new Set(squeezes)).toEqual(new Set([8]));
  // the reason tells a layer torchvision's network lacks (inside a block the file sets) from one outside it
  for (const e of se) expect(e.reason, e.tensor!).toMatch(/^the file sets the other layers of `layer[12]\.\d` \(a `\w+` block\) but has none for `\w+`/);
  for (const e of fresh.filter((x) => !se.includes(x))) {
    expect(e.spec, e.tensor!).toMatch(/cmu_pose_vgg19\.posenet:\d+:\d+$/);
    expect(e.reason, e.tensor!).toMatch(/^the file has no layer for `\w+`$/);
  }

  // ignored: layer3, layer4 and the classifier, each with its reason
  const ignored = by("ignored");
  const rest = Object.keys(torchShapes).filter((k) => /^(layer3|layer4|fc)\./.test(k) && !k.endsWith("num_batches_tracked"));
  expect(ignored.map((e) => e.source).sort()).toEqual(rest.sort());
  for (const e of ignored) expect(e.reason, e.source!).toMatch(/no layer|not a backbone layer/);
}, 400_000);
