// The PyTorch target's fixed Python is real Python: the files in compiler/emit/pytorch/python compile,
// pass pyflakes, pass their own unit tests (test/pytorch/py, hand-computed values and PyTorch's own
// modules as references), and reach every generated package byte for byte; generated packages pass
// pyflakes too, including models whose stages produce heatmaps only or PAFs only.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PoseIr } from "../../core/ir/types.js";
import { MODEL_SUPPORT, TRAINING_SUPPORT } from "../../compiler/emit/pytorch/support.js";
import { REPO, ZOO } from "../helpers.js";
import { compileIr, PYTHON, pythonJson, tempDir, withStageOutputs, writePackage } from "./helpers.js";

const SUPPORT_DIR = join(REPO, "compiler/emit/pytorch/python");
const UNIT_TESTS = join(REPO, "test/pytorch/py");
const tmp = tempDir("torch-pyfiles");
afterAll(() => tmp.remove());

function run(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): { code: number; out: string } {
  const r = spawnSync(PYTHON, args, {
    cwd: options.cwd ?? REPO,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...options.env },
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** py_compile and pyflakes over the .py files of a folder; returns pyflakes' complaints (empty: clean). */
function lint(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith(".py")).map((f) => join(dir, f));
  expect(files.length, dir).toBeGreaterThan(0);
  const compiled = run(["-c", "import py_compile, sys\nfor f in sys.argv[1:]: py_compile.compile(f, doraise=True)", ...files]);
  expect(compiled.code, compiled.out).toBe(0);
  const flakes = run(["-m", "pyflakes", ...files]);
  return flakes.code === 0 ? "" : flakes.out || `pyflakes exited ${flakes.code}`;
}

describe("the PyTorch support files", () => {
  it("compile and pass pyflakes, as do their unit tests", () => {
    expect(lint(SUPPORT_DIR)).toBe("");
    expect(lint(UNIT_TESTS)).toBe("");
    expect(readdirSync(SUPPORT_DIR).filter((f) => f.endsWith(".py")).sort()).toEqual([...MODEL_SUPPORT, ...TRAINING_SUPPORT].sort());
  });

  it("lint catches an undefined name (the check can fail)", () => {
    const dir = join(tmp.dir, "bad");
    writePackage(compileIr("models/small_resnet18_cmupose.posenet"), dir);
    writeFileSync(join(dir, "losses.py"), readFileSync(join(dir, "losses.py"), "utf8").replace("return total, per_stage", "return totl, per_stage"));
    expect(lint(dir)).toMatch(/losses\.py:\d+:\d+:? undefined name 'totl'/);
  });

  it("pass their unit tests (rng, transforms, losses, layers)", () => {
    const r = run(["-m", "unittest", "discover", "-s", UNIT_TESTS, "-t", UNIT_TESTS], { env: { PYTHONPATH: SUPPORT_DIR } });
    expect(r.code, r.out).toBe(0);
    const ran = /Ran (\d+) tests/.exec(r.out);
    expect(Number(ran?.[1])).toBeGreaterThanOrEqual(40);
  }, 120_000);
});

describe("generated packages", () => {
  it("copy the support files byte for byte and pass pyflakes, for every model of the zoo", () => {
    for (const spec of [...ZOO, "models/reference/vgg19.posenet", "test/pytorch/fixtures/every_op.posenet", "test/pytorch/fixtures/grouped.posenet"]) {
      const ir = compileIr(spec);
      const dir = writePackage(ir, join(tmp.dir, spec.replace(/[/.]/g, "_")));
      const support = ir.stages ? [...MODEL_SUPPORT, ...TRAINING_SUPPORT] : [...MODEL_SUPPORT];
      for (const f of support) expect(readFileSync(join(dir, f)).equals(readFileSync(join(SUPPORT_DIR, f))), `${spec} ${f}`).toBe(true);
      expect(lint(dir), spec).toBe("");
    }
  }, 120_000);

  it("return None for a branch a stage does not produce, and train on what it does", () => {
    const ir = compileIr("models/small_resnet18_cmupose.posenet");
    const cases: [string, PoseIr][] = [
      ["heatmaps-only", withStageOutputs(ir, () => ({ heatmaps: true, pafs: false }))],
      ["pafs-first", withStageOutputs(ir, (s) => ({ heatmaps: s > 1, pafs: s < 3 }))],
    ];
    for (const [name, variant] of cases) {
      const dir = writePackage(variant, join(tmp.dir, name));
      expect(lint(dir), name).toBe("");
      const got = pythonJson<{ stages: [boolean, boolean][]; last: [boolean, boolean]; rows: [number, boolean, boolean][] }>(
        `
import json, torch
from model import Model
from losses import pose_loss
from spec import KEYPOINTS
torch.manual_seed(0)
m = Model()
out = m(torch.randn(2, 3, 64, 64))
h, w = out.heatmaps.shape[2:]
hm = torch.rand(2, KEYPOINTS["heatmap_channels"], h, w)
paf = torch.rand(2, KEYPOINTS["paf_channels"], h, w)
total, rows = pose_loss(out.stages, hm, paf, torch.ones(2, 1, h, w))
total.backward()
print(json.dumps({"stages": [[p is not None, x is not None] for p, x in out.stages],
                  "last": [out.pafs is not None, out.heatmaps is not None],
                  "rows": [[s, a is not None, b is not None] for s, a, b in rows]}))
`,
        dir,
      );
      const expected = variant.stages.outputs.map((s) => [s.pafs !== null, s.heatmaps !== null]);
      expect(got.stages, name).toEqual(expected);
      expect(got.last, name).toEqual([variant.outputs.pafs !== undefined, true]);
      expect(got.rows, name).toEqual(variant.stages.outputs.map((s) => [s.stage, s.heatmaps !== null, s.pafs !== null]));
    }
  }, 120_000);
});
