// `posec build`: without --target it writes the tfjs training program and the ONNX model, each in its
// own folder, and prints one screen (size, what was written, how to run it); several targets go to one
// subfolder each, so that `--target ir,onnx,tfjs,pytorch` works in one call.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modelParams } from "../../core/params/index.js";
import { inferShapes } from "../../core/shapes.js";
import { buildReport, runCommand } from "../../cli/commands/build-report.js";
import { compileIr } from "../helpers.js";
import pkg from "../../package.json" with { type: "json" };
import { posec } from "./run.js";

const SPEC = "models/small_resnet18_cmupose.posenet";
const tmp = mkdtempSync(join(tmpdir(), "posec-build-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("posec build without --target", () => {
  it("writes the tfjs program and the ONNX model, each in its own folder, and says how to run them", () => {
    const out = join(tmp, "default");
    const r = posec(["build", SPEC, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["onnx", "tfjs"]);
    expect(readdirSync(join(out, "onnx"))).toEqual(["model.onnx"]);
    expect(readdirSync(join(out, "tfjs")).sort()).toEqual(["README.md", "model.ir.json", "model.ts", "package.json", `posec-runtime-${pkg.version}.tgz`, "train.ts", "tsconfig.json"]);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(`small_resnet18_cmupose (${SPEC}): input 128×128×3`);
    expect(lines).toContain(`onnx    wrote ${out}/onnx/model.onnx`);
    expect(lines).toContain(`        posec infer --model ${out}/onnx/model.onnx IMAGE...`);
    expect(lines).toContain(`        cd ${out}/tfjs && npm install && npm run build && npm run train -- --data synth --steps 300`);
    // one screen
    expect(lines.length).toBeLessThan(24);
  });
});

describe("posec build --target LIST", () => {
  it("builds ir, onnx, tfjs and pytorch in one call, one folder each (two README.md, no clash)", () => {
    const out = join(tmp, "all");
    const r = posec(["build", SPEC, "--target", "ir,onnx,tfjs,pytorch", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["ir", "onnx", "pytorch", "tfjs"]);
    expect(readFileSync(join(out, "tfjs", "README.md"), "utf8")).toMatch(/^# small_resnet18_cmupose in tfjs/);
    expect(readFileSync(join(out, "pytorch", "README.md"), "utf8")).toMatch(/^# small_resnet18_cmupose in PyTorch/);
    expect(existsSync(join(out, "pytorch", "train.py"))).toBe(true);
    for (const t of ["ir", "onnx", "tfjs", "pytorch"]) expect(r.stdout).toMatch(new RegExp(`^${t} +wrote ${out}/${t}/`, "m"));
  });

  it("writes a single target into --out itself, and names a repeated target once", () => {
    const out = join(tmp, "one");
    const r = posec(["build", SPEC, "--target", "onnx,onnx", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual(["model.onnx"]);
  });

  it("refuses an empty or unknown target list before writing anything", () => {
    const empty = posec(["build", SPEC, "--target", ",", "--out", join(tmp, "empty")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--target needs at least one target");
    const unknown = posec(["build", SPEC, "--target", "tfjs,pytroch", "--out", join(tmp, "unknown")]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown target `pytroch`");
    expect(existsSync(join(tmp, "empty")) || existsSync(join(tmp, "unknown"))).toBe(false);
  });
});

describe("the build report", () => {
  it("counts the parameters the weight layouts have, and gives each target its command", () => {
    const ir = compileIr(SPEC);
    const shapes = inferShapes(ir, ir.input.height, ir.input.width).report!;
    const total = modelParams(ir).reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    const text = buildReport(ir, shapes, [{ target: "pytorch", dir: "out dir", files: ["model.py", "train.py"] }]);
    expect(text).toContain(`  ${total.toLocaleString("en-US")} parameters (`);
    // 16 = 128 / stride 8; 19 heatmap channels (18 COCO joints + background), 38 = 2 x 19 limbs
    expect(text).toContain("  outputs: pafs 16×16×38, heatmaps 16×16×19\n");
    expect(text).toContain("pytorch wrote out dir/: model.py, train.py\n        cd 'out dir' && python3 train.py --data DATA");
    const backbone = compileIr("models/reference/resnet18.posenet");
    expect(runCommand(backbone, { target: "tfjs", dir: "b", files: [] })).toBe("cd b && npm install && npm run build");
  });
});
