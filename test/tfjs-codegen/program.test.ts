// The generated programs as a user gets them: every zoo model's program type-checks with its own
// tsconfig (one tsc process for all of them), the small spec's program trains on the synthetic set the way
// `posec train` does (same losses step by step, interchangeable checkpoints), and the network model.ts
// builds equals the runtime's network from the IR (layer names, parameters, outputs for shared weights).
import { copyFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, ZOO } from "../helpers.js";
import { harness, run, tscBuild, writeProgram, type Run } from "./helpers.js";

const tmp = harness("tfjs-program");
afterAll(() => tmp.remove());

const name = (spec: string) => spec.replace(/^.*\//, "").replace(/\.posenet$/, "");
const EXTRA = ["test/tfjs-codegen/fixtures/golden_hand.posenet", "test/tfjs-codegen/fixtures/every_op.posenet"];
const SMALL = "models/small_resnet18_cmupose.posenet";
let compiled: Run;

beforeAll(async () => {
  for (const spec of [...ZOO, ...EXTRA]) await writeProgram(spec, join(tmp.dir, name(spec)));
  compiled = tscBuild(tmp.dir, [...ZOO, ...EXTRA].map(name));
}, 180_000);

describe("generated tfjs programs", () => {
  it("type-check and compile with their own tsconfig for every zoo model (and the test fixtures)", () => {
    expect(ZOO.length).toBeGreaterThanOrEqual(4); // the zoo grows; it must not vanish
    expect(compiled.code, compiled.stdout + compiled.stderr).toBe(0);
    for (const spec of [...ZOO, ...EXTRA]) expect(existsSync(join(tmp.dir, name(spec), "dist", "model.js")), spec).toBe(true);
  });

  it("train the small spec on the synthetic set with the losses and checkpoints of `posec train`", () => {
    const dir = join(tmp.dir, name(SMALL));
    const flags = ["--steps", "3", "--batch", "2", "--backend", "wasm", "--threads", "2"];
    const generated = run(process.execPath, ["dist/train.js", ...flags, "--out", "run"], dir);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stderr).toContain("backend: wasm");
    const metrics = (out: string) => readFileSync(join(dir, out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const ours = metrics("run");
    expect(ours.map((r) => r.step)).toEqual([1, 2, 3]);
    for (const r of ours) expect(Number.isFinite(r.loss) && r.loss > 0, JSON.stringify(r)).toBe(true);
    expect(generated.stdout.trim()).toBe(join("run", "checkpoints", "step-0000003"));
    expect(readdirSync(join(dir, "run", "checkpoints", "step-0000003")).sort()).toEqual(expect.arrayContaining(["model.json", "state.json", "weights.bin"]));

    // the reference: posec's own `train` command, run in the same folder (so on the same synthetic set)
    const reference = run(process.execPath, [join(REPO, "bin", "posec.js"), "train", join(REPO, SMALL), ...flags, "--out", "ref"], dir);
    expect(reference.code, reference.stderr).toBe(0);
    const theirs = metrics("ref");
    for (const [i, r] of ours.entries()) {
      expect(Math.abs(r.loss - theirs[i].loss) / theirs[i].loss, `step ${r.step}: ${r.loss} vs ${theirs[i].loss}`).toBeLessThan(1e-5);
    }

    // a checkpoint of `posec train` is one of the generated program's
    const resumed = run(process.execPath, ["dist/train.js", ...flags.map((f) => (f === "3" ? "4" : f)), "--out", "ref", "--resume"], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("(step 3)");
    expect(metrics("ref").map((r) => r.step)).toEqual([1, 2, 3, 4]);
  }, 300_000);

  it("refuses bad flags with the usage and exit code 2", () => {
    const dir = join(tmp.dir, name(SMALL));
    for (const args of [["--bogus"], ["--steps", "0"], ["--steps", "3", "--epochs", "1"], ["--backend", "gpu"], ["--lr", "-1"]]) {
      const r = run(process.execPath, ["dist/train.js", ...args], dir);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("usage: node dist/train.js");
    }
  });

  // backend, input size: small enough to keep the cpu backend quick, wasm for the big SE-ResNet
  const PARITY: [string, string, number, number][] = [
    [SMALL, "cpu", 64, 64],
    ["models/se_resnet_cmupose.posenet", "wasm", 32, 32],
    // model.ts's functions and loops: stage groups whose layer names carry the stage number, mconv's
    // chain (BODY_25); blocks with and without a stride, dilated depthwise convolutions (Lightweight)
    ["models/openpose_body25.posenet", "wasm", 32, 32],
    ["models/lightweight_openpose.posenet", "wasm", 32, 32],
    ["test/tfjs-codegen/fixtures/every_op.posenet", "cpu", 23, 29],
  ];
  it.each(PARITY)("build the runtime's network for %s (layers, parameters, outputs within 1e-5)", (spec, backend, h, w) => {
    // run from the harness folder, so that its imports resolve there like a user's script beside the programs
    const child = join(tmp.dir, "parity-child.mjs");
    copyFileSync(join(REPO, "test", "tfjs-codegen", "parity-child.mjs"), child);
    const r = run(process.execPath, [child, join(tmp.dir, name(spec)), String(h), String(w), backend], tmp.dir);
    expect(r.code, r.stderr).toBe(0);
    const { generated, reference, inference, training } = JSON.parse(r.stdout);
    expect(generated.layers).toEqual(reference.layers);
    expect(generated.params).toBe(reference.params);
    expect(generated.weights).toEqual(reference.weights);
    expect(generated.outputNames).toEqual(reference.outputNames);
    expect(generated.stages).toEqual(reference.stages);
    for (const out of [...inference, ...training]) {
      expect(out.maxDiff, JSON.stringify(out)).toBeLessThanOrEqual(1e-5);
      // outputs far from zero: the comparison is not between two untouched (zero) networks
      expect(out.maxAbs, JSON.stringify(out)).toBeGreaterThan(1e-2);
    }
  });
});
