// The PyTorch target's files: registered with `posec build`, deterministic, tidy (4-space indents, at
// most 100 columns, spec lines), valid Python, seeded initialisation as the spec says, and names that
// Python or nn.Module own mapped consistently (model.py, state dict, checkpoint reader).
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emitPytorch } from "../../compiler/emit/pytorch/index.js";
import { torchKeys, torchPaths } from "../../core/torch-names.js";
import { TARGETS } from "../../compiler/emit/targets.js";
import { initialWeights, modelParams } from "../../core/params/index.js";
import { readTorchStateDict, torchToPosecWeights } from "../../runtime/checkpoint/torch.js";
import { posec } from "../cli/run.js";
import { ZOO } from "../helpers.js";
import { compileIr, pythonJson, tempDir, writePackage, writeTfjsWeights } from "./helpers.js";

const tmp = tempDir("torch-emit");
afterAll(() => tmp.remove());
const POSE_FILES = ["README.md", "data.py", "images.py", "layers.py", "losses.py", "model.py", "rng.py", "spec.py", "train.py", "transforms.py"];

describe("posec build --target pytorch", () => {
  it("is a registered target and writes the package, byte-identical on a second run", () => {
    expect(Object.keys(TARGETS)).toContain("pytorch");
    const a = join(tmp.dir, "cli-a");
    const b = join(tmp.dir, "cli-b");
    for (const out of [a, b]) {
      const r = posec(["build", "models/small_resnet18_cmupose.posenet", "--target", "pytorch", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`pytorch wrote ${out}/: model\\.py, .*, train\\.py, README\\.md\\n`));
    }
    expect(readdirSync(a).sort()).toEqual(POSE_FILES);
    for (const f of POSE_FILES) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    // the installed CLI ships the support files (dist/python) unchanged
    for (const f of ["layers.py", "train.py"]) expect(readFileSync(join(a, f), "utf8"), f).toBe(readFileSync(join("compiler/emit/pytorch/python", f), "utf8"));
  });

  it("changes only the seed line for another --seed, and writes model, spec and README for a bare backbone", () => {
    const ir = compileIr("models/small_resnet18_cmupose.posenet");
    const one = emitPytorch(ir, 1).files;
    const two = emitPytorch(ir, 2).files;
    for (const [i, f] of one.entries()) {
      if (f.path !== "model.py") expect(two[i].data).toBe(f.data);
    }
    const changed = (one[0].data as string).split("\n").filter((l, i) => l !== (two[0].data as string).split("\n")[i]);
    expect(changed).toEqual(["SEED = 1  # seed of the initial weights (posec build --seed)"]);
    const bare = emitPytorch(compileIr("models/reference/resnet18.posenet"), 1);
    expect(bare.files.map((f) => f.path).sort()).toEqual(["README.md", "layers.py", "model.py", "spec.py"]);
  });

  it("keeps every file tidy and points at the spec from every class", () => {
    for (const spec of [...ZOO, "models/reference/vgg19.posenet", "test/pytorch/fixtures/every_op.posenet"]) {
      const ir = compileIr(spec);
      const { files, diagnostics } = emitPytorch(ir, 1);
      expect(diagnostics).toEqual([]);
      for (const f of files.filter((x) => x.path.endsWith(".py"))) {
        const text = f.data as string;
        expect(text.endsWith("\n") && !text.endsWith("\n\n"), `${spec} ${f.path} ends with one newline`).toBe(true);
        text.split("\n").forEach((line, i) => {
          const where = `${spec} ${f.path}:${i + 1}`;
          expect(line.length, where).toBeLessThanOrEqual(100);
          expect(line, where).not.toMatch(/\t|\s$/);
          // statements sit on 4-space levels (continuation lines may align with their bracket)
          if (/^ *(def|class|if|elif|else|for|while|return|with|try|except|import|from|raise) /.test(line)) {
            expect(/^ */.exec(line)![0].length % 4, where).toBe(0);
          }
        });
      }
      // every spec line that made a layer is named in a `# spec:` comment
      const model = files.find((f) => f.path === "model.py")!.data as string;
      for (const n of ir.nodes) expect(model, n.name).toContain(`# spec: ${n.span.file}:${n.span.line}\n`);
    }
  });
});

describe("generated Python", () => {
  it("compiles, starts train.py, and initialises as the spec says, seeded", () => {
    const pkg = writePackage(compileIr("models/cmu_pose_vgg19.posenet"), join(tmp.dir, "vgg"));
    const got = pythonJson<Record<string, unknown>>(
      `
import json, py_compile, subprocess, sys
import torch
for f in ${JSON.stringify(POSE_FILES.filter((f) => f.endsWith(".py")))}:
    py_compile.compile(f, doraise=True)
helped = subprocess.run([sys.executable, "train.py", "--help"], capture_output=True, text=True)
from model import Model
torch.set_num_threads(2)
a = Model()
head = lambda m: [t.clone() for t in list(m.state_dict().values())[-6:]]
first = head(a)
a.reset_parameters(1)
same = all(torch.equal(x, y) for x, y in zip(first, head(a)))
a.reset_parameters(2)
other = all(torch.equal(x, y) for x, y in zip(first, head(a)))
a.reset_parameters()
w = a.refine[0].paf.conv1.weight
print(json.dumps({"help": helped.stdout, "same": same, "other": other, "std": w.std().item(),
                  "mean": w.mean().item(), "bias": a.refine[0].paf.conv1.bias.abs().max().item(),
                  "pool": [a.pool1.ceil_mode, a.pool1.kernel_size, a.pool1.stride]}))
`,
      pkg,
    );
    expect(got.help).toContain("--nproc");
    expect(got.help).toContain("--resume");
    expect(got.same).toBe(true);
    expect(got.other).toBe(false);
    // CMU's init: weights N(0, 0.01), zero biases; Caffe's ceil pooling
    expect(Math.abs((got.std as number) - 0.01)).toBeLessThan(2e-4);
    expect(Math.abs(got.mean as number)).toBeLessThan(2e-4);
    expect(got.bias).toBe(0);
    expect(got.pool).toEqual([true, 2, 2]);
  }, 120_000);

  it("follows the spec's Kaiming fan-out init and BN settings (ResNet front)", () => {
    const ir = compileIr("models/small_resnet18_cmupose.posenet");
    const pkg = writePackage(ir, join(tmp.dir, "small"));
    const got = pythonJson<{ std: number; expected: number; bn: number[]; weight: number; bias: number }>(
      `
import json, math
from model import Model
m = Model()
w = m.layer2[0].conv1.weight
print(json.dumps({"std": w.std().item(), "expected": math.sqrt(2 / (w.shape[0] * 9)),
                  "bn": [m.bn1.momentum, m.bn1.eps], "weight": m.bn1.weight.mean().item(),
                  "bias": m.bn1.bias.abs().max().item()}))
`,
      pkg,
    );
    expect(Math.abs(got.std / got.expected - 1)).toBeLessThan(0.03);
    expect(got.bn).toEqual([0.1, 1e-5]); // posec keeps 0.9 of the statistics; PyTorch's momentum is 1 - 0.9
    expect([got.weight, got.bias]).toEqual([1, 0]);
  }, 60_000);

  it("renames layers whose names Python or nn.Module own, consistently in model.py and the state dict", () => {
    const spec = join(tmp.dir, "reserved.posenet");
    writeFileSync(spec, "posenet 1\nmodel reserved_names\ninput image 8x8x3\nbackbone {\n  forward: conv 3x3 4\n  lambda: conv 3x3 4\n  training: bn\n  self: relu\n}\n");
    const ir = compileIr(spec);
    expect([...torchPaths(ir).values()]).toEqual(["forward_", "lambda_", "training_", "self_"]);
    expect(torchKeys(ir)("training/moving_variance")).toBe("training_.running_var");
    const pkg = writePackage(ir, join(tmp.dir, "reserved"));
    const weights = initialWeights(modelParams(ir), 4);
    const modelJson = writeTfjsWeights(weights, join(pkg, "w"));
    const keys = pythonJson<string[]>(
      `
import json, torch
from model import Model, load_posec_weights, read_tfjs_weights
m = Model()
load_posec_weights(m, read_tfjs_weights(${JSON.stringify(modelJson)}))
m.eval()
m(torch.zeros(1, 3, 8, 8))
torch.save(m.state_dict(), "sd.pt")
print(json.dumps(list(m.state_dict().keys())))
`,
      pkg,
    );
    expect(keys).toContain("forward_.weight");
    expect(keys).toContain("training_.running_mean");
    const back = torchToPosecWeights(readTorchStateDict(join(pkg, "sd.pt")), ir);
    expect([...back.keys()]).toEqual([...weights.keys()]);
    for (const [name, t] of weights) expect([...back.get(name)!.data], name).toEqual([...t.data]);
  }, 60_000);
});
