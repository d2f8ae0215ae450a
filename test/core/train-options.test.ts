// The one table of training options: `posec train`, the generated tfjs program and the generated
// train.py offer the options the table gives them and refuse the same bad values with the same words.
// The expectations are written out here by hand, not derived from the table.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backendList, BACKEND_PREFERENCES, BACKENDS, isBackendPreference } from "../../core/backends.js";
import { checkOption, optionsFor, TRAIN_OPTIONS } from "../../core/train-options.js";
import { emitTfjs } from "../../compiler/emit/tfjs/index.js";
import { posec } from "../cli/run.js";
import { compileIr } from "../helpers.js";
import { pythonJson, tempDir, writePackage } from "../pytorch/helpers.js";

const SPEC = "models/small_resnet18_cmupose.posenet";
const tmp = tempDir("train-options");
afterAll(() => tmp.remove());

const option = (name: string) => TRAIN_OPTIONS.find((o) => o.name === name)!;

describe("backend names", () => {
  it("are listed once, fastest first, with auto in front for preferences", () => {
    expect(BACKENDS).toEqual(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
    expect(BACKEND_PREFERENCES).toEqual(["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
    expect(backendList()).toBe("auto, tensorflow-gpu, tensorflow, wasm or cpu");
    expect(isBackendPreference("wasm")).toBe(true);
    expect(isBackendPreference("webgl")).toBe(false);
  });
});

describe("the table", () => {
  it("checks ranges", () => {
    expect(checkOption(option("steps"), 0)).toBe("--steps must be a whole number of at least 1, got `0`");
    expect(checkOption(option("steps"), 1.5)).toBe("--steps must be a whole number of at least 1, got `1.5`");
    expect(checkOption(option("steps"), 1)).toBeNull();
    expect(checkOption(option("seed"), 0)).toBeNull();
    expect(checkOption(option("workers"), 0)).toBeNull();
    expect(checkOption(option("lr"), 0)).toBe("--lr must be a positive number, got `0`");
    expect(checkOption(option("time-limit"), Infinity)).not.toBeNull();
    expect(checkOption(option("backend"), "webgl")).toBe("--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, got `webgl`");
  });

  it("gives each program its options", () => {
    const names = (t: "posec" | "tfjs" | "pytorch") => optionsFor(t).map((o) => o.name);
    const shared = ["data", "out", "steps", "epochs", "batch", "lr", "seed", "init-from", "threads"];
    expect(names("pytorch")).toEqual(shared);
    expect(names("tfjs")).toEqual(["data", "out", "steps", "epochs", "batch", "lr", "seed", "resume", "init-from", "backend", "threads", "workers", "skip-bad", "time-limit"]);
    // --init-from (start from weights) is all three's: posec's runtime/weights/start.ts, train.py's init_from
    expect(names("posec")).toEqual(names("tfjs"));
  });
});

describe("the three trainers", () => {
  it("posec train lists the table's options and refuses bad values before compiling", () => {
    const help = posec(["train", "--help"]);
    for (const name of ["data", "out", "steps", "epochs", "batch", "lr", "seed", "resume", "backend", "threads", "workers", "skip-bad", "time-limit", "force"]) {
      expect(help.stdout + help.stderr).toContain(`--${name}`);
    }
    const cases: [string[], string][] = [
      [["--steps", "0"], "--steps must be a whole number of at least 1, got `0`"],
      [["--lr", "-1"], "--lr must be a positive number, got `-1`"],
      [["--workers", "-1"], "--workers must be a whole number of at least 0, got `-1`"],
      [["--backend", "webgl"], "--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, got `webgl`"],
    ];
    for (const [args, message] of cases) {
      const r = posec(["train", SPEC, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
    }
  });

  it("the generated tfjs program parses the same options with the same ranges", async () => {
    const { files } = await emitTfjs(compileIr(SPEC));
    const train = files.find((f) => f.path === "train.ts")!.data as string;
    const usage = train.slice(train.indexOf("const USAGE"), train.indexOf("`;", train.indexOf("const USAGE")));
    for (const name of ["data", "out", "steps", "epochs", "batch", "lr", "seed", "resume", "backend", "threads", "workers", "skip-bad", "time-limit"]) {
      expect(usage).toContain(`  --${name}`);
      expect(train).toMatch(new RegExp(`\\s"?${name}"?: \\{ type: "(string|boolean)"`));
    }
    expect(usage).not.toContain("--force");
    expect(train).toContain('steps: wholeNumber("steps", flags.steps, 1)');
    expect(train).toContain('seed: wholeNumber("seed", flags.seed, 0)');
    expect(train).toContain('dataWorkers: wholeNumber("workers", flags.workers, 0)');
    expect(train).toContain('timeLimit: positive("time-limit", flags["time-limit"])');
    expect(train).toContain('const BACKENDS = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"]');
  });

  it("train.py offers the shared options and refuses the same bad values", () => {
    const ir = compileIr(SPEC);
    const dir = writePackage(ir, join(tmp.dir, "torch"));
    expect(readFileSync(join(dir, "spec.py"), "utf8")).toContain('"flag": "--steps"');
    const cases = [["--help"], ["--steps", "0"], ["--lr", "-1"], ["--lr", "nan"], ["--steps", "2", "--epochs", "1"], ["--steps", "2", "--lr", "0.5", "--seed", "0"], []];
    const got = pythonJson<{ out: string; args: unknown[] | null }[]>(
      `
import contextlib, io, json
import train
results = []
for args in ${JSON.stringify(cases)}:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            a = train.parse_args(args)
            parsed = [a.out, a.batch, a.seed, a.steps, a.lr]
        except SystemExit:
            parsed = None
    results.append({"out": out.getvalue(), "args": parsed})
print(json.dumps(results))
`,
      dir,
    );
    for (const name of ["data", "out", "steps", "epochs", "batch", "lr", "seed", "threads"]) expect(got[0].out).toContain(`--${name}`);
    expect(got[1].out).toContain("argument --steps: must be a whole number of at least 1, got '0'");
    expect(got[2].out).toContain("argument --lr: must be a positive number, got '-1'");
    expect(got[3].out).toContain("argument --lr: must be a positive number, got 'nan'");
    expect(got[4].out).toContain("give --steps or --epochs, not both");
    expect(got[5].args).toEqual([join("runs", ir.model.name), ir.train!.batch, 0, 2, 0.5]);
    // unset: the spec's settings
    expect(got[6].args).toEqual([join("runs", ir.model.name), ir.train!.batch, ir.train!.seed, null, null]);
  }, 60_000);
});
