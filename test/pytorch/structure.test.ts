// model.py keeps the spec's structure: one class per block definition (Python's own parser, `ast`, reads the
// classes), attributes nested as the spec nests blocks, repeated stages as a loop, at most 400 lines for
// CMU-Pose, pyflakes-clean; and the module paths PyTorch itself reports are the ones posec's readers and
// writers compute (core/torch-names.ts) for every parameter and BatchNorm statistic.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { torchKeys } from "../../core/torch-names.js";
import { modelParams } from "../../core/params/index.js";
import { compileIr, PYTHON, pythonJson, tempDir, writePackage } from "./helpers.js";

const tmp = tempDir("torch-structure");
afterAll(() => tmp.remove());

interface Shape {
  lines: number;
  classes: Record<string, { bases: string[]; init: string[] }>;
  keys: string[];
}

/** Classes (bases, __init__ arguments), line count and state-dict keys of a generated model.py. */
function shapeOf(pkg: string): Shape {
  return pythonJson<Shape>(
    `
import ast, json
src = open("model.py").read()
tree = ast.parse(src)
classes = {}
for c in tree.body:
    if isinstance(c, ast.ClassDef):
        init = next(f for f in c.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
        classes[c.name] = {"bases": [ast.unparse(b) for b in c.bases], "init": [a.arg for a in init.args.args[1:]]}
import torch
torch.set_num_threads(2)
from model import Model
print(json.dumps({"lines": len(src.splitlines()), "classes": classes, "keys": list(Model().state_dict())}))
`,
    pkg,
  );
}

function pyflakes(pkg: string): string {
  const r = spawnSync(PYTHON, ["-m", "pyflakes", "model.py", "spec.py"], { cwd: pkg, encoding: "utf8" });
  return `${r.stdout}${r.stderr}`.trim();
}

/** posec's state-dict keys of an IR: every parameter, and each BatchNorm's step counter. */
function posecKeys(spec: string): string[] {
  const ir = compileIr(spec);
  const key = torchKeys(ir);
  const params = modelParams(ir).map((p) => key(p.name));
  return [...params, ...params.filter((k) => k.endsWith(".running_var")).map((k) => k.replace(/running_var$/, "num_batches_tracked"))];
}

describe("model.py keeps the spec's structure", () => {
  it("CMU-Pose: at most 400 lines, a class per block, the refine stages in one ModuleList, pyflakes-clean", () => {
    const spec = "models/cmu_pose_vgg19.posenet";
    const pkg = writePackage(compileIr(spec), join(tmp.dir, "cmu"));
    const got = shapeOf(pkg);
    console.log(`cmu_pose_vgg19 model.py: ${got.lines} lines, classes ${Object.keys(got.classes).join(", ")}`);
    expect(got.lines).toBeLessThanOrEqual(400);
    expect(got.classes.CmuPoseVgg19.bases).toEqual(["Vgg19"]);
    for (const name of ["Vgg19", "Adapter", "FirstStage", "FirstBranch", "RefineStage", "RefineBranch"]) expect(got.classes[name], name).toBeDefined();
    // the two heads of a stage share one class; their channel count is its argument
    expect(got.classes.RefineBranch.init).toEqual(["out"]);
    expect(got.keys).toContain("refine.4.heatmap.conv7.weight");
    expect(got.keys).toContain("conv4_2.bias");
    expect(got.keys.sort()).toEqual(posecKeys(spec).sort());
    expect(pyflakes(pkg)).toBe("");
  }, 120_000);

  it("SE-ResNet-50 front: Bottleneck classes with torchvision's arguments, SE as a sub-module, keys as posec computes", () => {
    const spec = "models/se_resnet_okhm_cmupose.posenet";
    const pkg = writePackage(compileIr(spec), join(tmp.dir, "se"));
    const got = shapeOf(pkg);
    console.log(`se_resnet_okhm_cmupose model.py: ${got.lines} lines, classes ${Object.keys(got.classes).join(", ")}`);
    expect(got.classes.SeResnetOkhmCmupose.bases).toEqual(["Resnet"]);
    expect(got.classes.BottleneckWithDownsample.init).toEqual(["in_channels", "width", "stride"]);
    // an identity unit reads width * 4 channels: its one argument is the width
    expect(got.classes.Bottleneck.init).toEqual(["width"]);
    expect(got.classes.Se).toBeDefined();
    expect(got.keys).toContain("layer2.0.downsample.1.running_mean");
    expect(got.keys).toContain("layer1.2.se_module.fc2.weight");
    expect(got.keys.sort()).toEqual(posecKeys(spec).sort());
    expect(pyflakes(pkg)).toBe("");
  }, 120_000);

  it("BODY_25 and Lightweight OpenPose: user blocks as classes (mconv, conv_dw), keys as posec computes", () => {
    for (const [spec, cls] of [
      ["models/openpose_body25.posenet", "Mconv"],
      ["models/lightweight_openpose.posenet", "ConvDw"],
    ]) {
      const pkg = writePackage(compileIr(spec), join(tmp.dir, cls));
      const got = shapeOf(pkg);
      console.log(`${spec} model.py: ${got.lines} lines, classes ${Object.keys(got.classes).join(", ")}`);
      expect(got.classes[cls], cls).toBeDefined();
      expect(got.keys.sort()).toEqual(posecKeys(spec).sort());
      expect(pyflakes(pkg)).toBe("");
    }
  }, 180_000);
});
