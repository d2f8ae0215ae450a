// The compiler commands end to end: exit codes (0 ok, 1 errors, 2 usage), formats, outputs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadIr } from "../../core/ir/load.js";
import { ZOO } from "../helpers.js";
import { posec } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "posec-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("posec check", () => {
  it("accepts the zoo (exit 0)", () => {
    const r = posec(["check", ...ZOO]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.endsWith(")")).length).toBe(ZOO.length);
  });
  it("reports errors in the one-line form and exits 1", () => {
    const r = posec(["check", "--format", "plain", "test/fixtures/invalid/topk_exceeds_joints.posenet"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("test/fixtures/invalid/topk_exceeds_joints.posenet:3:23: error PN2009: topk=20 exceeds the 18 joints of `coco18`");
  });
  it("prints a source frame by default", () => {
    const r = posec(["check", "test/fixtures/invalid/unknown_backbone.posenet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("3 | backbone resnet5 until layer2");
    expect(r.stderr).toContain("^^^^^^^");
    expect(r.stderr).toContain("did you mean `resnet50`?");
  });
  it("prints JSON diagnostics with --format json", () => {
    const r = posec(["check", "--format", "json", "test/fixtures/invalid/se_ratio_does_not_divide.posenet"]);
    expect(r.code).toBe(1);
    const diags = JSON.parse(r.stdout);
    expect(diags[0]).toMatchObject({ code: "PN2015", severity: "error", span: { line: 3, col: 1 } });
    expect(diags[0].labels[0].span.file).toBe("std/se.posenet");
  });
  it("exits 2 on an unknown option, with a suggestion", () => {
    const r = posec(["check", "--fromat", "plain", "models/cmu_pose_vgg19.posenet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option `--fromat`");
    expect(r.stderr).toContain("--format");
  });
  it("exits 2 without a file, and 1 for a file that does not exist", () => {
    expect(posec(["check"]).code).toBe(2);
    const r = posec(["check", "no/such.posenet"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cannot read `no/such.posenet`");
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
  it("exits 2 on an unknown command", () => {
    const r = posec(["chek"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean `check`?");
  });
});

describe("posec inspect", () => {
  it("--json gives the reference totals and output shapes", () => {
    const r = posec(["inspect", "models/cmu_pose_vgg19.posenet", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.params.trainable).toBe(52_311_446);
    expect(j.params.nonTrainable).toBe(0);
    expect(j.macs.total).toBe(135_934_006_784);
    expect(j.parts.backbone.params + j.parts.adapter.params).toBe(7_340_480);
    expect(j.outputs.pafs.shape).toEqual([46, 46, 38]);
    expect(j.outputs.heatmaps.shape).toEqual([46, 46, 19]);
  });
  it("--input 368x656 gives 46x82 outputs", () => {
    const j = JSON.parse(posec(["inspect", "models/cmu_pose_vgg19.posenet", "--input", "368x656", "--json"]).stdout);
    expect(j.outputs.pafs.shape).toEqual([46, 82, 38]);
    expect(j.outputs.heatmaps.shape).toEqual([46, 82, 19]);
  });
  it("prints a summary table", () => {
    const r = posec(["inspect", "models/se_resnet_okhm_cmupose.posenet", "--no-layers"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Trainable parameters: 48,205,302");
    expect(r.stdout).toMatch(/backbone\s+1,759,392/);
  });
  it("rejects a malformed --input as a usage error", () => {
    expect(posec(["inspect", "models/cmu_pose_vgg19.posenet", "--input", "368"]).code).toBe(2);
  });
  it("rejects input sizes outside the resource bounds", () => {
    for (const size of ["0x368", "20000x20000"]) {
      const r = posec(["inspect", "models/cmu_pose_vgg19.posenet", "--input", size]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("PN3005");
    }
  });
});

describe("posec build --emit ir", () => {
  it("writes a valid IR that loads back", () => {
    const out = join(tmp, "ir");
    const r = posec(["build", "models/small_resnet18_cmupose.posenet", "--emit", "ir", "--out", out]);
    expect(r.code).toBe(0);
    const loaded = loadIr(readFileSync(join(out, "model.ir.json"), "utf8"), "model.ir.json");
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.ir!.model.name).toBe("small_resnet18_cmupose");
  });
  it("writes nothing for a spec with errors", () => {
    const out = join(tmp, "bad");
    const r = posec(["build", "test/fixtures/invalid/stride_mismatch_backbone_cut.posenet", "--out", out]);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe("posec fmt", () => {
  it("--check passes on the zoo", () => {
    expect(posec(["fmt", "--check", ...ZOO]).code).toBe(0);
  });
  it("rewrites a file in place, and refuses a file with syntax errors", () => {
    const good = join(tmp, "good.posenet");
    writeFileSync(good, "posenet   1\nmodel  m\n");
    expect(posec(["fmt", good]).code).toBe(0);
    expect(readFileSync(good, "utf8")).toBe("posenet 1\nmodel m\n");
    const bad = join(tmp, "bad.posenet");
    writeFileSync(bad, "posenet 1\nadapter { conv 3x3 ) }\n");
    const r = posec(["fmt", bad]);
    expect(r.code).toBe(1);
    expect(readFileSync(bad, "utf8")).toBe("posenet 1\nadapter { conv 3x3 ) }\n");
  });
});

describe("posec explain", () => {
  it("explains a code", () => {
    const r = posec(["explain", "PN3003"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("stride mismatch");
  });
});
